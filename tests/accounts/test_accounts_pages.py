"""Account pages (issue 23) as the people who use them: who sees whose accounts, inviting from an organization's
page, the sheet's preview and apply, the invitee's password page, handover by a clerk, reactivation, and the
account events for supervisors."""
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import Invitation, RoleChange
from registry.core.permissions import Role
from tests.support.accounts_helpers import sheet, token_in
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {"kyoto": make_user(Role.CLERK, "261009", username="kyoto_clerk"),
            "kyoto2": make_user(Role.CLERK, "261009", username="kyoto_colleague"),
            "osaka": make_user(Role.CLERK, "270008", username="osaka_clerk"),
            "coord": make_user(Role.COORDINATOR, username="coord"),
            "super": make_user(Role.SUPERVISOR, username="super")}


def table(response):
    return response.content.decode()


def test_a_coordinator_sees_every_account_and_searches(people):
    page = table(client_for(people["coord"]).get(reverse("registry:accounts")))
    assert "kyoto_clerk@example.jp" in page and "osaka_clerk@example.jp" in page and "二要素認証" in page
    assert "全団体" in page  # the coordinator's and the supervisor's rows
    found = table(client_for(people["coord"]).get(reverse("registry:accounts"), {"q": "京都市"}))
    assert "kyoto_clerk@example.jp" in found and "osaka_clerk@example.jp" not in found


def test_a_clerk_sees_only_their_organizations_colleagues_read_only(people):
    client = client_for(people["kyoto"])
    page = table(client.get(reverse("registry:accounts")))
    assert "kyoto_colleague@example.jp" in page and "osaka_clerk@example.jp" not in page
    assert "再送" not in page and "招待する" not in page
    own_handover = reverse("registry:handover", args=[people["kyoto"].pk])
    assert own_handover in page and reverse("registry:handover", args=[people["kyoto2"].pk]) not in page
    assert client.get(reverse("registry:organization_accounts", args=["270008"])).status_code == 404
    assert client.get(reverse("registry:invite")).status_code == 403


def test_inviting_from_an_organizations_page_lists_it_as_pending(people, django_capture_on_commit_callbacks):
    client = client_for(people["coord"])
    assert "担当者を招待する" in table(client.get(reverse("registry:organization_accounts", args=["261009"])))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:invite"), {"name": "京都 花子", "email": "hanako@example.jp",
                                                            "role": "clerk", "organizations": "261009"})
    assert response.status_code == 302
    page = table(client.get(response["Location"]))
    assert "hanako@example.jp" in page and "招待中" in page and "招待を送りました" in page
    token = token_in(mail.outbox[-1])
    answer = client_for(people["osaka"]).get(reverse("registry:invitation_accept", args=[token]))
    assert "パスワード" in answer.content.decode()
    weak = client.post(reverse("registry:invitation_accept", args=[token]), {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and not Invitation.objects.get().accepted_at  # the validators refuse it
    done = client.post(reverse("registry:invitation_accept", args=[token]),
                       {"password1": "kyoto-new-pass-2026", "password2": "kyoto-new-pass-2026"})
    assert done.status_code == 302 and Invitation.objects.get().accepted_at
    again = client.get(reverse("registry:invitation_accept", args=[token]))
    assert again.status_code == 404 and "すでに受諾" in again.content.decode()


def test_the_sheet_is_previewed_then_applied_and_errors_are_shown_by_row_and_column(people,
                                                                                   django_capture_on_commit_callbacks):
    client = client_for(people["coord"])
    bad = SimpleUploadedFile("bad.csv", sheet(("261009", "京都 一郎", "bad-address", "担当者")))
    page = table(client.post(reverse("registry:bulk_invite"), {"file": bad}))
    assert "2行目、「メールアドレス」列：「bad-address」はメールアドレスではありません" in page
    assert 'value="apply"' not in page
    good = SimpleUploadedFile("good.csv", sheet(("261009", "京都 一郎", "ichiro@example.jp", "担当者")))
    preview = client.post(reverse("registry:bulk_invite"), {"file": good})
    form = preview.context["outcome"], preview.context["upload"]
    assert form[0].new == 1 and not Invitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("registry:bulk_invite"), {
            "action": "apply", "upload": preview.context["upload"], "file_name": "good.csv",
            "sha256": preview.context["sha256"], "fingerprint": preview.context["fingerprint"]})
    assert applied.status_code == 302 and Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_a_clerk_hands_over_their_own_seat_not_a_colleagues(people, django_capture_on_commit_callbacks):
    client = client_for(people["kyoto"])
    assert client.get(reverse("registry:handover", args=[people["kyoto2"].pk])).status_code == 404
    membership = people["kyoto"].memberships.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:handover", args=[people["kyoto"].pk]), {
            "memberships": [membership.pk], "ends_on": "2099-03-31", "successor_name": "後任 太郎",
            "successor_email": "next@example.jp"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert str(membership.ends_on) == "2099-03-31"
    assert Invitation.objects.get().replaces == people["kyoto"] and len(mail.outbox) == 1
    page = table(client_for(people["coord"]).get(reverse("registry:organization_accounts", args=["261009"])))
    assert "2099-03-31 終了予定" in page and "next@example.jp" in page


def test_a_coordinator_reactivates_a_stopped_account(people):
    people["osaka"].is_active = False
    people["osaka"].save()
    client = client_for(people["coord"])
    assert "再開" in table(client.get(reverse("registry:accounts")))
    client.post(reverse("registry:reactivate", args=[people["osaka"].pk]))
    people["osaka"].refresh_from_db()
    assert people["osaka"].is_active
    assert RoleChange.objects.filter(user_name="osaka_clerk", action=RoleChange.Action.REACTIVATED,
                                     actor_name="coord").exists()


def test_supervisors_read_the_account_events_beside_the_change_log(people):
    page = table(client_for(people["super"]).get(reverse("registry:account_events"), {"q": "kyoto_clerk"}))
    assert "kyoto_clerk" in page and "付与" in page and "osaka_clerk" not in page
    assert client_for(people["coord"]).get(reverse("registry:account_events")).status_code == 403


def test_the_list_says_who_signs_in_with_a_second_factor_and_offers_its_reset(people):
    from tests.support.second_factor import enrol

    enrol(people["kyoto"])
    client = client_for(people["coord"])
    page = table(client.get(reverse("registry:accounts"), {"q": "kyoto_clerk"}))
    row = page.split("kyoto_clerk@example.jp", 1)[1].split("</tr>", 1)[0]
    assert "有効" in row and reverse("two_factor_reset", args=[people["kyoto"].pk]) in row
    other = table(client.get(reverse("registry:accounts"), {"q": "kyoto_colleague"}))
    row = other.split("kyoto_colleague@example.jp", 1)[1].split("</tr>", 1)[0]
    assert "なし" in row and "two-factor/reset" not in row
