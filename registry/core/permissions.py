"""Roles and organization scope: the one place that decides who sees what.

Every view, admin page, export, autocomplete and report narrows its queryset
with ``Model.objects.restrict(user, action)`` (or ``restrict_queryset``), checks
single objects with ``user_can``, and offers foreign-key choices through
``restrict_choices``; nothing re-implements the rule.

The rule: a user needs the model permission for the action; then clerks act
only on records whose owning organization (the queryset's
``organization_field``) is one of their memberships, coordinators act on all
organizations, supervisors view all of them, and a prefecture's lead (取りまとめ担当) acts on its
prefecture's records and those of every municipality in it (``Organization.home_prefecture``: the code's first
two digits), never on another prefecture's. Shared records (contractors,
partners, survey rounds) only need the model permission, except places: every
clerk reads them, but changes only those no other organization's records name
(``PlaceQuerySet.for_organizations``).
"""
from django.apps import apps as django_apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role:
    CLERK = "clerk"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    LEAD = "lead"

    GROUP_NAMES = {
        CLERK: "担当者",
        COORDINATOR: "調査担当",
        SUPERVISOR: "管理者",
        LEAD: "取りまとめ担当",
    }
    LABELS = {
        CLERK: _("Clerk"),
        COORDINATOR: _("Survey coordinator"),
        SUPERVISOR: _("Supervisor"),
        LEAD: "取りまとめ担当",
    }
    ALL = (CLERK, COORDINATOR, SUPERVISOR, LEAD)
    # Roles whose memberships name the organizations they act for (a lead's names its prefecture).
    WITH_ORGANIZATIONS = (CLERK, LEAD)


VIEW_CHANGELOG_PERMISSION = "registry.view_changelog"
REVERT_PERMISSION = "registry.revert_change"


def is_active_user(user):
    return bool(user and user.is_authenticated and user.is_active)


