"""The import engine: a preview writes nothing, queries do not grow with rows, the bulk apply equals one-by-one
edits, errors quote only the file, one import at a time, and the admin's confirm applies what was previewed."""
import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.core.history import Source, change_context
from registry.models import Base, BaseRoundRecord, Contractor, ImportLock, ImportRecord, JointOffice, SurveyRound
from registry.sheets.engine import ImportBusy, Progress
from registry.sheets.session import ImportSession
from registry.sheets.survey.importing import import_survey_file
from registry.survey.records import record_bases
from registry.sheets.survey.plan import plan_survey
from tests.conftest import SURVEY_2017
from tests.support.import_checks import history_left, writes_in
from tests.support.locks import import_lock_held_elsewhere
from tests.support.sheets import as_text, base_row
from tests.admin.test_survey_admin import confirm, upload

pytestmark = pytest.mark.django_db
FIRST, SECOND = datetime.date(2018, 9, 30), datetime.date(2019, 9, 30)
def first_round():
    rows = [base_row(), base_row(number="4", name="閉じる拠点"), base_row(number="5", name="変わらない拠点"),
            base_row(org="札幌市", org_no="1", number="1", name="札幌の拠点", contractor="既存の会社",
                     form="c 業務委託")]
    assert not import_survey_file(as_text(rows), "first.tsv", FIRST).errors


SECOND_SHEET = as_text([
    base_row(dept="国際交流課", total="6", dispatched="4", local="2"),          # updated
    base_row(number="5", name="変わらない拠点"),                                 # unchanged
    base_row(number="6", name="新しい拠点", contractor="新しい会社", form="c 業務委託"),  # new, new contractor
    base_row(org="札幌市", org_no="1", number="1", name="札幌の拠点", contractor="別の新会社",
             form="c 業務委託"),                                                # contractor changes to a new one
    base_row(org="三条市", org_no="2", number="1", name="日本自治体等連合シンガポール事務所",
             country="シンガポール", city="シンガポール", total="0", dispatched="0", local="0"),
    base_row(org="大阪府", number="7", name="日本自治体等連合シンガポール事務所",
             country="シンガポール", city="シンガポール", total="0", dispatched="0", local="0"),  # joint office
])                                                                                # number 4 is not reported


# -- a preview writes nothing ---------------------------------------------------------------------------

def test_preview_of_a_first_and_a_next_round_performs_no_insert_update_or_delete():
    with CaptureQueriesContext(connection) as first:
        outcome = import_survey_file(SURVEY_2017.read_bytes(), SURVEY_2017.name, FIRST, dry_run=True)
    assert outcome.new == 194 and writes_in(first.captured_queries) == []
    first_round()
    with CaptureQueriesContext(connection) as second:
        outcome = import_survey_file(SECOND_SHEET, "second.tsv", SECOND, dry_run=True)
    assert (outcome.new, outcome.updated, outcome.unchanged, len(outcome.missing)) == (3, 2, 1, 1)
    assert writes_in(second.captured_queries) == []


def test_the_admin_preview_performs_no_insert_update_or_delete(admin_client):
    first_round()
    with CaptureQueriesContext(connection) as preview_queries:
        preview = upload(admin_client, SECOND_SHEET)
    assert preview.context["confirm_form"] is not None
    written = [sql for sql in writes_in(preview_queries.captured_queries) if "django_session" not in sql]
    assert written == []


def test_queries_do_not_grow_with_the_number_of_rows():
    def plan_queries(count):
        rows = [base_row(number=str(n), contractor=f"会社{n % 7}", form="c 業務委託") for n in range(1, count + 1)]
        with CaptureQueriesContext(connection) as queries:
            plan = plan_survey(as_text(rows), "sheet.tsv", ImportSession(survey_date=SECOND))
        assert not plan.outcome.errors
        return len(queries.captured_queries)

    first_round()
    assert plan_queries(10) == plan_queries(300)
    with CaptureQueriesContext(connection) as applied:
        rows = [base_row(number=str(n), contractor=f"会社{n % 7}", form="c 業務委託") for n in range(1, 301)]
        assert import_survey_file(as_text(rows), "sheet.tsv", SECOND).new == 297
    assert len(applied.captured_queries) < 100


# -- bulk apply = one-by-one edits --------------------------------------------------------------------

