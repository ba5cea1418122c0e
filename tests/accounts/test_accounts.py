"""Account services (issue 23): invitations and their link, accepting, resend and withdraw, the sheet of
invitations through the import engine, handover and the daily task (safe twice), idle accounts, the audit."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from registry.accounts import invitations
from registry.sheets import invitations as bulk
from registry.accounts.daily import reactivate, run_daily
from registry.accounts.handover import schedule_handover
from registry.accounts.invitations import InvitationError
from registry.models import ImportRecord, Invitation, Membership, RoleChange
from registry.core.permissions import Role, organization_ids_in_scope, user_roles
from tests.support.accounts_helpers import sheet, token_in
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "kyoto-new-pass-2026"


@pytest.fixture
def kyoto(organization):
    return organization("261009")


@pytest.fixture
def coordinator():
    return make_user(Role.COORDINATOR, username="coord")


def invite_clerk(capture, kyoto, coordinator, email="new@kyoto.example.jp"):
    with capture(execute=True):
        return invitations.invite("京都 花子", email, Role.CLERK, [kyoto], invited_by=coordinator)


def test_an_invitation_mails_a_link_that_creates_the_account_once(django_capture_on_commit_callbacks, kyoto,
                                                                  coordinator):
    invitation = invite_clerk(django_capture_on_commit_callbacks, kyoto, coordinator)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@kyoto.example.jp"]
    assert "京都市" in mail.outbox[0].body and "担当者" in mail.outbox[0].body
    found = invitations.find_by_token(token_in(mail.outbox[0]))
    assert found == invitation
    user = invitations.accept(found, PASSWORD)
    assert user.username == "new@kyoto.example.jp" and user.check_password(PASSWORD)
    assert user_roles(user) == {Role.CLERK}
    assert organization_ids_in_scope(user) == {kyoto.pk}
    with pytest.raises(InvitationError, match="すでに受諾"):
        invitations.find_by_token(token_in(mail.outbox[0]))
    actions = set(RoleChange.objects.filter(user_name="new@kyoto.example.jp").values_list("action", flat=True))
    assert {RoleChange.Action.INVITED, RoleChange.Action.ACCEPTED, RoleChange.Action.GRANTED} <= actions


def test_a_forged_expired_resent_or_withdrawn_link_is_refused(django_capture_on_commit_callbacks, kyoto, coordinator):
    invitation = invite_clerk(django_capture_on_commit_callbacks, kyoto, coordinator)
    first = token_in(mail.outbox[-1])
    with pytest.raises(InvitationError, match="正しくありません"):
        invitations.find_by_token(first[:-2] + "xx")
    with django_capture_on_commit_callbacks(execute=True):
        invitations.resend(invitation)
    second = token_in(mail.outbox[-1])
    with pytest.raises(InvitationError, match="使えません"):
        invitations.find_by_token(first)
    assert invitations.find_by_token(second) == invitation
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(InvitationError, match="有効期限"):
        invitations.find_by_token(second)
    invitations.withdraw(invitation)
    with pytest.raises(InvitationError, match="使えません"):
        invitations.find_by_token(second)
    assert RoleChange.objects.filter(user_name=invitation.email, action=RoleChange.Action.INVITATION_WITHDRAWN).exists()


@override_settings(INVITATION_DAYS=3)
def test_the_link_lasts_invitation_days(django_capture_on_commit_callbacks, kyoto, coordinator):
    invitation = invite_clerk(django_capture_on_commit_callbacks, kyoto, coordinator)
    assert abs((invitation.expires_at - timezone.now()) - datetime.timedelta(days=3)) < datetime.timedelta(minutes=1)


def test_an_address_with_an_account_or_an_open_invitation_is_not_invited_again(
        django_capture_on_commit_callbacks, kyoto, coordinator):
    invite_clerk(django_capture_on_commit_callbacks, kyoto, coordinator)
    with pytest.raises(InvitationError, match="受諾待ち"):
        invite_clerk(django_capture_on_commit_callbacks, kyoto, coordinator)
    with pytest.raises(InvitationError, match="アカウントはすでに"):
        invite_clerk(django_capture_on_commit_callbacks, kyoto, coordinator, email="coord@example.jp")
    with pytest.raises(InvitationError, match="団体が必要"):
        invitations.invite("x", "x@example.jp", Role.CLERK, [])


# --- the sheet ------------------------------------------------------------------------------------

def run_sheet(capture, content, user, **options):
    with capture(execute=True):
        return bulk.import_invitation_file(content, "invite.csv", user=user, **options)


def test_a_sheet_previews_applies_and_a_second_import_changes_nothing(django_capture_on_commit_callbacks, coordinator):
    content = sheet(("261009", "京都 一郎", "ichiro@example.jp", "担当者"),
                    ("271004", "京都 一郎", "ichiro@example.jp", "担当者"),
                    ("", "調査 次郎", "jiro@example.jp", "調査担当"))
    preview = run_sheet(django_capture_on_commit_callbacks, content, coordinator, dry_run=True)
    assert (preview.new, preview.unchanged, preview.errors) == (2, 0, [])
    assert not Invitation.objects.exists() and not mail.outbox
    applied = run_sheet(django_capture_on_commit_callbacks, content, coordinator)
    assert applied.new == 2 and len(mail.outbox) == 2
    ichiro = Invitation.objects.get(email="ichiro@example.jp")
    assert sorted(o.code for o in ichiro.organizations.all()) == ["261009", "271004"]
    assert ImportRecord.objects.filter(kind=ImportRecord.Kind.INVITATIONS).count() == 1
    again = run_sheet(django_capture_on_commit_callbacks, content, coordinator)
    assert (again.new, again.unchanged) == (0, 3) and len(mail.outbox) == 2
    assert Invitation.objects.count() == 2


def test_one_bad_row_writes_nothing_and_errors_name_row_and_column(django_capture_on_commit_callbacks, coordinator):
    content = sheet(("261009", "京都 一郎", "ichiro@example.jp", "担当者"),
                    ("999999", "誰か", "not-an-address", "社長"),
                    ("", "管理 三郎", "saburo@example.jp", "管理者"))
    outcome = run_sheet(django_capture_on_commit_callbacks, content, coordinator)
    lines = outcome.error_lines()
    assert "3行目、「メールアドレス」列：「not-an-address」はメールアドレスではありません" in lines
    assert any(line.startswith("3行目、「役割」列：「社長」は役割ではありません") for line in lines)
    assert "3行目、「団体コード」列：団体コード「999999」の団体はありません" in lines
    assert "4行目、「役割」列：管理者 を招待する権限がありません" in lines
    assert not Invitation.objects.exists() and not mail.outbox
    assert not ImportRecord.objects.exists()


def test_a_sheet_without_the_columns_is_refused_in_japanese(coordinator):
    from registry.sheets.reader import SheetLayoutError

    with pytest.raises(SheetLayoutError, match="見出し"):
        bulk.import_invitation_file(sheet(("a", "b"), header=("x", "y")), "x.csv", user=coordinator, dry_run=True)


def test_a_sheet_as_xlsx(django_capture_on_commit_callbacks, coordinator, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["団体コード", "氏名", "メールアドレス", "役割"])
    book.active.append(["261009", "京都 一郎", "ichiro@example.jp", "担当者"])
    book.save(tmp_path / "i.xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk.import_invitation_file((tmp_path / "i.xlsx").read_bytes(), "i.xlsx", user=coordinator)
    assert outcome.new == 1 and len(mail.outbox) == 1


# --- handover and the daily task ---------------------------------------------------------------------

def test_a_handover_invites_the_successor_and_the_daily_task_ends_the_seat_once(
        django_capture_on_commit_callbacks, kyoto, coordinator):
    outgoing = make_user(Role.CLERK, kyoto, username="outgoing")
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = schedule_handover(outgoing, outgoing.memberships.all(), "後任 太郎", "next@example.jp",
                                       today + datetime.timedelta(days=1), invited_by=coordinator)
    assert [o.code for o in invitation.organizations.all()] == ["261009"] and invitation.replaces == outgoing
    assert len(mail.outbox) == 1
    assert run_daily(today).ended == 0  # not yet
    outgoing = get_user_model().objects.get(pk=outgoing.pk)
    assert organization_ids_in_scope(outgoing) == {kyoto.pk}
    tomorrow = today + datetime.timedelta(days=1)
    assert run_daily(tomorrow).ended == 1
    assert run_daily(tomorrow).ended == 0  # the second run finds nothing to do
    outgoing = get_user_model().objects.get(pk=outgoing.pk)
    assert not Membership.objects.filter(user=outgoing).exists()
    assert user_roles(outgoing) == set() and not outgoing.is_staff
    assert RoleChange.objects.filter(user_name="outgoing", action=RoleChange.Action.ENDED).count() == 1
    assert RoleChange.objects.filter(user_name="outgoing", action=RoleChange.Action.HANDOVER_SCHEDULED).count() == 1


def test_a_membership_ending_today_gives_nothing_even_before_the_daily_task(kyoto):
    outgoing = make_user(Role.CLERK, kyoto, username="outgoing")
    Membership.objects.filter(user=outgoing).update(ends_on=timezone.localdate())
    outgoing = get_user_model().objects.get(pk=outgoing.pk)
    assert organization_ids_in_scope(outgoing) == set()


@override_settings(ACCOUNT_IDLE_DAYS=180, ACCOUNT_IDLE_NOTICE_DAYS=14)
def test_idle_accounts_get_a_notice_then_are_stopped_and_can_be_reactivated(django_capture_on_commit_callbacks, kyoto):
    idle = make_user(Role.CLERK, kyoto, username="idle")
    make_user("superuser", username="root")
    long_ago = timezone.now() - datetime.timedelta(days=200)
    get_user_model().objects.filter(username__in=["idle", "root"]).update(last_login=long_ago, date_joined=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        first = run_daily()
    assert (first.notices, first.deactivated) == (1, 0)
    assert [m.to for m in mail.outbox] == [["idle@example.jp"]] and "停止" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert (run_daily().notices, run_daily().deactivated) == (0, 0)  # told once; the stop waits for the notice
    later = timezone.now() + datetime.timedelta(days=15)
    assert run_daily(now=later).deactivated == 1
    assert run_daily(now=later).deactivated == 0
    idle.refresh_from_db()
    assert not idle.is_active
    assert get_user_model().objects.get(username="root").is_active  # superusers are never stopped
    reactivate(idle)
    idle.refresh_from_db()
    assert idle.is_active
    assert (run_daily(now=later).notices, run_daily(now=later).deactivated) == (0, 0)  # the clock starts anew
    actions = list(RoleChange.objects.filter(user_name="idle").values_list("action", flat=True))
    assert {RoleChange.Action.IDLE_NOTICE, RoleChange.Action.DEACTIVATED, RoleChange.Action.REACTIVATED} <= set(actions)


def test_the_command_runs_the_daily_task(capsys):
    call_command("accounts", "daily")
    assert "ended=0 notices=0 deactivated=0" in capsys.readouterr().out


def test_the_first_sign_in_of_a_day_enqueues_the_daily_task_once(client, django_capture_on_commit_callbacks):
    from django.core.cache import cache
    from django_tasks_db.models import DBTaskResult

    from registry.accounts.tasks import enqueued_key

    cache.delete(enqueued_key(timezone.localdate()))
    user = make_user(Role.COORDINATOR, username="coord2")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.force_login(user)
    assert DBTaskResult.objects.filter(task_path__endswith="accounts_daily").count() == 1
