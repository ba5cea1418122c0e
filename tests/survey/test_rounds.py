"""The round's lifecycle, and one source of truth: while open, the round's record of a base is the base.

Each write path (admin edit, admin add, import, review step, revert, restore, bulk action) is driven and
then the round's records and ``survey_summary`` are checked against the bases themselves.
"""
import datetime
import io
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from registry.core.history import restore_version
from registry.models import Base, BaseRoundRecord, BaseStatus, ReviewState, RoundStatus, SurveyRound
from registry.core.permissions import Role
from registry.survey import lifecycle
from registry.survey.records import COPIED_FIELDS, RoundRefused, record_bases
from registry.survey.summary import survey_summary
from tests.support.factories import make_base
from tests.support.lists_helpers import counted_one_by_one, record_for
from tests.support.roles import make_user
from tests.core.test_history_capture import base_form_data

pytestmark = pytest.mark.django_db
LAST_YEAR = datetime.date(2017, 9, 30)
THIS_YEAR = datetime.date(2018, 9, 30)


@pytest.fixture
def year(organization):
    """Last year's round published with two Osaka bases; this year's round open with both."""
    last = SurveyRound.objects.create(reference_date=LAST_YEAR, status=RoundStatus.PUBLISHED)
    osaka = organization("大阪府")
    bases = [make_base(osaka, 1, name="上海事務所", staff_dispatched=2, staff_local=3),
             make_base(osaka, 2, name="ソウル事務所", countries=["KR"], cities="ソウル", staff_local=1)]
    for base in bases:
        record_for(last, base, review_state=ReviewState.NEW)
    this = lifecycle.open_round(THIS_YEAR, datetime.date(2018, 11, 30)).survey_round
    return SimpleNamespace(last=last, this=this, osaka=osaka, bases=bases)


def assert_round_follows_bases(survey_round):
    """Every active base has a record equal to it, and the summary counts exactly the bases."""
    records = {record.base_id: record for record in BaseRoundRecord.objects.filter(survey_round=survey_round)}
    counted = []
    for base in Base.objects.all():
        record = records.get(base.pk)
        if base.status == BaseStatus.ACTIVE:
            assert record is not None, f"{base} has no line in {survey_round}"
        if record is None:
            continue
        for name in COPIED_FIELDS:
            assert getattr(record, name) == getattr(base, name), f"{base}: {name}"
        if base.status == BaseStatus.ACTIVE and record.review_state != ReviewState.CLOSING:
            counted.append(SimpleNamespace(base=base, **{name: getattr(base, name) for name in COPIED_FIELDS}))
    assert survey_summary(survey_round) == counted_one_by_one(counted)[0]


def state(survey_round, base):
    return BaseRoundRecord.objects.get(survey_round=survey_round, base=base).review_state


def test_opening_gives_every_active_base_a_line_not_yet_reviewed(year, organization):
    make_base(organization("札幌市"), 1, status=BaseStatus.CLOSED, closed_on=datetime.date(2016, 3, 31))
    assert year.this.status == RoundStatus.OPEN and year.this.due_date == datetime.date(2018, 11, 30)
    assert {state(year.this, base) for base in year.bases} == {ReviewState.NOT_REVIEWED}
    assert BaseRoundRecord.objects.filter(survey_round=year.this).count() == 2
    assert_round_follows_bases(year.this)
    with pytest.raises(RoundRefused):
        lifecycle.open_round(THIS_YEAR)


def test_admin_edit_and_add_follow_into_the_open_round(year, admin_client):
    base = year.bases[0]
    response = admin_client.post(reverse("admin:registry_base_change", args=[base.pk]),
                                 base_form_data(base, staff_local=7))
    assert response.status_code == 302
    assert state(year.this, base) == ReviewState.CHANGED
    response = admin_client.post(reverse("admin:registry_base_add"),
                                 base_form_data(organization=year.osaka, number=3, name="新拠点"))
    assert response.status_code == 302
    assert state(year.this, Base.objects.get(number=3)) == ReviewState.NEW
    assert_round_follows_bases(year.this)
    assert survey_summary(year.this)["staff"]["local"] == 7 + 1 + 2
    assert survey_summary(year.last)["staff"]["local"] == 4  # the published round stays as it was


