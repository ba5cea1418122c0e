"""Roles as groups, grant_role / revoke_role, the access log, demo users and account protection."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from registry.accounts.demo import DEMO_PASSWORD, create_demo_users
from registry.models import Membership, RoleChange
from registry.core.permissions import Role, can_revert, can_view_changelog
from tests.support.roles import PASSWORD, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


def group_permissions(role):
    group = Group.objects.get(name=Role.GROUP_NAMES[role])
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


# --- what each role may do ------------------------------------------------------------------------

def test_the_migration_created_the_three_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"担当者", "調査担当", "管理者"}


def test_clerk_edits_own_kinds_of_records_but_never_deletes_or_imports_a_survey():
    clerk = group_permissions(Role.CLERK)
    assert {"registry.change_base", "registry.add_baseroundrecord", "registry.change_agreement",
            "registry.add_agreementrenewal", "registry.add_contractor", "registry.view_jointoffice"} <= clerk
    assert not {p for p in clerk if ".delete_" in p or p == "registry.import_base"}
    assert "registry.import_agreement" in clerk  # their own tie list only (tests/sheets/test_agreements_import.py)
    assert "registry.change_contractor" not in clerk
    assert "registry.change_jointoffice" not in clerk  # linking a base to a joint office is a change of the base


def test_coordinator_imports_and_edits_bases_of_everyone():
    coordinator = group_permissions(Role.COORDINATOR)
    assert {"registry.import_base", "registry.export_base", "registry.change_base",
            "registry.change_baseroundrecord", "registry.view_agreement"} <= coordinator
    assert not {p for p in coordinator if ".delete_" in p}


def test_supervisor_views_everything_and_edits_nothing():
    supervisor = group_permissions(Role.SUPERVISOR)
    assert {"registry.view_changelog", "registry.revert_change", "registry.view_membership",
            "registry.view_rolechange", "registry.view_base"} <= supervisor
    assert not {p for p in supervisor if p.split(".")[1].startswith(("add_", "change_", "delete_", "import_"))}


def test_changelog_and_revert_rights():
    assert can_view_changelog(make_user(Role.SUPERVISOR)) and can_revert(make_user(Role.SUPERVISOR, username="s2"))
    clerk = make_user(Role.CLERK, "大阪府")
    coordinator = make_user(Role.COORDINATOR)
    assert not can_view_changelog(clerk) and not can_revert(clerk)
    assert not can_view_changelog(coordinator) and not can_revert(coordinator)
    assert can_view_changelog(make_user("superuser"))


def test_sync_roles_restores_the_defined_permissions():
    group = Group.objects.get(name=Role.GROUP_NAMES[Role.CLERK])
    group.permissions.add(Permission.objects.get(codename="delete_base"))
    group.permissions.remove(Permission.objects.get(codename="view_base"))
    call_command("sync_roles", stdout=io.StringIO())
    clerk = group_permissions(Role.CLERK)
    assert "registry.view_base" in clerk
    assert "registry.delete_base" not in clerk


# --- grant_role ---------------------------------------------------------------------------------------

def grant(*args):
    out = io.StringIO()
    call_command("grant_role", *args, stdout=out)
    return out.getvalue()


def test_grant_role_creates_a_clerk_with_a_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "a-long-passphrase-2017")
    grant("tanaka", "clerk", "--organization", "270008", "011002", "--create", "--password-from-env", "NEW_PASSWORD")
    user = User.objects.get(username="tanaka")
    assert user.is_staff and not user.is_superuser
    assert user.check_password("a-long-passphrase-2017")
    assert user.groups.get().name == "担当者"
    assert set(user.memberships.values_list("organization__code", flat=True)) == {"270008", "011002"}


def test_grant_role_accepts_repeated_organization_options():
    make_user(username="tanaka")
    grant("tanaka", "clerk", "--organization", "270008", "--organization", "011002")
    assert Membership.objects.filter(user__username="tanaka").count() == 2


def test_grant_role_is_idempotent():
    make_user(username="tanaka")
    grant("tanaka", "clerk", "--organization", "270008")
    output = grant("tanaka", "clerk", "--organization", "270008")
    assert "nothing changed" in output
    assert Membership.objects.filter(user__username="tanaka").count() == 1
    assert RoleChange.objects.filter(user_name="tanaka").count() == 2  # the role and the organization, once each


@pytest.mark.parametrize(
    "args, message",
    [
        (["tanaka", "clerk", "--organization", "999999"], "check digit"),
        (["tanaka", "clerk", "--organization", "27000"], "six digits"),
        (["tanaka", "clerk", "--organization", "270016"], "No organization has the code 270016"),
        (["tanaka", "clerk"], "needs at least one organization"),
        (["tanaka", "supervisor", "--organization", "270008"], "clerks only"),
        (["nobody", "coordinator"], "add --create"),
    ],
)
def test_grant_role_refuses_bad_input_with_a_clear_message(args, message):
    make_user(username="tanaka")
    with translation.override("en"), pytest.raises(CommandError, match=message):
        grant(*args)
    assert not Membership.objects.filter(user__username="tanaka").exists()
    assert not RoleChange.objects.filter(user_name="tanaka").exists()


def test_grant_role_refuses_an_unknown_role():
    make_user(username="tanaka")
    with pytest.raises(CommandError, match="invalid choice"):
        grant("tanaka", "mayor")


def test_grant_role_refuses_a_weak_or_missing_password(monkeypatch):
    monkeypatch.setenv("WEAK", "password")
    with pytest.raises(CommandError, match="password"):
        grant("suzuki", "coordinator", "--create", "--password-from-env", "WEAK")
    monkeypatch.delenv("UNSET", raising=False)
    with pytest.raises(CommandError, match="UNSET"):
        grant("suzuki", "coordinator", "--create", "--password-from-env", "UNSET")
    assert not User.objects.filter(username="suzuki").exists()


def test_granted_role_opens_the_admin(client):
    grant("suzuki", "coordinator", "--create")
    client.force_login(User.objects.get(username="suzuki"))
    assert client.get(reverse("admin:registry_base_changelist")).status_code == 200


# --- revoke_role --------------------------------------------------------------------------------------

def revoke(*args):
    out = io.StringIO()
    call_command("revoke_role", *args, stdout=out)
    return out.getvalue()


def test_revoking_one_organization_keeps_the_clerk_role():
    make_user(Role.CLERK, "270008", "011002", username="tanaka")
    revoke("tanaka", "clerk", "--organization", "011002")
    user = User.objects.get(username="tanaka")
    assert list(user.memberships.values_list("organization__code", flat=True)) == ["270008"]
    assert user.groups.filter(name="担当者").exists() and user.is_staff


def test_revoking_the_last_organization_or_the_role_ends_admin_access(client):
    make_user(Role.CLERK, "270008", username="tanaka")
    revoke("tanaka", "clerk", "--organization", "270008")
    user = User.objects.get(username="tanaka")
    assert not user.groups.exists() and not user.memberships.exists() and not user.is_staff
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 302


def test_revoking_a_role_keeps_the_others():
    user = make_user(Role.SUPERVISOR, username="sato")
    grant("sato", "coordinator")
    revoke("sato", "coordinator")
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["管理者"]
    assert user.is_staff


def test_revoke_role_refuses_an_unknown_user_or_organization():
    with pytest.raises(CommandError, match="No user named"):
        revoke("nobody", "clerk")
    make_user(Role.CLERK, "270008", username="tanaka")
    with pytest.raises(CommandError, match="No organization"):
        revoke("tanaka", "clerk", "--organization", "270016")


# --- every role change is logged ------------------------------------------------------------------------

def test_role_changes_are_logged_with_who_made_them():
    make_user(username="tanaka")
    grant("tanaka", "clerk", "--organization", "270008")
    revoke("tanaka", "clerk")
    log = list(RoleChange.objects.filter(user_name="tanaka").order_by("id").values_list(
        "role", "organization_code", "action"))
    assert log == [
        ("clerk", "", "granted"),
        ("", "270008", "granted"),
        ("", "270008", "revoked"),
        ("clerk", "", "revoked"),
    ]
    assert all(name.startswith(("grant_role", "revoke_role")) for name in
               RoleChange.objects.values_list("actor_name", flat=True))


def test_group_changes_in_the_user_admin_are_logged(client):
    target = make_user(username="tanaka")
    root = make_user("superuser", username="root")
    client.force_login(root)
    coordinator_group = Group.objects.get(name="調査担当")
    response = client.post(
        reverse("admin:auth_user_change", args=[target.pk]),
        {"username": "tanaka", "is_active": "on", "is_staff": "on", "groups": [coordinator_group.pk],
         "date_joined_0": "2017-09-01", "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "",
         "first_name": "", "last_name": "", "email": ""},
    )
    assert response.status_code == 302
    change = RoleChange.objects.get(user_name="tanaka")
    assert (change.role, change.action, change.actor_name) == ("coordinator", "granted", "root")


def test_membership_history_records_the_command():
    make_user(username="tanaka")
    grant("tanaka", "clerk", "--organization", "270008")
    history = Membership.history.get(user__username="tanaka")
    assert history.actor_name.startswith("grant_role")


def test_supervisor_reads_the_access_log_in_the_admin(client):
    make_user(Role.CLERK, "270008", username="tanaka")
    client.force_login(make_user(Role.SUPERVISOR))
    response = client.get(reverse("admin:registry_rolechange_changelist"))
    assert response.status_code == 200
    assert "tanaka" in response.content.decode()


# --- demo users -------------------------------------------------------------------------------------------

def test_demo_users_have_their_roles_and_can_be_created_twice():
    create_demo_users(io.StringIO())
    create_demo_users(io.StringIO())
    osaka_clerk = User.objects.get(username="osaka_clerk")
    assert osaka_clerk.check_password(DEMO_PASSWORD) and osaka_clerk.is_staff
    assert list(osaka_clerk.memberships.values_list("organization__name", flat=True)) == ["大阪府"]
    assert list(User.objects.get(username="sapporo_clerk").memberships.values_list(
        "organization__name", flat=True)) == ["札幌市"]
    assert User.objects.get(username="coordinator").groups.get().name == "調査担当"
    assert User.objects.get(username="supervisor").groups.get().name == "管理者"
    assert User.objects.get(username="admin").is_superuser
    assert RoleChange.objects.filter(user_name="osaka_clerk").count() == 2


# --- accounts -----------------------------------------------------------------------------------------------

def login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password,
                                                "next": reverse("admin:index")})


def test_login_is_locked_after_repeated_failures_with_a_japanese_message(client, settings):
    make_user(Role.CLERK, "270008", username="tanaka")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "tanaka", "wrong-password")
        assert response.status_code == 200  # the login form again, with its error
    response = login(client, "tanaka", "wrong-password")
    assert response.status_code == 429
    assert "ログインが一時的に制限されています" in response.content.decode()
    # Even the right password is refused while locked.
    response = login(client, "tanaka", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_works_with_the_right_password(client):
    make_user(Role.CLERK, "270008", username="tanaka")
    response = login(client, "tanaka", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_inactive_session_expires_and_activity_extends_it(client, settings):
    client.force_login(make_user(Role.CLERK, "270008", username="tanaka"))
    session = Session.objects.get(session_key=client.session.session_key)
    # Activity pushes the expiry to a full SESSION_COOKIE_AGE from now.
    session.expire_date = timezone.now() + timezone.timedelta(minutes=1)
    session.save()
    assert client.get(reverse("admin:index")).status_code == 200
    refreshed = Session.objects.get(session_key=session.session_key).expire_date
    assert refreshed > timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # A session past its expiry is gone: back to the login page.
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
