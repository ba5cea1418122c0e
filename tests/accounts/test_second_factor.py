"""Two-factor sign-in (docs/sign-in.md): who must enrol, what an unverified session reaches, codes after the
password, recovery codes used once, wrong codes counted by django-axes, and resets by a coordinator or superuser."""
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.accounts import second_factor as rules
from registry.models import RoleChange
from registry.core.permissions import Role
from tests.support.roles import PASSWORD, make_user
from tests.support.second_factor import enrol, force_login_unverified, totp_code

pytestmark = pytest.mark.django_db


def sign_in_with_password(client, user, next_url="/"):
    response = client.post(reverse("admin:login"), {"username": user.get_username(), "password": PASSWORD,
                                                   "next": next_url})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def location(response):
    return response.status_code, response.get("Location", "")


def enrol_through_the_page(client, user):
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor"), {"action": "confirm", "code": totp_code(device)})
    assert response.status_code == 200
    return page, response


def shown_recovery_codes(response):
    return re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPERVISOR, "superuser"])
def test_a_required_role_without_a_second_factor_reaches_only_the_enrolment_page(role):
    user = make_user(role)
    client = Client()
    force_login_unverified(client, user)
    for path in ["/", reverse("registry:base_list"), reverse("admin:index"), reverse("registry:history"),
                 reverse("two_factor_code"), reverse("admin:registry_base_changelist"), "/api/v1/bases/"]:
        status, where = location(client.get(path))
        assert status == 302 and where.startswith(reverse("two_factor")), (path, status, where)
    assert location(client.post(reverse("registry:notifications")))[1].startswith(reverse("two_factor"))
    assert client.get(reverse("two_factor")).status_code == 200
    assert client.post(reverse("admin:logout")).status_code == 200  # logging out is always open
    assert location(client.get("/"))[1].startswith(reverse("admin:login"))


def test_enrolment_shows_a_qr_code_and_the_secret_and_gives_recovery_codes_once():
    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    force_login_unverified(client, coordinator)
    page, done = enrol_through_the_page(client, coordinator)
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=coordinator)
    assert 'src="data:image/svg+xml' in text and "<script" not in text.split("</header>")[1]
    assert rules.grouped(rules.base32_secret(device)) in text
    codes = shown_recovery_codes(done)
    assert len(codes) == rules.RECOVERY_CODE_COUNT and "今回だけ" in done.content.decode()
    assert device.confirmed
    assert client.get("/").status_code == 200  # verified by the enrolment
    assert not shown_recovery_codes(client.get(reverse("two_factor")))  # never shown again
    assert RoleChange.objects.filter(user_name=coordinator.username, action=RoleChange.Action.MFA_ENROLLED).exists()


def test_a_wrong_code_does_not_enrol():
    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    force_login_unverified(client, coordinator)
    client.get(reverse("two_factor"))
    response = client.post(reverse("two_factor"), {"action": "confirm", "code": "000000"})
    assert "確認コードが正しくありません" in response.content.decode()
    assert not rules.has_second_factor(coordinator)
    assert client.get("/").status_code == 302


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # django-otp otherwise makes the next try wait a second
def test_after_the_password_a_user_with_a_second_factor_must_enter_the_code():
    coordinator = make_user(Role.COORDINATOR)
    device = enrol(coordinator)
    client = Client()
    sign_in_with_password(client, coordinator, "/bases/")
    status, where = location(client.get("/bases/"))
    assert where == reverse("two_factor_code") + "?next=%2Fbases%2F"
    page = client.get(where)
    assert "確認コード" in page.content.decode()
    wrong = client.post(where, {"code": "123 456"})
    assert wrong.status_code == 200 and "確認コードが正しくありません" in wrong.content.decode()
    response = client.post(where, {"code": totp_code(device), "next": "/bases/"})
    assert location(response) == (302, "/bases/")
    assert client.get("/bases/").status_code == 200
    # the same period's code is not taken twice (a code seen over a shoulder)
    other = Client()
    sign_in_with_password(other, coordinator)
    assert other.post(reverse("two_factor_code"), {"code": totp_code(device)}).status_code == 200
    assert other.get("/").status_code == 302