def test_review_steps_change_the_state_at_once_and_leave_history(year):
    clerk = make_user(Role.CLERK, year.osaka, username="osaka_clerk")
    first, second = year.bases
    lifecycle.confirm_unchanged(year.this, [first], clerk)
    assert state(year.this, first) == ReviewState.UNCHANGED
    entry = BaseRoundRecord.history.filter(base=first, survey_round=year.this).first()
    assert (entry.history_user, entry.history_change_reason) == (clerk, lifecycle.REASON_UNCHANGED)
    # Confirming again is still an act: it is recorded (who confirmed, when).
    before = BaseRoundRecord.history.filter(base=first).count()
    lifecycle.confirm_unchanged(year.this, [first], clerk)
    assert BaseRoundRecord.history.filter(base=first).count() == before + 1
    lifecycle.propose_closing(year.this, second, datetime.date(2018, 3, 31), "撤退", clerk)
    assert state(year.this, second) == ReviewState.CLOSING
    assert_round_follows_bases(year.this)
    assert survey_summary(year.this)["bases"] == 1  # a proposed closure is not counted


def test_import_follows_into_the_open_round(year, superuser):
    from registry.sheets.survey.importing import import_survey_file
    from tests.support.sheets import as_text, base_row

    content = as_text([base_row(number="1", form="a", year="", dept="", total="5", dispatched="2", local="3")])
    outcome = import_survey_file(content, "r.tsv", THIS_YEAR, user=superuser)
    assert not outcome.errors and outcome.unchanged == 1, outcome.errors
    assert state(year.this, year.bases[0]) == ReviewState.UNCHANGED  # the sheet settles a 未確認 line
    assert state(year.this, year.bases[1]) == ReviewState.CLOSING  # not reported: proposed, no date
    assert_round_follows_bases(year.this)
    with pytest.raises(RoundRefused):  # a base only missing from a sheet needs a decision before closing
        lifecycle.close_round(year.this)


def test_revert_restore_and_bulk_action_follow_while_open(year, admin_client, superuser):
    base = year.bases[0]
    base.staff_local = 9
    base.save()
    first_version = base.history.last()
    restore_version(first_version, "誤入力の取消", user=superuser)
    base.refresh_from_db()
    assert base.staff_local == 3
    assert_round_follows_bases(year.this)
    # Restore a base deleted before this round: it is back in the round.
    gone = make_base(year.osaka, 9, name="削除された拠点")
    record = BaseRoundRecord.objects.get(base=gone)
    BaseRoundRecord.objects.filter(pk=record.pk).delete()  # test set-up: as if deleted before the round
    version = gone.history.first()
    gone.delete()
    restore_version(version, "誤って削除したため", user=superuser)
    assert_round_follows_bases(year.this)
    response = admin_client.post(
        reverse("admin:registry_base_changelist"),
        {"action": "mark_closed_today", "_selected_action": [year.bases[1].pk]},
    )
    assert response.status_code == 302
    assert_round_follows_bases(year.this)
    assert survey_summary(year.this)["bases"] == 2


def test_bulk_entry_point_writes_history_for_every_record(year, superuser):
    from registry.core.history import change_context

    for base in year.bases:
        base.staff_dispatched = 4
    Base.objects.bulk_update(year.bases, ["staff_dispatched"])  # as an import's bulk apply would
    with change_context(reason="一括取込", user=superuser):
        assert record_bases(year.this, year.bases) == 2
    assert_round_follows_bases(year.this)
    entries = BaseRoundRecord.history.filter(survey_round=year.this, history_change_reason="一括取込")
    assert entries.count() == 2 and {entry.history_user for entry in entries} == {superuser}


def test_close_applies_confirmed_closures_then_nothing_but_a_correction_changes_the_round(year, superuser):
    first, second = year.bases
    lifecycle.propose_closing(year.this, second, datetime.date(2018, 3, 31), "撤退", superuser)
    result = lifecycle.close_round(year.this, user=superuser)
    assert result.counts["closed_bases"] == 1
    second.refresh_from_db()
    assert (second.status, second.closed_on, second.closing_reason) == (BaseStatus.CLOSED, datetime.date(2018, 3, 31), "撤退")
    frozen = survey_summary(year.this)
    first.staff_local = 30
    first.save()
    restore_version(first.history.last(), "戻す", user=superuser)
    assert survey_summary(year.this) == frozen
    with pytest.raises(RoundRefused):
        lifecycle.confirm_unchanged(year.this, [first], superuser)
    lifecycle.publish_round(year.this, user=superuser)
    record = BaseRoundRecord.objects.get(survey_round=year.this, base=first)
    correction = lifecycle.correct(record, {"staff_local": 4}, "集計誤り", superuser)
    assert correction.changes == {"staff_local": ["3", "4"]}
    assert survey_summary(year.this)["staff"]["local"] == frozen["staff"]["local"] + 1
    with pytest.raises(RoundRefused):
        lifecycle.correct(record, {"staff_local": 5}, "", superuser)


