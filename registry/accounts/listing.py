"""Who may see and manage accounts, and the accounts (and open invitations) one sees, as rows of one table.

Coordinators and superusers manage every organization's accounts; supervisors read them; a clerk reads the
accounts of their own organizations' colleagues and nobody else's.
"""
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from registry.models import Invitation, Membership
from registry.core.permissions import (
    Role, can_manage_accounts_of, is_active_user, is_lead, member_organization_ids, user_roles,
)

INVITED, ACTIVE, STOPPED = "招待中", "有効", "停止"


def second_factor_users(users):
    """The ids of those among ``users`` who sign in with a confirmed second factor (one query for a page)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return set(TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))


def can_manage_accounts(user):
    return is_active_user(user) and (user.is_superuser or Role.COORDINATOR in user_roles(user))


def can_read_all_accounts(user):
    return can_manage_accounts(user) or (is_active_user(user) and Role.SUPERVISOR in user_roles(user))


def can_read_audit(user):
    return is_active_user(user) and (user.is_superuser or Role.SUPERVISOR in user_roles(user))


def readable_organization_ids(user):
    """Organizations whose accounts ``user`` may read: None = all, else their own organizations' (clerks, leads)."""
    if can_read_all_accounts(user):
        return None
    if is_active_user(user) and user_roles(user) & {Role.CLERK, Role.LEAD}:
        return set(member_organization_ids(user))  # a lead's: its prefecture and its municipalities
    return set()


def can_invite(user):
    """Coordinators and superusers invite to every organization; a prefecture's lead invites its area's clerks."""
    return can_manage_accounts(user) or (is_active_user(user) and is_lead(user))


def may_invite_to(user, organization):
    """Whether ``user`` may invite a clerk of ``organization`` (a lead: its prefecture and its municipalities)."""
    return can_manage_accounts(user) or can_manage_accounts_of(user, organization)


def invitable_roles(user):
    """The roles ``user`` may invite people to: a lead clerks; coordinators clerks, prefectures' leads and
    coordinators; superusers anyone."""
    if not can_invite(user):
        return ()
    if user.is_superuser:
        return Role.ALL
    if can_manage_accounts(user):
        return (Role.CLERK, Role.LEAD, Role.COORDINATOR)
    return (Role.CLERK,)


def leads_account(lead, user):
    """A prefecture's lead hands over the seats of its area's clerks (never a coordinator's or supervisor's)."""
    if user.is_superuser or works_for_every_organization(user) or Role.CLERK not in user_roles(user):
        return False
    # .all(): the account rows prefetch memberships and their organizations (account_users), so a row costs no query.
    return any(can_manage_accounts_of(lead, membership.organization) for membership in user.memberships.all())


def leads_invitation(lead, invitation):
    """A lead resends or withdraws an open invitation of a clerk to organizations of its area only."""
    organizations = list(invitation.organizations.all())
    return invitation.role == Role.CLERK and bool(organizations) and all(
        can_manage_accounts_of(lead, organization) for organization in organizations)


def mark_led_rows(user, rows):
    """For a lead (not a coordinator), mark the rows it acts on: its area's clerks and their invitations."""
    if can_manage_accounts(user) or not (is_active_user(user) and is_lead(user)):
        return rows
    for row in rows:
        if row.invitation is not None:
            row.led = leads_invitation(user, row.invitation)
        elif row.user is not None and row.user.pk != user.pk and row.state != STOPPED:
            row.led = leads_account(user, row.user)
    return rows


@dataclass
class AccountRow:
    name: str
    email: str
    role: str
    organizations: list
    state: str
    last_login: object
    second_factor: bool
    user: object = None
    invitation: object = None
    ends_on: object = None
    all_organizations: bool = False  # a coordinator's, supervisor's or superuser's: every organization
    led: bool = False  # the viewer is the lead of this clerk's (or invitation's) organizations (mark_led_rows)

    @property
    def expired(self):
        return self.invitation is not None and self.invitation.expires_at <= timezone.now()


ROLE_BY_GROUP = {name: role for role, name in Role.GROUP_NAMES.items()}