def natural(record_id, model):
    if record_id is None:
        return None
    if model is Base:
        base = Base.objects.select_related("organization").get(pk=record_id)
        return (base.organization.code, base.number)
    return model.objects.get(pk=record_id).name


def state_of_the_registry(import_record):
    """Every base, round record, contractor and joint office, and their history, by natural keys."""
    def related(row):
        return {
            "contractor": natural(getattr(row, "contractor_id", None), Contractor),
            "host_agency": natural(getattr(row, "host_agency_id", None), Contractor),
            "joint_office": natural(getattr(row, "joint_office_id", None), JointOffice),
            "base": natural(getattr(row, "base_id", None), Base),
        }

    def fields(row, model):
        skip = {"id", "contractor", "host_agency", "joint_office", "base", "survey_round", "reviewed_at"}  # when
        return {f.attname: str(getattr(row, f.attname)) for f in model._meta.concrete_fields if f.name not in skip}

    state = {}
    groups = set()
    for model in (Base, BaseRoundRecord, Contractor, JointOffice):
        state[model.__name__] = sorted(repr((fields(r, model), related(r))) for r in model.objects.all())
        history = model.history.filter(import_record=import_record).order_by("history_date", "history_id")
        history = [(entry.history_type, entry) for entry in history]
        if model is BaseRoundRecord:  # one-by-one saves also let the round follow each base first: compare how
            # each record began (created or updated) and what it became (its last entry)
            began = {}
            for history_type, entry in history:
                began.setdefault(entry.id, history_type)
            history = [(began[entry.id], entry) for entry in {entry.id: entry for _type, entry in history}.values()]
        state[f"{model.__name__} history"], left = history_left(
            history, import_record, lambda entry: (fields(entry.instance, model), related(entry.instance)))
        groups |= left
    state["one group"] = len(groups) == 1 and None not in groups
    state["counts"] = import_record.counts
    return state


def apply_one_by_one(plan):
    """The same plan, written the slow way: one save() per record (history through the signal, the open
    round following each base as after any edit), then the import's verdicts through the rounds service."""
    session = plan.session
    with transaction.atomic(), change_context(source=Source.IMPORT, user=session.user,
                                              actor_name=f"import: {session.user_name}"):
        session.ensure_record()
        for record in plan.new_contractors + plan.new_joint_offices + plan.new_bases + plan.changed_bases:
            record.save()
        record_bases(session.survey_round(), [base for base, _state in plan.verdicts],
                     states={base.pk: state for base, state in plan.verdicts})
        plan.outcome.save_counts(session.record)
    return session.record


def test_bulk_apply_yields_the_same_records_round_records_and_history_as_one_by_one_edits(superuser):
    first_round()
    with transaction.atomic():
        outcome = import_survey_file(SECOND_SHEET, "second.tsv", SECOND, user=superuser)
        assert (outcome.new, outcome.updated, outcome.unchanged, len(outcome.missing)) == (3, 2, 1, 1)
        bulk = state_of_the_registry(outcome.import_record)
        transaction.set_rollback(True)
    assert not SurveyRound.objects.filter(reference_date=SECOND).exists()
    plan = plan_survey(SECOND_SHEET, "second.tsv", ImportSession(survey_date=SECOND, user=superuser,
                                                                 file_name="second.tsv"))
    one_by_one = state_of_the_registry(apply_one_by_one(plan))
    assert bulk == one_by_one
    assert bulk["one group"] is True
    assert len(bulk["Base history"]) == 5 and len(bulk["BaseRoundRecord history"]) == 7
    assert len(bulk["Contractor history"]) == 2 and len(bulk["JointOffice history"]) == 1