def test_answer_completed_needs_every_base_reviewed_and_the_coordinator_can_return_it(year, client):
    clerk = make_user(Role.CLERK, year.osaka, username="osaka_clerk")
    client.force_login(clerk)
    review = reverse("registry:survey_review", args=[THIS_YEAR])
    client.post(review, {"action": "complete", "organization": year.osaka.pk})
    progress = client.get(reverse("registry:survey_progress", args=[THIS_YEAR])).context["progress"]
    assert not progress[0].completed  # refused: two bases 未確認
    client.post(review, {"action": "unchanged", "base": [b.pk for b in year.bases]})
    client.post(review, {"action": "complete", "organization": year.osaka.pk})
    progress = client.get(reverse("registry:survey_progress", args=[THIS_YEAR])).context["progress"]
    assert progress[0].completed and progress[0].last_activity is not None
    assert client.post(review, {"action": "return", "organization": year.osaka.pk}).status_code == 403
    client.force_login(make_user(Role.COORDINATOR, username="coordinator"))
    client.post(review, {"action": "return", "organization": year.osaka.pk, "reason": "数値を再確認"})
    progress = client.get(reverse("registry:survey_progress", args=[THIS_YEAR])).context["progress"]
    assert not progress[0].completed and progress[0].response.returned_reason == "数値を再確認"


def test_reminders_mail_the_clerks_of_organizations_not_done_and_are_logged(year, organization):
    clerk = make_user(Role.CLERK, year.osaka, username="osaka_clerk")
    clerk.email = "clerk@example.jp"
    clerk.save()
    out = io.StringIO()
    call_command("round", "remind", "2018-09-30", stdout=out)
    assert out.getvalue().strip() == "organizations=1 mails=1"
    assert mail.outbox[0].to == ["clerk@example.jp"] and "2018-11-30" in mail.outbox[0].body
    assert year.this.reminders.get().recipients == "clerk@example.jp"


def test_round_command_prints_counts_and_exits_1_on_refusal(year):
    out = io.StringIO()
    call_command("round", "status", "2018-09-30", stdout=out)
    assert out.getvalue().strip() == (
        "status=open unchanged=0 changed=0 new=0 closing=0 not_reviewed=2 completed=0 pending=1")
    out = io.StringIO()
    call_command("round", "status", "2018-09-30", "--json", stdout=out)
    assert '"not_reviewed": 2' in out.getvalue() and '"name": "大阪府"' in out.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command("round", "publish", "2018-09-30")
    assert refused.value.returncode == 1
    out = io.StringIO()
    call_command("round", "close", "2018-09-30", stdout=out)
    assert out.getvalue().startswith("status=closed closed_bases=0")
    call_command("round", "publish", "2018-09-30", stdout=out)
    with pytest.raises(CommandError):
        call_command("round", "open", "2018-09-30")


def test_an_import_never_rewrites_a_closed_round(year, superuser):
    from registry.sheets.survey.importing import import_survey_file
    from tests.support.sheets import as_text, base_row

    lifecycle.close_round(year.this)
    content = as_text([base_row(number="1", form="a", total="9", dispatched="4", local="5")])
    outcome = import_survey_file(content, "r.tsv", THIS_YEAR, user=superuser)
    assert [str(problem) for problem in outcome.errors] == [
        "2018-09-30 調査 は締切です。調査の数値は受付中にしか変わりません。"]
    assert Base.objects.get(pk=year.bases[0].pk).staff_dispatched == 2


def test_published_round_gives_its_sheet_and_the_revert_page_says_why_it_does_not_change(year, admin_client):
    import openpyxl

    response = admin_client.get(reverse("registry:survey_published_sheet", args=[LAST_YEAR]))
    assert response.status_code == 200
    cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()
             for c in row]
    assert "上海事務所" in cells and "ソウル事務所" in cells
    base = year.bases[0]
    base.staff_local = 4
    base.save()
    page = admin_client.get(reverse("admin:registry_base_simple_history", args=[base.pk, base.history.last().history_id]))
    text = page.content.decode()
    assert "2018-09-30 調査" in text and "2017-09-30 調査" in text and "訂正" in text


