"""What each role may do (Django groups with exact permission sets), and granting or revoking them.

The groups are created by migration 0002 and re-synchronised after every
``migrate`` and by ``manage.py sync_roles``, so editing the sets below is the
only way to change what a role may do. Organization scope on top of these
model permissions is decided in ``registry.core.permissions``.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver

from registry.core.history import Source, change_context
from registry.core.permissions import Role, forget_cached_access

REGISTRY_MODELS = (
    "organization",
    "organizationalias",
    "base",
    "baseroundrecord",
    "surveyround",
    "importrecord",
    "contractor",
    "jointoffice",
    "partner",
    "agreement",
    "agreementrenewal",
    "membership",
    "rolechange",
    "place",
    "roundresponse",
    "roundreminder",
    "roundcorrection",
)


def _perms(actions, *models):
    return {f"registry.{action}_{model}" for model in models for action in actions}


CLERK_PERMISSIONS = (
    _perms(("view", "add", "change"), "base", "baseroundrecord", "agreement", "agreementrenewal", "roundresponse")
    | _perms(("view", "add"), "partner", "contractor")
    | _perms(("view",), "jointoffice", "organization", "organizationalias", "surveyround")
    # Clerks pin by hand the places GeoNames did not find (coordinates only; names come from the records).
    | _perms(("view", "change"), "place")
    # A clerk may export their own organizations' rows (exports go through the restricted queryset)
    # and import their own tie list (the importer refuses rows of other organizations); never a survey.
    | {"registry.export_base", "registry.export_agreement", "registry.import_agreement"}
)

COORDINATOR_PERMISSIONS = (
    _perms(("view",), *(m for m in REGISTRY_MODELS if m not in ("membership", "rolechange")))
    | _perms(("add", "change"), "base", "baseroundrecord", "surveyround", "contractor", "jointoffice", "roundresponse")
    | _perms(("add",), "roundreminder", "roundcorrection")
    | _perms(("add", "change"), "agreement", "agreementrenewal", "partner")
    | _perms(("change",), "place")
    | {"registry.import_base", "registry.export_base", "registry.import_agreement", "registry.export_agreement"}
)

SUPERVISOR_PERMISSIONS = (
    _perms(("view",), *REGISTRY_MODELS)
    | {"registry.view_changelog", "registry.revert_change", "auth.view_user", "auth.view_group"}
)

# A prefecture's lead (取りまとめ担当): what a clerk may do, for the prefecture and its municipalities (the scope
# is registry.core.permissions'), and reminders to them. Never a survey import, a revert, a round step or publishing.
LEAD_PERMISSIONS = CLERK_PERMISSIONS | _perms(("view", "add"), "roundreminder")

ROLE_PERMISSIONS = {
    Role.CLERK: CLERK_PERMISSIONS,
    Role.COORDINATOR: COORDINATOR_PERMISSIONS,
    Role.SUPERVISOR: SUPERVISOR_PERMISSIONS,
    Role.LEAD: LEAD_PERMISSIONS,
}


class RoleError(Exception):
    pass


def sync_role_groups(group_model=Group, permission_model=Permission, require_all=True):
    """Give each role's group exactly its permission set; returns {group name: [permission names]}.

    Migrations pass their historical models and ``require_all=False`` (a
    permission added by a later migration is picked up by the next sync).
    """
    synced = {}
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=Role.GROUP_NAMES[role])
        permissions = find_permissions(permission_model, wanted, require_all)
        group.permissions.set(permissions)
        synced[group.name] = sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)
    return synced


def find_permissions(permission_model, names, require_all):
    found = []
    missing = []
    for name in sorted(names):
        app_label, codename = name.split(".")
        permission = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            missing.append(name)
        else:
            found.append(permission)
    if missing and require_all:
        raise RoleError(f"Permissions missing from the database: {', '.join(missing)} (run migrate).")
    return found


@receiver(post_migrate)
def resync_roles_after_migrate(sender, app_config=None, using="default", **kwargs):
    if app_config is None or app_config.name != "registry":
        return
    sync_role_groups(require_all=False)


def role_group(role):
    if role not in Role.GROUP_NAMES:
        raise RoleError(f"Unknown role {role!r}; choose one of {', '.join(Role.ALL)}.")
    return Group.objects.get_or_create(name=Role.GROUP_NAMES[role])[0]


def has_role(user, role):
    return user.groups.filter(name=Role.GROUP_NAMES[role]).exists()


@transaction.atomic
def grant_role(user, role, organizations=(), actor_name="", reason=""):
    """Give ``user`` the role (and, for clerks, the organizations); returns what changed as text lines."""
    group = role_group(role)
    check_organizations(role, organizations)
    changes = []
    with change_context(actor_name=actor_name, source=Source.COMMAND, reason=reason):
        if not has_role(user, role):
            user.groups.add(group)
            changes.append(f"role {role} granted")
        for organization in organizations:
            _membership, created = user.memberships.get_or_create(organization=organization)
            if created:
                changes.append(f"organization {organization.code} {organization.name} added")
        if role == Role.CLERK and not user.memberships.exists():
            raise RoleError("A clerk needs at least one organization (--organization CODE).")
        if role == Role.LEAD and not user.memberships.filter(organization__kind="prefecture").exists():
            raise RoleError("A lead needs its prefecture (--organization CODE, e.g. 270008 for 大阪府).")
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            changes.append("admin access (is_staff) granted")
    forget_cached_access(user)
    return changes


@transaction.atomic
def revoke_role(user, role, organizations=(), actor_name="", reason=""):
    """Take the role (or, given organizations, only those clerk memberships) away; returns what changed.

    A clerk left without organizations loses the clerk role; a user left with no
    role at all (and not a superuser) loses admin access.
    """
    group = role_group(role)
    check_organizations(role, organizations, granting=False)
    changes = []
    with change_context(actor_name=actor_name, source=Source.COMMAND, reason=reason):
        if organizations:
            for organization in organizations:
                deleted, _by_model = user.memberships.filter(organization=organization).delete()
                if deleted:
                    changes.append(f"organization {organization.code} {organization.name} removed")
            keeps_role = user.memberships.exists()
        else:
            keeps_role = False
            if role in Role.WITH_ORGANIZATIONS:
                for membership in user.memberships.select_related("organization"):
                    membership.delete()
                    changes.append(f"organization {membership.organization.code} {membership.organization.name} removed")
        if not keeps_role and has_role(user, role):
            user.groups.remove(group)
            changes.append(f"role {role} revoked")
        remaining_roles = user.groups.filter(name__in=Role.GROUP_NAMES.values()).exists()
        if user.is_staff and not remaining_roles and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
            changes.append("admin access (is_staff) removed")
    forget_cached_access(user)
    return changes


def check_organizations(role, organizations, granting=True):
    """Clerks act for organizations, a lead for prefectures (the code's first two digits: 270008 is 大阪府)."""
    if organizations and role not in Role.WITH_ORGANIZATIONS:
        raise RoleError("Organizations apply to clerks only (and a lead's prefecture).")
    if granting and role == Role.LEAD:
        for organization in organizations:
            if organization.kind != organization.Kind.PREFECTURE:
                raise RoleError(f"A lead is granted a prefecture; {organization.code} {organization.name} is not one "
                                f"(its prefecture is {organization.code[:2]}…).")


# --- every role change is logged -------------------------------------------------------------

def _log(user, action, role="", organization=None):
    from registry.accounts.audit import record

    record(user, action, role=role, organization=organization)


GROUP_ROLES = {name: role for role, name in Role.GROUP_NAMES.items()}


def _log_group_changes(users, groups, action):
    from registry.models import RoleChange

    for group in groups:
        role = GROUP_ROLES.get(group.name)
        if role is None:
            continue
        for user in users:
            _log(user, RoleChange.Action.GRANTED if action == "add" else RoleChange.Action.REVOKED, role=role)


@receiver(m2m_changed, sender=get_user_model().groups.through)
def log_group_membership(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Role groups given or taken through any path (commands, the user admin, shell) are logged."""
    user_model = get_user_model()
    if action == "pre_clear":
        # After the clear nothing says which groups (or users) were removed.
        if reverse:
            _log_group_changes(list(instance.user_set.all()), [instance], "remove")
        else:
            _log_group_changes([instance], list(instance.groups.all()), "remove")
        return
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    kind = "add" if action == "post_add" else "remove"
    if reverse:
        _log_group_changes(list(user_model.objects.filter(pk__in=pk_set)), [instance], kind)
    else:
        _log_group_changes([instance], list(Group.objects.filter(pk__in=pk_set)), kind)


@receiver(post_save, sender="registry.Membership")
def log_membership_added(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from registry.models import RoleChange

        _log(instance.user, RoleChange.Action.GRANTED, organization=instance.organization)


@receiver(post_delete, sender="registry.Membership")
def log_membership_removed(sender, instance, **kwargs):
    from registry.models import RoleChange

    _log(instance.user, RoleChange.Action.REVOKED, organization=instance.organization)
