"""Demo users, one per role, for trying the registry (created by ``manage.py setup_demo``)."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password

from registry.models import Organization
from registry.permissions import Role
from registry.roles import grant_role

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