def test_an_import_that_disagrees_with_a_clerks_answer_asks_which_side_wins(year, superuser):
    from registry.core.history import Source, change_context
    from registry.sheets.survey.importing import import_survey_file
    from tests.support.sheets import as_text, base_row

    clerk = make_user(Role.CLERK, year.osaka, username="osaka_clerk")
    first = year.bases[0]
    with change_context(user=clerk, source=Source.ADMIN):
        first.staff_local = 6
        first.save()
    lifecycle.confirm_unchanged(year.this, [year.bases[1]], clerk)
    rows = [base_row(number="1", form="a", year="", dept="", total="11", dispatched="2", local="9"),
            base_row(number="2", name="ソウル事務所", country="韓国", city="ソウル", form="a", year="", dept="",
                     total="1", dispatched="0", local="1")]
    content = as_text(rows)
    preview = import_survey_file(content, "r.tsv", THIS_YEAR, user=superuser, dry_run=True)
    assert not preview.errors
    assert [(c.label, c.answer, c.winner) for c in preview.conflicts] == [
        ("大阪府 #1 上海事務所", "変更あり", "")]
    undecided = import_survey_file(content, "r.tsv", THIS_YEAR, user=superuser)
    assert [str(problem) for problem in undecided.errors] == [
        "row 6: 担当者がこの調査で回答済みの拠点（変更あり）と表の内容が異なります。どちらを採用するか選んでください"]
    assert Base.objects.get(pk=first.pk).staff_local == 6
    kept = import_survey_file(content, "r.tsv", THIS_YEAR, user=superuser, conflicts="clerk")
    assert not kept.errors and Base.objects.get(pk=first.pk).staff_local == 6
    assert_round_follows_bases(year.this)
    taken = import_survey_file(content, "r.tsv", THIS_YEAR, user=superuser, conflicts="sheet")
    assert not taken.errors and Base.objects.get(pk=first.pk).staff_local == 9
    assert state(year.this, first) == ReviewState.CHANGED
    assert_round_follows_bases(year.this)


def test_a_correction_through_the_page_is_shown_as_訂正_on_the_report(year, client):
    lifecycle.close_round(year.this)
    lifecycle.publish_round(year.this)
    client.force_login(make_user(Role.COORDINATOR, username="coordinator"))
    record = BaseRoundRecord.objects.get(survey_round=year.this, base=year.bases[1])
    listing = client.get(reverse("registry:survey_list", args=[THIS_YEAR])).content.decode()
    correct_url = reverse("registry:survey_correct", args=[THIS_YEAR, record.pk])
    assert correct_url in listing
    response = client.post(correct_url, {"staff_dispatched": 1, "staff_local": 1, "reason": "派遣職員の計上漏れ"})
    assert response.status_code == 302
    report = client.get(reverse("registry:survey_report", args=[THIS_YEAR])).content.decode()
    assert "訂正" in report and "派遣職員の計上漏れ" in report
    assert survey_summary(year.this)["staff"]["dispatched"] == 3
    assert Base.objects.get(pk=year.bases[1].pk).staff_dispatched == 0  # the base itself is not touched


def test_lists_filter_and_badge_proposed_and_closed_bases(year, admin_client):
    lifecycle.propose_closing(year.this, year.bases[1], datetime.date(2018, 3, 31), "撤退", None)
    closed = make_base(year.osaka, 5, name="閉じた事務所", status=BaseStatus.CLOSED, closed_on=datetime.date(2016, 3, 31))
    proposed = admin_client.get(reverse("registry:base_list") + "?closure=proposed")
    assert [base.pk for base in proposed.context["object_list"]] == [year.bases[1].pk]
    assert '<span class="badge closure-active">廃止予定</span>' in proposed.content.decode()
    gone = admin_client.get(reverse("registry:base_list") + "?closure=closed")
    assert [base.pk for base in gone.context["object_list"]] == [closed.pk]
    assert '<span class="badge closure-closed">閉鎖</span>' in gone.content.decode()
    admin_page = admin_client.get(reverse("admin:registry_base_changelist") + "?closure=proposed")
    assert [base.pk for base in admin_page.context["cl"].result_list] == [year.bases[1].pk]
    assert "廃止予定" in admin_page.content.decode()
    assert list(SurveyRound.objects.published()) == [year.last]
