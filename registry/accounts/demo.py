"""Demo users, one per role, for trying the registry (created by ``manage.py setup_demo``)."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password

from registry.models import Organization
from registry.core.permissions import Role
from registry.accounts.roles import grant_role

DEMO_PASSWORD = "demo-pass-2017"

# user name → (role, organization codes)
DEMO_USERS = {
    "osaka_clerk": (Role.CLERK, ["270008"]),  # 大阪府
    "sapporo_clerk": (Role.CLERK, ["011002"]),  # 札幌市
    "coordinator": (Role.COORDINATOR, []),
    "supervisor": (Role.SUPERVISOR, []),
    "osaka_lead": (Role.LEAD, ["270008"]),  # 大阪府の取りまとめ担当 (its municipalities too)
}
DEMO_SUPERUSER = "admin"


def create_demo_users(stdout):
    """Create the demo users if missing and make sure each has its role; safe to run again."""
    user_model = get_user_model()
    for username, (role, codes) in DEMO_USERS.items():
        user, created = get_or_create_with_password(user_model, username)
        organizations = list(Organization.objects.filter(code__in=codes))
        grant_role(user, role, organizations, actor_name="setup_demo")
        stdout.write(f"{'Created' if created else 'Kept'} demo user {username} ({role})")
    admin, created = get_or_create_with_password(user_model, DEMO_SUPERUSER)
    if not (admin.is_superuser and admin.is_staff):
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    stdout.write(f"{'Created' if created else 'Kept'} demo superuser {DEMO_SUPERUSER}")
    stdout.write(f"Demo password (for new demo users): {DEMO_PASSWORD}")


def get_or_create_with_password(user_model, username):
    """A new user gets the demo password; an existing one keeps whatever password it has now."""
    user = user_model._default_manager.filter(username=username).first()
    if user is not None:
        return user, False
    user = user_model(username=username)
    validate_password(DEMO_PASSWORD, user)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user, True


DEMO_INVITATION = ("京都 花子", "kyoto.invited@example.jp", "261009")  # 京都市: a pending invitation
DEMO_SUCCESSOR = ("札幌 次郎", "sapporo.successor@example.jp")  # takes over sapporo_clerk's seat on 31 March


def next_march_31(today):
    this_year = today.replace(month=3, day=31)
    return this_year if this_year >= today else this_year.replace(year=today.year + 1)


def create_demo_accounts(stdout):
    """One pending invitation and one handover scheduled for the next 31 March; safe to run again."""
    from django.utils import timezone

    from registry.accounts.handover import schedule_handover
    from registry.accounts.invitations import invite
    from registry.core.history import Source, change_context
    from registry.models import Invitation

    with change_context(source=Source.COMMAND, actor_name="setup_demo"):
        name, email, code = DEMO_INVITATION
        if not Invitation.objects.filter(email=email).exists():
            invite(name, email, Role.CLERK, Organization.objects.filter(code=code))
        successor_name, successor_email = DEMO_SUCCESSOR
        outgoing = get_user_model().objects.get(username="sapporo_clerk")
        if not Invitation.objects.filter(email=successor_email).exists():
            ends_on = next_march_31(timezone.localdate())
            schedule_handover(outgoing, outgoing.memberships.all(), successor_name, successor_email, ends_on)
    stdout.write(f"Demo invitation pending for {email}; sapporo_clerk hands over to {successor_email}")
