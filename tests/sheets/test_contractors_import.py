"""The contractor list (委託先) import: plan without writing, preview, apply in bulk with history, refuse clearly."""
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.core.history import Source, change_context
from registry.models import Contractor, ImportRecord
from registry.sheets.contractors import import_contractor_file, plan_contractors
from registry.sheets.session import ImportSession
from tests.support.import_checks import writes_in

pytestmark = pytest.mark.django_db
HEADER = ["id", "name", "kind", "country", "notes"]


def csv_cp932(rows, header=HEADER):
    return "\r\n".join(",".join(str(cell) for cell in row) for row in [header, *rows]).encode("cp932")


def xlsx(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def existing():
    return {
        "seoul": Contractor.objects.create(name="株式会社ソウル代理", kind="company", country="KR"),
        "jetro": Contractor.objects.create(name="日本貿易振興機構", kind="public_body", country="", notes="本部"),
    }


def list_rows(existing):
    return [
        [existing["seoul"].pk, "株式会社ソウル代理", "公的機関", "韓国", "代理店"],  # kind and notes change
        ["", "日本貿易振興機構", "public_body", "", "本部"],                           # unchanged, found by name
        ["", "上海商務諮詢有限公司", "企業", "中国", ""],                              # new
    ]


def upload(client, content, name="contractors.csv"):
    return client.post(reverse("admin:registry_contractor_import"),
                       {"format": 0, "resource": 0, "import_file": SimpleUploadedFile(name, content)})


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:registry_contractor_process_import"), data)


# -- the preview -------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, name", [
    (lambda rows: csv_cp932(rows), "contractors.csv"),
    (lambda rows: xlsx(rows), "contractors.xlsx"),
])
def test_the_preview_shows_new_updated_and_unchanged_rows_and_writes_nothing(admin_client, existing, content,
                                                                           name):
    before = list(Contractor.history.values_list("history_id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        preview = upload(admin_client, content(list_rows(existing)), name)
    assert preview.status_code == 200 and preview.context["confirm_form"] is not None
    assert writes_in(queries.captured_queries) == []
    outcome = preview.context["result"].outcome
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (1, 1, 1, [])
    [(row, _label, changes)] = outcome.updated_rows
    assert row == 2 and changes == [("種別", "企業", "公的機関"), ("備考", "", "代理店")]
    page = preview.content.decode()
    assert "<del>企業</del>" in page and "<ins>公的機関</ins>" in page and "上海商務諮詢有限公司" in page
    assert Contractor.objects.count() == 2 and ImportRecord.objects.count() == 0
    assert list(Contractor.history.values_list("history_id", flat=True)) == before


def test_the_plan_reads_the_rows_with_a_constant_number_of_queries(existing):
    def plan_queries(count):
        rows = [["", f"会社{n}", "企業", "韓国", ""] for n in range(count)] + list_rows(existing)
        with CaptureQueriesContext(connection) as queries:
            plan = plan_contractors(csv_cp932(rows), "c.csv", ImportSession(kind=ImportRecord.Kind.CONTRACTORS))
        assert not plan.outcome.errors and writes_in(queries.captured_queries) == []
        return len(queries.captured_queries)

    assert plan_queries(5) == plan_queries(300) <= 2


def test_confirm_applies_with_history_and_a_reimport_says_nothing_changes(admin_client, superuser, existing):
    response = confirm(admin_client, upload(admin_client, csv_cp932(list_rows(existing))))
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    assert record.kind == ImportRecord.Kind.CONTRACTORS and record.user == superuser and record.encoding == "cp932"
    seoul = Contractor.objects.get(pk=existing["seoul"].pk)
    assert (seoul.kind, seoul.notes) == ("public_body", "代理店")
    new = Contractor.objects.get(name="上海商務諮詢有限公司")
    assert (new.kind, new.country.code, new.match_key) == ("company", "CN", "上海商務諮詢有限公司")
    entries = Contractor.history.filter(import_record=record)
    assert sorted(entries.values_list("name", "history_type")) == [("上海商務諮詢有限公司", "+"), ("株式会社ソウル代理", "~")]
    assert {(e.history_user_id, e.history_change_reason, e.change_source) for e in entries} == {
        (superuser.pk, f"委託先の取込 #{record.pk}", Source.IMPORT)}
    assert len({e.change_group for e in entries}) == 1
    again = upload(admin_client, csv_cp932(list_rows(existing)))
    assert again.status_code == 200 and again.context.get("confirm_form") is None
    assert "変更はありません" in again.content.decode()


def test_confirm_refuses_when_the_data_changed_after_the_preview(admin_client, existing):
    preview = upload(admin_client, csv_cp932(list_rows(existing)))
    jetro = existing["jetro"]
    jetro.notes = "プレビューの後に編集"
    jetro.save()  # someone edits the registry between preview and confirm
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("プレビューの後にファイルまたは登録内容が変わりました" in m for m in messages), messages
    assert ImportRecord.objects.count() == 0 and not Contractor.objects.filter(name="上海商務諮詢有限公司").exists()


# -- bulk apply = one-by-one edits ------------------------------------------------------------------------

def state(import_record):
    def fields(row):
        return {f.attname: str(getattr(row, f.attname)) for f in Contractor._meta.concrete_fields if f.name != "id"}

    history = Contractor.history.filter(import_record=import_record).order_by("name", "history_id")
    return {
        "records": sorted(repr(fields(c)) for c in Contractor.objects.all()),
        "history": [repr((e.history_type, fields(e.instance), e.history_user_id, e.actor_name, e.change_source,
                          e.history_change_reason.replace(f"#{import_record.pk}", "#N"))) for e in history],
        "one group": len({e.change_group for e in history}) == 1 and history.first().change_group is not None,
        "counts": import_record.counts,
    }


def test_the_bulk_apply_gives_the_same_records_and_history_as_one_by_one_edits(superuser, existing):
    content = csv_cp932(list_rows(existing))
    with transaction.atomic():
        outcome = import_contractor_file(content, "c.csv", user=superuser)
        bulk = state(outcome.import_record)
        transaction.set_rollback(True)
    session = ImportSession(kind=ImportRecord.Kind.CONTRACTORS, user=superuser, file_name="c.csv")
    plan = plan_contractors(content, "c.csv", session)
    with transaction.atomic(), change_context(source=Source.IMPORT, user=superuser,
                                              actor_name=f"import: {superuser.get_username()}"):
        session.ensure_record()
        for contractor in plan.new + plan.changed:
            contractor.save()
        plan.outcome.save_counts(session.record)
    assert bulk == state(session.record)
    assert len(bulk["history"]) == 2 and bulk["one group"]


# -- errors quote the file, and nothing is written ---------------------------------------------------------

def test_every_error_names_row_and_column_quotes_the_file_and_nothing_is_written(existing):
    rows = [
        ["", "新しい会社", "企業", "韓国", ""],                  # valid, but the file has errors: not written
        [existing["seoul"].pk, "株式会社ソウル代理", "火星人", "韓国", ""],
        ["", "別の会社", "企業", "アトランティス", ""],
        ["", "新しい会社", "企業", "", ""],
        ["99999", "幽霊商事", "企業", "", ""],
        ["x1", "番号違い", "", "", ""],
        ["99999999999999999999", "桁違い", "", "", ""],  # beyond any id the database holds
    ]
    header = ["ID", "名称", "種別", "国・地域", "備考"]
    outcome = import_contractor_file(csv_cp932(rows, header), "c.csv")
    assert [str(problem) for problem in outcome.errors] == [
        "row 3, column 種別: 「火星人」 は種別ではありません。企業、個人、公的機関、派遣先機関、その他 のいずれかを書いてください",
        "row 4, column 国・地域: 国・地域名が分かりません: 'アトランティス'",
        "row 5, column 名称: 「新しい会社」 は 2 行目にもあります。委託先は一度だけ書いてください",
        "row 6, column ID: ID 99999 の委託先はありません",
        "row 7, column ID: 「x1」 は委託先の ID (整数) ではありません",
        "row 8, column ID: 「99999999999999999999」 は委託先の ID (整数) ではありません",
    ]
    assert outcome.import_record is None and ImportRecord.objects.count() == 0
    assert set(Contractor.objects.values_list("name", "kind")) == {("株式会社ソウル代理", "company"),
                                                                  ("日本貿易振興機構", "public_body")}


def test_a_name_of_another_contractor_is_refused_rather_than_merged(existing):
    outcome = import_contractor_file(csv_cp932([[existing["seoul"].pk, "日本貿易振興機構", "", "", ""]]), "c.csv")
    assert [str(p) for p in outcome.errors] == [
        f"row 2, column name: 「日本貿易振興機構」 は別の委託先 (ID {existing['jetro'].pk}) の名称です"]
    assert Contractor.objects.get(pk=existing["seoul"].pk).name == "株式会社ソウル代理"


def test_a_rename_by_id_updates_the_name_and_its_matching_key(existing):
    outcome = import_contractor_file(csv_cp932([[existing["seoul"].pk, "ソウル代理(株)", "", "", ""]],
                                               ["id", "name"]), "c.csv")
    assert not outcome.errors and outcome.updated == 1
    seoul = Contractor.objects.get(pk=existing["seoul"].pk)
    assert (seoul.name, seoul.kind, seoul.country.code) == ("ソウル代理(株)", "company", "KR")
    assert seoul.match_key == "ソウル代理"


def test_the_admin_export_imports_back_as_nothing_to_change(admin_client, existing):
    exported = admin_client.post(reverse("admin:registry_contractor_export"), {
        "format": 0, "resource": 0, **{f"contractorresource_{name}": "on" for name in HEADER}})
    assert exported.status_code == 200
    preview = upload(admin_client, exported.content, "exported.xlsx")
    outcome = preview.context["result"].outcome
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (0, 0, 2, [])
    assert preview.context.get("confirm_form") is None and "変更はありません" in preview.content.decode()


# -- a long list runs as a background job, like the survey and the tie list ---------------------------------

def long_list(existing, count=30):
    return csv_cp932(list_rows(existing) + [["", f"会社{n}", "企業", "韓国", ""] for n in range(count - 3)])


def test_a_long_list_is_previewed_and_applied_by_the_worker_as_the_request_would(admin_client, superuser, existing):
    from django.test import override_settings

    from registry.models import ImportJob
    from tests.sheets.test_import_jobs import follow, run_db_worker

    content = long_list(existing)
    with transaction.atomic(), override_settings(IMPORT_BACKGROUND_ROWS=10_000):
        sync_preview = upload(admin_client, content)
        assert not ImportJob.objects.exists()
        confirm(admin_client, sync_preview)
        expected = state(ImportRecord.objects.get())
        transaction.set_rollback(True)
    assert Contractor.objects.count() == 2 and len(expected["history"]) == 29

    with override_settings(IMPORT_BACKGROUND_ROWS=20):
        started = upload(admin_client, content)
        job = ImportJob.objects.get()
        assert started["Location"] == reverse("admin:registry_contractor_import_job", args=[job.pk])
        assert (job.kind, job.step, job.state, job.user) == ("contractors", "plan", "queued", superuser)
        assert b"<progress" in admin_client.get(started["Location"]).content
        run_db_worker()
        job.refresh_from_db()
        assert (job.state, job.done, job.total) == ("done", 30, 30)  # one progress step per row planned
        assert Contractor.objects.count() == 2 and not ImportRecord.objects.exists()  # a preview writes nothing
        preview = admin_client.get(started["Location"])
        page = preview.content.decode()
        assert "confirm_form" in preview.context
        for shown in ("<del>企業</del>", "<ins>公的機関</ins>", "上海商務諮詢有限公司", "会社26"):
            assert shown in page and shown in sync_preview.content.decode()
        applying = confirm(admin_client, preview)
        apply_job = ImportJob.objects.get(step="apply")
        assert applying["Location"] == reverse("admin:registry_contractor_import_job", args=[apply_job.pk])
        assert Contractor.objects.count() == 2
        run_db_worker()
    apply_job.refresh_from_db()
    assert apply_job.state == "done" and apply_job.done == apply_job.total == 29  # 28 new, 1 changed
    assert state(ImportRecord.objects.get()) == expected
    finished = follow(admin_client, admin_client.get(applying["Location"]))
    assert "新規 28" in finished.content.decode() and Contractor.objects.count() == 30


def test_the_apply_reports_its_progress_a_batch_at_a_time(existing):
    from registry.sheets.engine import Progress

    class Recorded(Progress):
        def __init__(self):
            self.seen = []

        def phase(self, name):
            return lambda done, total: self.seen.append((name, done, total))

    rows = list_rows(existing) + [["", f"会社{n}", "企業", "韓国", ""] for n in range(2499)]
    progress = Recorded()
    outcome = import_contractor_file(csv_cp932(rows), "c.csv", progress=progress)
    assert (outcome.new, outcome.updated) == (2500, 1)
    writing = [(done, total) for name, done, total in progress.seen if name == "writing"]
    assert writing == [(0, 2501), (1000, 2501), (2000, 2501), (2500, 2501), (2501, 2501)]