def display_name(user):
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()


def role_label(role):
    return Role.GROUP_NAMES.get(role, "")


def user_role_label(user):
    if user.is_superuser:
        return "システム管理者"
    return "・".join(role_label(ROLE_BY_GROUP[g.name]) for g in user.groups.all() if g.name in ROLE_BY_GROUP)


WIDE_ROLES = (Role.GROUP_NAMES[Role.COORDINATOR], Role.GROUP_NAMES[Role.SUPERVISOR])


def works_for_every_organization(user):
    return user.is_superuser or any(group.name in WIDE_ROLES for group in user.groups.all())


def user_row(user, organization_id=None, second_factor=False):
    memberships = list(user.memberships.all())
    ends = [m.ends_on for m in memberships
            if m.ends_on and (organization_id is None or m.organization_id == organization_id)]
    return AccountRow(
        name=display_name(user), email=user.email, role=user_role_label(user),
        organizations=[m.organization for m in memberships], state=ACTIVE if user.is_active else STOPPED,
        last_login=user.last_login, second_factor=second_factor, user=user,
        ends_on=min(ends) if ends else None, all_organizations=works_for_every_organization(user))


def invitation_row(invitation):
    return AccountRow(
        name=invitation.name, email=invitation.email, role=role_label(invitation.role),
        organizations=list(invitation.organizations.all()), state=INVITED, last_login=None, second_factor=False,
        invitation=invitation, all_organizations=invitation.role != Role.CLERK)


def search_filter(query, prefix=""):
    condition = Q()
    for word in query.split():
        condition &= (Q(**{f"{prefix}email__icontains": word})
                      | Q(**{f"{prefix}memberships__organization__name__contains": word})
                      | Q(**{f"{prefix}memberships__organization__code": word})
                      | Q(**{f"{prefix}username__icontains": word})
                      | Q(**{f"{prefix}last_name__contains": word}) | Q(**{f"{prefix}first_name__contains": word}))
    return condition


def invitation_filter(query):
    condition = Q()
    for word in query.split():
        condition &= (Q(email__icontains=word) | Q(name__contains=word) | Q(organizations__name__contains=word)
                      | Q(organizations__code=word))
    return condition


def account_users(viewer, organization=None, query=""):
    """The accounts ``viewer`` may read (of ``organization`` if given), matching ``query``."""
    users = get_user_model().objects.all()
    scope = readable_organization_ids(viewer)
    if scope is not None:
        users = users.filter(memberships__organization_id__in=scope)
    else:
        users = users.filter(Q(is_staff=True) | Q(memberships__isnull=False) | Q(is_active=False, groups__isnull=False))
    if organization is not None:
        users = users.filter(memberships__organization=organization)
    if query:
        users = users.filter(search_filter(query))
    return users.distinct().order_by("username").prefetch_related(
        "groups", "memberships__organization")


def open_invitations(viewer, organization=None, query=""):
    invitations = Invitation.objects.open()
    scope = readable_organization_ids(viewer)
    if scope is not None:
        invitations = invitations.filter(organizations__in=scope)
    if organization is not None:
        invitations = invitations.filter(organizations=organization)
    if query:
        invitations = invitations.filter(invitation_filter(query))
    return invitations.distinct().order_by("-created_at").prefetch_related("organizations")


def account_rows(viewer, organization=None, query="", limit=None):
    """Open invitations first, then the accounts; ``limit`` bounds each part (the page says when it did)."""
    invitations = open_invitations(viewer, organization, query)
    users = account_users(viewer, organization, query)
    if limit is not None:
        invitations, users = invitations[:limit], users[:limit]
    organization_id = organization.pk if organization else None
    users = list(users)
    enrolled = second_factor_users(users)
    return [invitation_row(i) for i in invitations] + [
        user_row(u, organization_id, second_factor=u.pk in enrolled) for u in users]


def may_read_user(viewer, user):
    scope = readable_organization_ids(viewer)
    if scope is None:
        return True
    return Membership.objects.filter(user=user, organization_id__in=scope).exists()