def test_an_import_that_opens_its_round_writes_each_round_record_once(superuser, organization):
    """Opening the round gives the bases outside the sheet their 未確認 line; the sheet's bases get the import's
    verdict directly, not a 未確認 line first and the verdict over it. The end is what one-by-one edits give."""
    first_round()
    elsewhere = Base.objects.create(organization=organization("京都府"), number=1, name="京都の拠点",
                                    countries=["KR"], cities="ソウル", form="a")
    with transaction.atomic():
        outcome = import_survey_file(SECOND_SHEET, "second.tsv", SECOND, user=superuser)
        assert (outcome.new, outcome.updated, outcome.unchanged, len(outcome.missing)) == (3, 2, 1, 1)
        records = BaseRoundRecord.objects.filter(survey_round__reference_date=SECOND)
        entries = BaseRoundRecord.history.filter(survey_round__reference_date=SECOND)
        assert records.count() == 8
        assert sorted(entries.values_list("id", flat=True)) == sorted(records.values_list("id", flat=True))
        assert set(entries.values_list("history_type", flat=True)) == {"+"}
        reasons = dict(entries.values_list("base_id", "history_change_reason"))
        assert reasons.pop(elsewhere.pk) == "調査の開始"
        assert set(reasons.values()) == {f"2019-09-30 調査の取込 #{outcome.import_record.pk}"}
        assert records.get(base=elsewhere).review_state == "not_reviewed"
        bulk = state_of_the_registry(outcome.import_record)
        transaction.set_rollback(True)
    plan = plan_survey(SECOND_SHEET, "second.tsv", ImportSession(survey_date=SECOND, user=superuser,
                                                                 file_name="second.tsv"))
    assert state_of_the_registry(apply_one_by_one(plan)) == bulk


# -- errors quote the file -----------------------------------------------------------------------------

def test_an_unreadable_staff_cell_is_one_error_quoting_the_file_not_the_stored_value():
    assert not import_survey_file(as_text([base_row(total="6", dispatched="4", local="2")]), "a.tsv", FIRST).errors
    outcome = import_survey_file(as_text([base_row(total="5", dispatched="三", local="2")]), "b.tsv", SECOND)
    assert [str(p) for p in outcome.errors] == [f"row 6, column ⑧職員数: {outcome.errors[0].message}"]
    assert "三" in outcome.errors[0].message and "4" not in outcome.errors[0].message


def test_every_broken_cell_of_a_row_gives_exactly_one_error():
    outcome = import_survey_file(as_text([base_row(year="平成99", country="アトランティス", dispatched="x",
                                                   total="3")]), "a.tsv", SECOND)
    columns = sorted(p.column for p in outcome.errors)
    assert columns == sorted(["⑥設置年度", "②拠点設置国・地域", "⑧職員数"]), [str(p) for p in outcome.errors]
    assert Base.objects.count() == 0


# -- one import at a time ------------------------------------------------------------------------------

def test_a_second_import_while_one_runs_is_told_import_in_progress_and_writes_nothing():
    ImportLock.objects.create(name=ImportLock.NAME, user_name="coordinator")  # the first import holds it
    with import_lock_held_elsewhere(), pytest.raises(ImportBusy, match="取込中です.*coordinator"):
        import_survey_file(as_text([base_row()]), "a.tsv", SECOND)
    assert Base.objects.count() == 0 and ImportRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_apply_plans_under_the_lock_so_no_other_import_writes_in_between():
    """While an apply is still planning, a second import (another thread, its own connection) is told 取込中です;
    previews still run (they write nothing)."""
    seen = []

    class WatchPlanning(Progress):
        def phase(self, name):
            def progress(done, total):
                if name == "planning" and not seen:
                    seen.append(run_in_thread(lambda: import_survey_file(as_text([base_row(name="割込み")]),
                                                                           "b.tsv", SECOND)))
                    seen.append(run_in_thread(lambda: import_survey_file(as_text([base_row(name="割込み")]),
                                                                           "b.tsv", SECOND, dry_run=True).new))
            return progress

    outcome = import_survey_file(as_text([base_row()]), "a.tsv", SECOND, progress=WatchPlanning())
    assert outcome.new == 1 and not outcome.errors
    assert isinstance(seen[0], ImportBusy) and seen[1] == 1, seen
    assert list(Base.objects.values_list("name", flat=True)) != ["割込み"] and Base.objects.count() == 1


def run_in_thread(call):
    """``call()``'s result (or the exception it raised) from another thread, with its own database connection."""
    from django.db import connections

    result = []

    def target():
        try:
            result.append(call())
        except Exception as error:  # noqa: BLE001 - handed back to the test
            result.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    return result[0]


def test_a_lock_left_by_a_dead_process_is_taken_over_after_an_hour():
    lock = ImportLock.objects.create(name=ImportLock.NAME, user_name="crashed")
    ImportLock.objects.filter(pk=lock.pk).update(acquired_at=lock.acquired_at - datetime.timedelta(hours=2))
    assert import_survey_file(as_text([base_row()]), "a.tsv", SECOND).new == 1
    assert not ImportLock.objects.exists()


