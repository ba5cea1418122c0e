"""Users per role for tests: ``make_user(Role.CLERK, "大阪府")``, ``make_user("supervisor")``.

Roles are granted through ``registry.accounts.roles.grant_role``, the code path the
grant_role command uses, so tests exercise the real groups from migration 0002.
"""
from django.contrib.auth import get_user_model
from django.test import Client

from registry.models import Organization
from registry.core.permissions import Role
from registry.accounts.roles import grant_role

PASSWORD = "correct-horse-battery"


def as_organization(value):
    if isinstance(value, Organization):
        return value
    if value.isdigit():
        return Organization.objects.get(code=value)
    return Organization.objects.get(name=value)


def make_user(role=None, *organizations, username=None):
    """A staff user with ``role`` (clerk/coordinator/supervisor, or "superuser"), member of ``organizations``."""
    organizations = [as_organization(o) for o in organizations]
    user_model = get_user_model()
    if username is None:
        suffix = "_".join(o.code for o in organizations)
        username = "_".join(filter(None, [role or "nobody", suffix]))
    if role == "superuser":
        return user_model.objects.create_superuser(username, f"{username}@example.jp", PASSWORD)
    user = user_model.objects.create_user(username, f"{username}@example.jp", PASSWORD)
    if role is not None:
        assert role in Role.ALL, role
        grant_role(user, role, organizations, actor_name="tests")
    elif organizations:
        for organization in organizations:
            user.memberships.create(organization=organization)
    return user


def clerk(*organizations):
    return make_user(Role.CLERK, *organizations)


def client_for(user):
    """A logged-in client that answers server errors as responses (status 500) instead of raising them."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client
