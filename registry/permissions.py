"""Roles and organization scope: the one place that decides who sees what.

Every view, admin page, export, autocomplete and report narrows its queryset
with ``Model.objects.restrict(user, action)`` (or ``restrict_queryset``), and
checks single objects with ``user_can``; nothing re-implements the rule.
"""
from django.utils.translation import gettext_lazy as _


class Role:
    CLERK = "clerk"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"

    GROUP_NAMES = {
        CLERK: "担当者",
        COORDINATOR: "調査担当",
        SUPERVISOR: "管理者",
    }
    LABELS = {
        CLERK: _("Clerk"),
        COORDINATOR: _("Survey coordinator"),
        SUPERVISOR: _("Supervisor"),
    }
    ALL = (CLERK, COORDINATOR, SUPERVISOR)


def user_roles(user):
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_registry_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role, group in Role.GROUP_NAMES.items() if group in names}
        user._registry_roles = cached
    return cached


def member_organization_ids(user):
    cached = getattr(user, "_registry_org_ids", None)
    if cached is None:
        cached = set(user.memberships.values_list("organization_id", flat=True))
        user._registry_org_ids = cached
    return cached


def sees_all_organizations(user, action):
    """Coordinators see and edit everything; supervisors see everything."""
    if user.is_superuser:
        return True
    roles = user_roles(user)
    if Role.COORDINATOR in roles:
        return True
    return Role.SUPERVISOR in roles and action == "view"


def has_model_permission(user, model, action):
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def restrict_queryset(queryset, user, action="view"):
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    model = queryset.model
    if not has_model_permission(user, model, action):
        return queryset.none()
    path = getattr(queryset, "organization_field", None)
    if path is None or sees_all_organizations(user, action):
        return queryset
    return queryset.filter(**{f"{path}__in": member_organization_ids(user)})


def user_can(user, obj, action="view"):
    """Object-level check through the same rule as querysets."""
    manager = type(obj)._default_manager
    return restrict_queryset(manager.all(), user, action).filter(pk=obj.pk).exists()


def organization_ids_in_scope(user, action="view"):
    """Organizations whose records the user may act on; None means all of them."""
    if not user or not user.is_authenticated:
        return set()
    if sees_all_organizations(user, action):
        return None
    return member_organization_ids(user)