def test_the_admin_says_import_in_progress_instead_of_failing(admin_client):
    preview = upload(admin_client, as_text([base_row()]))
    ImportLock.objects.create(name=ImportLock.NAME, user_name="coordinator")
    with import_lock_held_elsewhere():
        response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert any("取込中です" in str(m) for m in response.wsgi_request._messages)
    assert Base.objects.count() == 0


# -- the confirm step applies what was previewed -------------------------------------------------------

def test_confirm_ignores_a_round_date_changed_in_the_browser(admin_client):
    preview = upload(admin_client, as_text([base_row()]), survey_date="2019-09-30")
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["survey_date"] = "1999-09-30"
    response = admin_client.post(reverse("admin:registry_base_process_import"), data)
    assert response.status_code == 302
    assert list(SurveyRound.objects.values_list("reference_date", flat=True)) == [datetime.date(2019, 9, 30)]


def test_a_second_confirm_of_the_same_preview_is_a_clear_message_not_an_error(admin_client):
    preview = upload(admin_client, as_text([base_row()]))
    assert confirm(admin_client, preview).status_code == 302
    again = confirm(admin_client, preview)
    assert again.status_code == 302 and again.url == reverse("admin:registry_base_import")
    assert any("already applied" in str(m) or "既に" in str(m) or "すでに" in str(m)
               for m in again.wsgi_request._messages)
    assert ImportRecord.objects.count() == 1 and Base.history.count() == 1


def test_confirm_refuses_when_the_data_changed_after_the_preview(admin_client):
    first_round()
    preview = upload(admin_client, SECOND_SHEET)
    base = Base.objects.get(number=3, organization__name="大阪府")
    base.department = "プレビューの後に編集"
    base.save()  # someone edits the registry between preview and confirm
    records = ImportRecord.objects.count()
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert ImportRecord.objects.count() == records
    assert not SurveyRound.objects.filter(reference_date=SECOND).exists()


def test_a_reimport_preview_says_nothing_changes_and_offers_no_apply_button(admin_client):
    confirm(admin_client, upload(admin_client, as_text([base_row()])))
    again = upload(admin_client, as_text([base_row()]))
    assert again.status_code == 200 and again.context.get("confirm_form") is None
    assert "変更はありません" in again.content.decode()


# -- what the coordinator sees ---------------------------------------------------------------------------

def test_the_buttons_say_preview_then_import_and_new_rows_show_their_key_facts(admin_client):
    form_page = admin_client.get(reverse("admin:registry_base_import")).content.decode()
    assert 'value="プレビュー"' in form_page
    preview = upload(admin_client, as_text([base_row(country="タイ", city="バンコク", total="4", dispatched="1",
                                                     local="3")])).content.decode()
    assert 'value="取り込む"' in preview
    assert "タイ バンコク / 形態 a / 職員 4人" in preview


def test_the_finish_message_is_japanese_with_every_count_and_links(admin_client):
    first_round()
    response = confirm(admin_client, upload(admin_client, SECOND_SHEET))
    [message] = [str(m) for m in response.wsgi_request._messages]
    record = ImportRecord.objects.latest("pk")
    assert "取り込みました: 新規 3・更新 2・変更なし 1・未回答 1。" in message
    assert f'href="/history/?import_record={record.pk}"' in message
    assert f'href="{reverse("registry:survey_report", args=[SECOND])}"' in message


def test_import_records_show_their_counts_as_a_table(admin_client):
    import_survey_file(as_text([base_row()]), "a.tsv", SECOND)
    page = admin_client.get(reverse("admin:registry_importrecord_changelist")).content.decode()
    assert "<th>新規</th>" in page and "<td>1</td>" in page and '{"new"' not in page


def test_the_admin_export_is_named_after_the_round_with_its_date_in_the_title(admin_client):
    import io

    import openpyxl

    import_survey_file(as_text([base_row()]), "a.tsv", SECOND)
    response = admin_client.post(reverse("admin:registry_base_export"), {
        "format": 0, "resource": 0, **{f"surveybaseresource_{name}": "on" for name in ("number", "organization")}})
    assert "filename*=utf-8''%E6%B5%B7%E5%A4%96%E6%8B%A0%E7%82%B9_2019-09-30.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "令和元年9月30日現在" in sheet["A1"].value