def test_a_recovery_code_works_once():
    coordinator = make_user(Role.COORDINATOR)
    enrol(coordinator)
    code = rules.new_recovery_codes(coordinator)[0]
    client = Client()
    sign_in_with_password(client, coordinator)
    response = client.post(reverse("two_factor_code"), {"code": code})
    assert location(response) == (302, "/")
    assert client.get("/").status_code == 200
    assert RoleChange.objects.filter(user_name=coordinator.username,
                                     action=RoleChange.Action.RECOVERY_CODE_USED).count() == 1
    assert StaticToken.objects.filter(device__user=coordinator).count() == rules.RECOVERY_CODE_COUNT - 1
    again = Client()
    sign_in_with_password(again, coordinator)
    assert again.post(reverse("two_factor_code"), {"code": code}).status_code == 200
    assert again.get("/").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_as_failed_sign_ins_and_lock_the_account_out():
    coordinator = make_user(Role.COORDINATOR)
    device = enrol(coordinator)
    client = Client()
    sign_in_with_password(client, coordinator)
    for _ in range(2):
        assert client.post(reverse("two_factor_code"), {"code": "000000"}).status_code == 200
    locked = client.post(reverse("two_factor_code"), {"code": "000000"})
    assert locked.status_code == 429 and "ログインが一時的に制限されています" in locked.content.decode()
    assert location(client.get("/"))[1].startswith(reverse("admin:login"))  # signed out
    # the password no longer opens the door either, until the cool-off
    response = client.post(reverse("admin:login"), {"username": coordinator.username, "password": PASSWORD})
    assert response.status_code == 429
    assert client.post(reverse("two_factor_code"), {"code": totp_code(device)}).status_code == 302
    assert location(client.get("/"))[1].startswith(reverse("admin:login"))


def test_a_clerk_may_go_without_a_second_factor_or_enrol_from_their_page():
    clerk = make_user(Role.CLERK, "大阪府")
    client = Client()
    sign_in_with_password(client, clerk)
    assert client.get("/").status_code == 200
    assert 'href="/two-factor/"' in client.get("/").content.decode()
    page, _done = enrol_through_the_page(client, clerk)
    assert "任意" in page.content.decode()
    later = Client()
    sign_in_with_password(later, clerk)
    assert location(later.get("/"))[1].startswith(reverse("two_factor_code"))
    # a clerk may turn it off again; a coordinator may not
    client.post(reverse("two_factor"), {"action": "disable"})
    assert not rules.has_second_factor(clerk)
    coordinator = make_user(Role.COORDINATOR)
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    coordinator_client.post(reverse("two_factor"), {"action": "disable"})
    assert rules.has_second_factor(coordinator)


def test_new_recovery_codes_replace_the_old_ones():
    coordinator = make_user(Role.COORDINATOR)
    client = Client()
    client.force_login(coordinator)
    old = rules.new_recovery_codes(coordinator)
    response = client.post(reverse("two_factor"), {"action": "codes"})
    new = shown_recovery_codes(response)
    assert len(new) == rules.RECOVERY_CODE_COUNT and not set(old) & set(new)


@override_settings(MFA_REQUIRED_ROLES=["clerk"])
def test_the_required_roles_come_from_the_setting():
    clerk = make_user(Role.CLERK, "大阪府")
    coordinator = make_user(Role.COORDINATOR)
    assert rules.requires_second_factor(clerk) and not rules.requires_second_factor(coordinator)


def test_a_coordinator_resets_a_clerks_second_factor_and_a_superuser_a_coordinators():
    clerk = make_user(Role.CLERK, "大阪府")
    coordinator = make_user(Role.COORDINATOR)
    other_coordinator = make_user(Role.COORDINATOR, username="coordinator_2")
    root = make_user("superuser")
    enrol(clerk)
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    assert "登録済み" in coordinator_client.get(reverse("two_factor_reset", args=[clerk.pk])).content.decode()
    response = coordinator_client.post(reverse("two_factor_reset", args=[clerk.pk]))
    assert response.status_code == 302 and not rules.has_second_factor(clerk)
    entry = RoleChange.objects.get(user_name=clerk.username, action=RoleChange.Action.MFA_RESET)
    assert entry.actor_name == coordinator.username and entry.address == "127.0.0.1"
    assert coordinator_client.post(reverse("two_factor_reset", args=[other_coordinator.pk])).status_code == 403
    assert coordinator_client.post(reverse("two_factor_reset", args=[root.pk])).status_code == 403
    # the superuser resets the coordinator's: their verified session now reaches only the enrolment page
    root_client = Client()
    root_client.force_login(root)
    assert root_client.post(reverse("two_factor_reset", args=[coordinator.pk])).status_code == 302
    assert not rules.has_second_factor(coordinator)
    assert location(coordinator_client.get("/"))[1].startswith(reverse("two_factor"))


def test_setup_demo_enrols_the_coordinator_and_prints_its_secret():
    from io import StringIO

    from registry.accounts.demo import create_demo_users

    out = StringIO()
    create_demo_users(out)
    device = TOTPDevice.objects.get(user__username="coordinator", confirmed=True)
    assert f"Two-factor secret of coordinator (TOTP, 6 digits, 30 s): {rules.base32_secret(device)}" in out.getvalue()
    again = StringIO()
    create_demo_users(again)  # safe to run again: the same secret
    assert rules.base32_secret(device) in again.getvalue()
    assert TOTPDevice.objects.filter(user__username="coordinator").count() == 1
    assert not TOTPDevice.objects.filter(user__username="osaka_clerk").exists()