def user_roles(user):
    if not is_active_user(user):
        return set()
    cached = getattr(user, "_registry_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role, group in Role.GROUP_NAMES.items() if group in names}
        user._registry_roles = cached
    return cached


def organizations():
    """The Organization model (core sits below models: it is looked up, not imported)."""
    return django_apps.get_model("registry", "Organization")


def current_memberships(user):
    """A membership whose end date (a handover's) has come gives nothing, even before the daily task ends it."""
    return user.memberships.exclude(ends_on__lte=timezone.localdate())


def member_organization_ids(user):
    """The organizations of the user's memberships, and for a lead every municipality of its prefectures."""
    cached = getattr(user, "_registry_org_ids", None)
    if cached is None:
        cached = set(current_memberships(user).values_list("organization_id", flat=True))
        led = lead_prefecture_ids(user)
        if led:
            cached |= set(organizations().objects.filter(prefecture_id__in=led).values_list("pk", flat=True))
        user._registry_org_ids = cached
    return cached


def lead_prefecture_ids(user):
    """The prefectures (organization ids) the user leads (取りまとめ担当): its memberships of prefectures."""
    if Role.LEAD not in user_roles(user):
        return set()
    cached = getattr(user, "_registry_led_ids", None)
    if cached is None:
        cached = set(current_memberships(user).filter(organization__kind="prefecture")
                     .values_list("organization_id", flat=True))
        user._registry_led_ids = cached
    return cached


def is_lead(user):
    return bool(lead_prefecture_ids(user))


def leads_organization(user, organization):
    """Whether ``user`` is the lead of ``organization``'s prefecture (the prefecture itself included)."""
    if organization is None:
        return False
    prefecture_id = organization.pk if organization.kind == "prefecture" else organization.prefecture_id
    return prefecture_id in lead_prefecture_ids(user)


def acts_on_behalf(user, organization_id):
    """The prefecture a lead acts for when it changes ``organization_id``'s records (代理入力), or None: a
    municipality of its prefecture, not the prefecture itself."""
    led = lead_prefecture_ids(user)
    if not led or organization_id is None or organization_id in led:
        return None
    organization = organizations().objects.filter(pk=organization_id).select_related("prefecture").first()
    if organization is None or organization.prefecture_id not in led:
        return None
    return organization.prefecture


def can_steer_answers_of(user, organization):
    """Return (差し戻し) an organization's answer: coordinators for every organization, a lead for its own."""
    if not is_active_user(user):
        return False
    return user.has_perm("registry.change_surveyround") or leads_organization(user, organization)


def can_check_answers_of(user, organization):
    """Mark an organization's answer 確認済み (the prefecture checked it): the lead of its prefecture only."""
    return is_active_user(user) and leads_organization(user, organization)


def can_remind(user):
    """Send reminders (督促): coordinators to every organization, leads to their prefecture's (restrict narrows)."""
    return is_active_user(user) and (user.has_perm("registry.change_surveyround") or is_lead(user))


def can_manage_accounts_of(user, organization):
    """Invite and hand over the clerks of ``organization``: a lead for the municipalities of its prefecture (and
    the prefecture itself), never for coordinators' or supervisors' accounts (those roles are not an
    organization's); superusers for every organization (registry/accounts/listing.py's may_invite_to,
    leads_account and leads_invitation use it)."""
    if not is_active_user(user) or organization is None:
        return False
    return user.is_superuser or leads_organization(user, organization)


def forget_cached_access(user):
    """Drop what this user object remembers about its roles, memberships and permissions."""
    for name in ("_registry_roles", "_registry_org_ids", "_registry_led_ids", "_perm_cache", "_user_perm_cache",
                 "_group_perm_cache"):
        user.__dict__.pop(name, None)


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


def organization_ids_in_scope(user, action="view"):
    """Organizations whose records the user may act on; None means all of them."""
    if not is_active_user(user):
        return set()
    if sees_all_organizations(user, action):
        return None
    return member_organization_ids(user)


def readable_organization_ids(user, model):
    """Organizations whose ``model`` records the user may read in full, non-public fields included: those of
    ``restrict(user, "view")``. None means all of them; anonymous callers read only what is public (an empty set).

    The API shows a record's non-public fields, and a search matches them, only for these organizations.
    """
    if not is_active_user(user) or not has_model_permission(user, model, "view"):
        return set()
    if organization_path(model) is None:
        return None
    return organization_ids_in_scope(user, "view")


def organization_path(model):
    """Lookup path from the model to its owning organization; None for shared records."""
    return getattr(model._default_manager.all(), "organization_field", None)


def _narrow(queryset, user, permission_action, scope_action):
    if not is_active_user(user) or not has_model_permission(user, queryset.model, permission_action):
        return queryset.none()
    allowed = organization_ids_in_scope(user, scope_action)
    if allowed is None or not hasattr(queryset, "for_organizations"):
        return queryset
    return queryset.for_organizations(allowed, scope_action)


def restrict_queryset(queryset, user, action="view"):
    """The rows of ``queryset`` the user may ``action`` (view, add, change, delete, export…)."""
    return _narrow(queryset, user, action, action)


def restrict_choices(queryset, user):
    """Rows a user may link a record they are editing to (foreign-key and many-to-many choices).

    The user must be able to view the target, and an organization-owned target
    must belong to an organization whose records the user may change: a
    supervisor who is also a clerk sees every base but may attach only their own.
    """
    return _narrow(queryset, user, "view", "change")


def user_can(user, obj, action="view"):
    """Object-level check through the same rule as querysets."""
    manager = type(obj)._default_manager
    return restrict_queryset(manager.all(), user, action).filter(pk=obj.pk).exists()


def owning_organization_id(model, row, path):
    """The organization owning ``row`` (a live instance or a history row) along ``path``.

    Follows deleted intermediate records through their history, so the history
    of a deleted round record still belongs to its base's organization.
    """
    if path == "pk":
        return getattr(row, model._meta.pk.attname)
    head, _sep, rest = path.partition("__")
    field = model._meta.get_field(head)
    related_id = getattr(row, field.attname)
    if not rest or related_id is None:
        return related_id
    related_model = field.related_model
    related_row = related_model._default_manager.filter(pk=related_id).first() or latest_history_row(
        related_model, related_id
    )
    if related_row is None:
        return None
    return owning_organization_id(related_model, related_row, rest)


def latest_history_row(model, object_id):
    history = getattr(model, "history", None)
    if history is None:
        return None
    return history.filter(**{model._meta.pk.attname: object_id}).order_by("-history_date", "-history_id").first()


def history_row_in_scope(user, model, row, action="view"):
    """Whether the user may ``action`` the record a history row belongs to (also after deletion)."""
    if not is_active_user(user) or not has_model_permission(user, model, action):
        return False
    path = organization_path(model)
    allowed = organization_ids_in_scope(user, action)
    if path is None or allowed is None:
        return True
    return owning_organization_id(model, row, path) in allowed


def record_in_scope(user, model, object_id, action="view"):
    """Whether a live record, or the last history row of a deleted one, is in the user's scope."""
    queryset = restrict_queryset(model._default_manager.all(), user, action)
    if queryset.filter(pk=object_id).exists():
        return True
    if model._default_manager.filter(pk=object_id).exists():
        return False
    last = latest_history_row(model, object_id)
    return last is not None and history_row_in_scope(user, model, last, action)


def can_view_changelog(user):
    """The change log of all records (/history/) is for supervisors and superusers."""
    return is_active_user(user) and user.has_perm(VIEW_CHANGELOG_PERMISSION)


def can_revert(user):
    return is_active_user(user) and user.has_perm(REVERT_PERMISSION)


def never_reverts(user):
    """A prefecture's lead edits like its municipalities' clerks but never reverts (a supervisor's step)."""
    return is_lead(user) and not user.is_superuser and not user.has_perm(REVERT_PERMISSION)
