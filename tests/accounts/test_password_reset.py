"""Password reset by e-mail (docs/sign-in.md): the same answer whether or not the address has an account, a limit
per address and per client address, a link that works once, Japanese pages and mail, every request audited."""
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from registry.models import RoleChange
from registry.core.permissions import Role
from tests.support.english_check import english_lines
from tests.support.roles import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "kyoto-sakura-2026"


def request_reset(client, email, address="10.1.1.1"):
    return client.post(reverse("admin_password_reset"), {"email": email}, REMOTE_ADDR=address)


def link_in(message):
    return re.search(r"http://testserver(/password-reset/\S+/\S+/)", message.body).group(1)


def page_text(response):
    """The page without its CSRF token (different on every answer)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account():
    make_user(Role.CLERK, "大阪府", username="osaka")
    known, unknown = Client(), Client()
    answers = [request_reset(known, "osaka@example.jp"), request_reset(unknown, "nobody@example.jp")]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"] == reverse("password_reset_done")
    assert page_text(known.get(answers[0]["Location"])) == page_text(unknown.get(answers[1]["Location"]))
    assert [m.to for m in mail.outbox] == [["osaka@example.jp"]]
    assert mail.outbox[0].subject == "【海外拠点レジストリ】パスワードの再設定"
    entries = RoleChange.objects.filter(action=RoleChange.Action.PASSWORD_RESET_REQUESTED).order_by("id")
    assert [(e.user_name, e.address) for e in entries] == [("osaka", "10.1.1.1"), ("", "10.1.1.1")]


def test_the_link_sets_a_new_password_once_and_the_second_factor_is_still_asked():
    coordinator = make_user(Role.COORDINATOR, username="coord")
    from tests.support.second_factor import enrol

    enrol(coordinator)
    client = Client()
    request_reset(client, "coord@example.jp")
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert "新しいパスワード" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert RoleChange.objects.filter(user_name="coord", action=RoleChange.Action.PASSWORD_RESET).count() == 1
    again = Client().get(link, follow=True)
    assert "このリンクは使えません" in again.content.decode()
    signed_in = Client()
    response = signed_in.post(reverse("admin:login"), {"username": "coord", "password": NEW_PASSWORD, "next": "/"})
    assert response.status_code == 302
    assert signed_in.get("/")["Location"].startswith(reverse("two_factor_code"))
    coordinator.refresh_from_db()
    assert coordinator.check_password(NEW_PASSWORD) and not coordinator.check_password(PASSWORD)


def test_a_weak_password_is_refused_in_japanese():
    make_user(Role.CLERK, "大阪府", username="osaka")
    client = Client()
    request_reset(client, "osaka@example.jp")
    form = client.get(link_in(mail.outbox[0]), follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and "このパスワードは短すぎます" in response.content.decode()


@override_settings(PASSWORD_RESET_PER_ADDRESS=2, PASSWORD_RESET_PER_IP=4)
def test_requests_are_limited_per_address_and_per_client_address_the_same_for_unknown_addresses():
    make_user(Role.CLERK, "大阪府", username="osaka")
    client = Client()
    for email in ("osaka@example.jp", "nobody@example.jp"):
        answers = [request_reset(client, email, address=f"10.2.0.{n}").status_code for n in range(3)]
        assert answers == [302, 302, 429], email
    limited = request_reset(client, "nobody@example.jp", address="10.2.0.9")
    assert "パスワード再設定の依頼が短い間に多すぎます" in limited.content.decode()
    assert len(mail.outbox) == 2
    per_client = [request_reset(client, f"person{n}@example.jp", address="10.3.0.1").status_code for n in range(5)]
    assert per_client == [302, 302, 302, 302, 429]


def test_the_pages_and_the_mail_are_in_japanese():
    make_user(Role.CLERK, "大阪府", username="osaka")
    client = Client()
    pages = [client.get(reverse(name)) for name in ("admin_password_reset", "password_reset_done",
                                                     "password_reset_complete")]
    request_reset(client, "osaka@example.jp")
    pages.append(client.get(link_in(mail.outbox[0]), follow=True))
    for page in pages:
        assert page.status_code == 200
        assert not english_lines(page.content.decode(), allowed=frozenset({"URL"})), page.request["PATH_INFO"]
    assert "パスワードを設定し直す" in mail.outbox[0].body
    login_page = client.get(reverse("admin:login")).content.decode()
    assert reverse("admin_password_reset") in login_page
