"""Long files run as background tasks: the admin enqueues a job, a real worker runs it, the page polls its
progress; the outcome and the history are those of the synchronous path. Small files stay in the request."""
import datetime
import io
import json
import signal
import uuid

import pytest
import redis
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.core.history import tracked_models
from registry.models import Base, BaseRoundRecord, ImportJob, ImportRecord
from registry.sheets.jobs import JobProgress, runs_in_background
from registry.sheets.reader import estimate_rows
from tests.support.roles import client_for, make_user
from tests.support.sheets import as_text, as_xlsx, base_row
from tests.survey.test_rounds import year  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

ORGANIZATIONS = ["大阪府", "北海道", "京都府"]
REDIS_URL = "redis://127.0.0.1:6379/0"


def long_sheet(count=30, changed=False):
    rows = []
    for index in range(count):
        organization = ORGANIZATIONS[index % len(ORGANIZATIONS)]
        rows.append(base_row(org_no=str(index % len(ORGANIZATIONS) + 1), number=str(index // len(ORGANIZATIONS) + 1),
                             org=organization, name=f"事務所{index}",
                             dept="国際交流課" if changed and index % 3 == 0 else "国際課"))
    return as_text(rows)


def upload(client, content, survey_date="2019-09-30"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("admin:registry_base_import"), {
        "format": 0, "resource": 0, "survey_date": survey_date, "import_file": SimpleUploadedFile("long.tsv", content)})


def confirm(client, preview, conflicts=""):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["conflicts"] = conflicts
    return client.post(reverse("admin:registry_base_process_import"), data)


def run_db_worker():
    """The real django-tasks database worker, in batch mode: runs every waiting task, then returns.

    It runs inside the test's transaction, so, as Django's test client does for requests, its
    ``close_old_connections`` is held off (on PostgreSQL it would close the test's connection mid-transaction).
    The browser test runs the worker as its own process."""
    from django_tasks_db.management.commands import db_worker

    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    closing = db_worker.close_old_connections
    db_worker.close_old_connections = lambda: None
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)
    finally:
        db_worker.close_old_connections = closing
        for number, handler in saved.items():
            signal.signal(number, handler)


def snapshot(record):
    """What an import left: bases, round records and history entries, with the import's number blanked."""
    bases = sorted((b.organization.name, b.number, b.name, b.department, b.staff_dispatched) for b in Base.objects.all())
    rounds = sorted((r.base.name, r.review_state) for r in BaseRoundRecord.objects.select_related("base"))
    history = []
    groups = set()
    for model in tracked_models():
        for entry in model.history.filter(import_record=record):
            history.append((model.__name__, entry.history_type, entry.history_user_id, entry.actor_name,
                            entry.change_source, entry.history_change_reason.replace(f"#{record.pk}", "#N")))
            groups.add(entry.change_group)
    return bases, rounds, sorted(history), len(groups)


def stored_outcome(job):
    """The job's outcome as the database holds it: JSON text (never a pickle), read without the model field."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT outcome FROM registry_importjob WHERE id = %s", [job.pk.hex if
                       connection.vendor == "sqlite" else job.pk])
        raw = cursor.fetchone()[0]
    assert isinstance(raw, str), type(raw)
    return json.loads(raw)


def follow(client, response):
    assert response.status_code == 302
    return client.get(response["Location"])


@pytest.fixture
def coordinator():
    return make_user("coordinator", username="coordinator")


def synchronous_import(client, content, **confirm_options):
    with override_settings(IMPORT_BACKGROUND_ROWS=10_000):
        preview = upload(client, content)
        assert "confirm_form" in preview.context and not ImportJob.objects.exists()
        confirm(client, preview, **confirm_options)
    return preview, ImportRecord.objects.latest("pk")


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_long_file_is_previewed_and_applied_by_the_worker_as_the_request_would(coordinator):
    client = client_for(coordinator)
    content = long_sheet(30)
    with transaction.atomic():
        sync_preview, sync_record = synchronous_import(client, content)
        expected = snapshot(sync_record)
        sync_page = sync_preview.content.decode()
        transaction.set_rollback(True)
    assert not Base.objects.exists() and expected[0] and expected[2]

    started = upload(client, content)
    job = ImportJob.objects.get()
    assert started["Location"] == reverse("admin:registry_base_import_job", args=[job.pk])
    assert (job.step, job.state, job.user, job.options["survey_date"]) == ("plan", "queued", coordinator, "2019-09-30")
    waiting = client.get(started["Location"])
    assert b"<progress" in waiting.content and not Base.objects.exists()

    run_db_worker()
    job.refresh_from_db()
    assert job.state == "done" and job.total == 30 and job.done == 30  # one progress step per row planned
    assert not Base.objects.exists()  # a preview writes nothing
    assert stored_outcome(job)["type"] == "survey" and len(stored_outcome(job)["new_rows"]) == 30
    preview = client.get(started["Location"])
    page = preview.content.decode()
    assert "confirm_form" in preview.context
    for row in ("事務所0", "事務所29", "tsv, utf-8, tab"):
        assert row in page and row in sync_page

    applying = confirm(client, preview)
    apply_job = ImportJob.objects.get(step="apply")
    assert applying["Location"] == reverse("admin:registry_base_import_job", args=[apply_job.pk])
    assert not Base.objects.exists()
    run_db_worker()
    apply_job.refresh_from_db()
    assert apply_job.state == "done" and apply_job.done == apply_job.total > 0
    record = ImportRecord.objects.get()
    assert snapshot(record) == expected
    assert record.user == coordinator and record.file_name == "long.tsv"
    finished = follow(client, client.get(applying["Location"]))
    assert "新規 30" in finished.content.decode()
    again = follow(client, client.get(applying["Location"]))  # the result is reported once
    assert "新規 30" not in again.content.decode()


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_a_job_confirmed_after_the_registry_changed_writes_nothing_and_says_so(coordinator):
    client = client_for(coordinator)
    upload(client, long_sheet(30))
    run_db_worker()
    preview = client.get(reverse("admin:registry_base_import_job", args=[ImportJob.objects.get().pk]))
    with override_settings(IMPORT_BACKGROUND_ROWS=10_000):
        confirm(client, upload(client, long_sheet(30, changed=True)))  # someone else imports first
    before = snapshot(ImportRecord.objects.get())
    applying = confirm(client, preview)
    run_db_worker()
    assert ImportJob.objects.get(step="apply").state == "failed"
    assert ImportRecord.objects.count() == 1 and snapshot(ImportRecord.objects.get()) == before
    page = follow(client, client.get(applying["Location"])).content.decode()
    assert "プレビューの後にファイルまたは登録内容が変わりました" in page and "何も取り込まれませんでした" in page


def test_small_files_stay_in_the_request(coordinator):
    client = client_for(coordinator)
    preview = upload(client, long_sheet(5))
    assert preview.status_code == 200 and "confirm_form" in preview.context
    assert not ImportJob.objects.exists()


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_only_the_user_who_started_a_job_sees_it(coordinator):
    upload(client_for(coordinator), long_sheet(30))
    job = ImportJob.objects.get()
    page = reverse("admin:registry_base_import_job", args=[job.pk])
    progress = reverse("admin:registry_base_import_job_progress", args=[job.pk])
    assert client_for(coordinator).get(progress).json() == {
        "state": "queued", "phase": "ワーカーの開始を待っています", "done": 0, "total": 0, "finished": False}
    other = make_user("coordinator", username="other_coordinator")
    clerk = make_user("clerk", "大阪府")
    for user in (other, clerk):
        assert client_for(user).get(page).status_code == 404
        assert client_for(user).get(progress).status_code in (403, 404)
    from django.test import Client

    anonymous = Client()
    assert anonymous.get(progress).status_code == 403
    assert anonymous.get(page).status_code == 302 and "/login/" in anonymous.get(page)["Location"]
    missing = reverse("admin:registry_base_import_job_progress", args=[uuid.uuid4()])
    assert client_for(coordinator).get(missing).status_code == 404


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_a_file_that_cannot_be_read_fails_the_job_with_its_message(coordinator):
    client = client_for(coordinator)
    started = upload(client, ("a\tb\n" * 40).encode())
    run_db_worker()
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.error
    page = follow(client, client.get(started["Location"])).content.decode()
    assert job.error in page


def test_progress_is_written_at_a_bounded_rate(coordinator):
    job = ImportJob.objects.create(kind="survey", step="plan", user=coordinator, file_name="x", upload_name="x")
    progress = JobProgress(job, interval=60).phase("planning")
    with CaptureQueriesContext(connection) as queries:
        for done in range(1, 10_001):
            progress(done, 10_000)
    job.refresh_from_db()
    assert (job.phase, job.done, job.total) == ("planning", 10_000, 10_000)
    assert len(queries) <= 2  # not one write per row: the last row, and at most one in between


def test_row_estimate_decides_where_an_import_runs():
    rows = [base_row(number=str(n)) for n in range(1, 41)]
    assert estimate_rows(as_text(rows)) >= 40 and estimate_rows(as_xlsx(rows)) >= 40
    with override_settings(IMPORT_BACKGROUND_ROWS=100):
        assert not runs_in_background(as_xlsx(rows)) and not runs_in_background(as_text(rows))
    with override_settings(IMPORT_BACKGROUND_ROWS=30):
        assert runs_in_background(as_xlsx(rows)) and runs_in_background(as_text(rows))


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_the_rq_backend_runs_the_same_job_on_redis(coordinator):
    """TASKS_BACKEND=rq: the job goes through Redis and a real rq worker (burst mode) runs it."""
    from rq import Queue, SimpleWorker
    from django_tasks_rq import Job

    queue_name = f"test-imports-{uuid.uuid4().hex[:8]}"
    tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    connection_ = redis.Redis.from_url(REDIS_URL)
    with override_settings(TASKS=tasks, RQ_QUEUES={queue_name: {"URL": REDIS_URL}}, IMPORT_TASKS_QUEUE=queue_name):
        client = client_for(coordinator)
        started = upload(client, long_sheet(30))
        queue = Queue(queue_name, connection=connection_, job_class=Job)
        try:
            assert queue.count == 1
            worker = SimpleWorker([queue], connection=connection_, job_class=Job)
            saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
            try:
                worker.work(burst=True)
            finally:
                for number, handler in saved.items():
                    signal.signal(number, handler)
            job = ImportJob.objects.get()
            assert job.state == "done" and job.done == job.total == 30
            preview = client.get(started["Location"])
            assert "confirm_form" in preview.context and "事務所29" in preview.content.decode()
        finally:
            queue.delete(delete_jobs=True)


def read_terminal(master):
    import os
    import select

    chunks = []
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunks.append(os.read(master, 65536))
        except OSError:  # Linux: the terminal's other end is closed and everything was read
            break
    return b"".join(chunks).decode()


def test_the_command_draws_a_progress_bar_on_a_terminal_only(tmp_path, coordinator):
    import io
    import os
    import pty

    sheet = tmp_path / "long.tsv"
    sheet.write_bytes(long_sheet(30))
    master, replica = pty.openpty()
    with os.fdopen(replica, "w") as terminal:
        call_command("import_survey", str(sheet), "--survey-date", "2019-09-30", stdout=terminal)
    shown = read_terminal(master)
    os.close(master)
    assert "planning [" + "#" * 30 + "] 30/30" in shown
    assert "writing [" in shown and "new=30" in shown
    plain = io.StringIO()
    call_command("import_survey", str(sheet), "--survey-date", "2019-09-30", "--dry-run", stdout=plain)
    assert "[" not in plain.getvalue() and "\r" not in plain.getvalue() and "new=0" in plain.getvalue()


# -- a job's outcome is stored as plain JSON data, and reads back as the same preview and result -------------

def rendered(outcome):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ja"):
        return render_to_string("admin/registry/import_outcome.html", {"outcome": outcome, "record_label": "拠点"})


def assert_stored_as_shown(outcome):
    from registry.sheets.outcome import outcome_from_data

    data = outcome.as_data()
    assert json.loads(json.dumps(data)) == data  # plain JSON: numbers, text, lists
    back = outcome_from_data(data)
    assert type(back) is type(outcome)
    assert rendered(back) == rendered(outcome)
    assert (back.counts, back.would_change, back.report_lines()) == (
        outcome.counts, outcome.would_change, outcome.report_lines())
    assert back.import_record == outcome.import_record
    return rendered(back)


def test_every_part_of_a_preview_and_a_result_survives_the_json_outcome(year, superuser, organization):
    from registry.core.history import Source, change_context
    from registry.models import Contractor
    from registry.core.permissions import Role
    from registry.survey import lifecycle
    from registry.sheets.contractors import import_contractor_file
    from registry.sheets.survey.importing import import_survey_file
    from tests.sheets.test_contractors_import import csv_cp932
    from tests.survey.test_rounds import THIS_YEAR

    clerk = make_user(Role.CLERK, year.osaka, username="osaka_clerk")
    with change_context(user=clerk, source=Source.ADMIN):
        year.bases[0].staff_local = 6
        year.bases[0].save()
    lifecycle.confirm_unchanged(year.this, [year.bases[1]], clerk)
    rows = [base_row(number="1", form="a", year="", dept="", total="11", dispatched="2", local="9"),
            base_row(number="3", name="釜山事務所", country="韓国", city="釜山", form="a", year="", dept="",
                     total="2", dispatched="1", local="1")]
    preview = import_survey_file(as_text(rows), "r.tsv", THIS_YEAR, user=superuser, dry_run=True)
    assert preview.conflicts and preview.updated_rows and preview.new_rows and preview.missing
    assert preview.warnings and preview.round_writes and not preview.errors
    page = assert_stored_as_shown(preview)
    for shown in ("大阪府 #1 上海事務所", "変更あり", "釜山事務所", "韓国 釜山 / 形態 a / 職員 2", "ソウル事務所"):
        assert shown in page

    undecided = import_survey_file(as_text(rows), "r.tsv", THIS_YEAR, user=superuser)
    assert undecided.errors and "6行目：" in assert_stored_as_shown(undecided)

    applied = import_survey_file(as_text(rows), "r.tsv", THIS_YEAR, user=superuser, conflicts="sheet")
    assert applied.import_record is not None and not applied.errors
    assert_stored_as_shown(applied)

    broken = [base_row(number="1", total="x", dispatched="2", local="9")]
    assert "6行目、「⑧職員数」列：" in assert_stored_as_shown(
        import_survey_file(as_text(broken), "r.tsv", THIS_YEAR, dry_run=True))

    Contractor.objects.create(name="株式会社ソウル代理", kind="company", country="KR")
    contractors = import_contractor_file(csv_cp932([["", "株式会社ソウル代理", "公的機関", "韓国", "代理店"],
                                                    ["", "上海商務諮詢有限公司", "企業", "中国", ""]]), "c.csv",
                                         dry_run=True)
    assert "<del>企業</del>" in assert_stored_as_shown(contractors)


# -- old jobs are pruned; a job a stopped worker left is told as failed --------------------------------------

def aged(job, **age):
    """Backdate a job's last change (``update`` leaves auto_now alone)."""
    from django.utils import timezone

    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - datetime.timedelta(**age))
    return job


def make_job(user, state, **age):
    job = ImportJob.objects.create(kind="survey", step="plan", user=user, file_name="long.tsv", upload_name="x",
                                   state=state, options={"language": "ja"})
    return aged(job, **age)


def test_old_finished_jobs_are_deleted_and_stale_unfinished_ones_fail(coordinator):
    old_done, old_failed = make_job(coordinator, "done", days=8), make_job(coordinator, "failed", days=8)
    recent_done, recent_failed = make_job(coordinator, "done", days=6), make_job(coordinator, "failed", days=6)
    running, stale_running = make_job(coordinator, "running", minutes=5), make_job(coordinator, "running", hours=2)
    queued, stale_queued = make_job(coordinator, "queued", minutes=5), make_job(coordinator, "queued", hours=2)
    out = io.StringIO()
    call_command("prune_import_jobs", stdout=out)
    assert out.getvalue().strip() == "deleted 2 finished import jobs; marked 2 stale import jobs failed"
    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states == {recent_done.pk: "done", recent_failed.pk: "failed", running.pk: "running",
                      stale_running.pk: "failed", queued.pk: "queued", stale_queued.pk: "failed"}
    assert old_done.pk not in states and old_failed.pk not in states
    stale_running.refresh_from_db()
    assert stale_running.error == ("取込が完了しませんでした。バックグラウンドのワーカーが止まったか、起動していません。"
                                   "何も取り込まれていません。もう一度やり直してください。")
    with override_settings(IMPORT_JOB_RETENTION_DAYS=5):
        call_command("prune_import_jobs", stdout=io.StringIO())
    # the jobs just failed are kept as long as any finished job, for their user to read why
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {running.pk, queued.pk, stale_running.pk,
                                                                  stale_queued.pk}
    call_command("prune_import_jobs", "--days", "0", stdout=io.StringIO())
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {running.pk, queued.pk}


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_starting_a_job_prunes_and_a_job_failed_as_stale_is_not_run_later(coordinator):
    client = client_for(coordinator)
    old = make_job(coordinator, "done", days=30)
    started = upload(client, long_sheet(30))
    job = ImportJob.objects.get()  # the old one went when this one started
    assert job.pk != old.pk and job.state == "queued"
    aged(job, hours=2)  # the worker never took it
    upload(client, long_sheet(30))  # the next job's start marks it failed
    job.refresh_from_db()
    assert job.state == "failed" and "ワーカー" in job.error
    page = follow(client, client.get(started["Location"]))
    assert job.error in page.content.decode()
    run_db_worker()  # the worker starts at last: the failed job stays failed, the new one runs
    job.refresh_from_db()
    assert job.state == "failed" and ImportJob.objects.exclude(pk=job.pk).get().state == "done"
    assert not Base.objects.exists()


def test_a_stored_preview_that_only_writes_the_round_still_offers_the_import(coordinator):
    """The same sheet for the next round changes no base, but opens the round and records its lines."""
    from registry.sheets.survey.importing import import_survey_file

    import_survey_file(long_sheet(6), "l.tsv", datetime.date(2019, 9, 30), user=coordinator)
    next_round = import_survey_file(long_sheet(6), "l.tsv", datetime.date(2020, 9, 30), dry_run=True)
    assert next_round.unchanged == 6 and not (next_round.new or next_round.updated or next_round.missing)
    assert next_round.round_writes and next_round.would_change
    assert_stored_as_shown(next_round)


# -- the progress of an apply is seen while its transaction is open --------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_progress_of_an_apply_is_seen_outside_its_transaction_while_it_writes(admin_client):
    """The apply step runs in a thread of its own (its own database connection, one transaction) and stops once,
    between two bulk writes, until the test has looked from its connection — outside that transaction — at what
    the page shows. Committed data (a transactional test): the tables are emptied afterwards."""
    import threading

    from registry.models import Contractor
    from registry.sheets.jobs import JobProgress, run_step

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory test database shares one cache between connections, where a reader is refused a "
                    "table another connection is writing; the file database the app runs on (and PostgreSQL) let it "
                    "read the committed rows, which this test is about (run with TEST_DATABASE_NAME for a file)")
    from tests.sheets.test_contractors_import import confirm as confirm_list
    from tests.sheets.test_contractors_import import long_list
    from tests.sheets.test_contractors_import import upload as upload_list

    existing = {"seoul": Contractor.objects.create(name="株式会社ソウル代理", kind="company", country="KR"),
                "jetro": Contractor.objects.create(name="日本貿易振興機構", kind="public_body", notes="本部")}
    with override_settings(IMPORT_BACKGROUND_ROWS=20):
        upload_list(admin_client, long_list(existing))
        run_db_worker()
        preview = admin_client.get(reverse("admin:registry_contractor_import_job",
                                           args=[ImportJob.objects.get().pk]))
        confirm_list(admin_client, preview)
    job = ImportJob.objects.get(step="apply")
    progress_url = reverse("admin:registry_contractor_import_job_progress", args=[job.pk])
    reached, resume, failures = threading.Event(), threading.Event(), []

    class StopsOnceWhileWriting(JobProgress):
        def write(self, name, done, total):
            super().write(name, done, total)
            if name == "writing" and 0 < done < total and not reached.is_set():
                reached.set()
                resume.wait(60)

    def worker():
        try:
            running = ImportJob.objects.select_related("user").get(pk=job.pk)
            running.state = ImportJob.State.RUNNING
            running.save(update_fields=["state", "updated_at"])
            run_step(running, StopsOnceWhileWriting(running, interval=0))
        except BaseException as error:  # told to the test below
            failures.append(error)
        finally:
            reached.set()
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert reached.wait(60) and not failures
        # The apply's transaction is open: nothing it wrote is seen from here, not even the job's row...
        assert Contractor.objects.count() == 2
        assert ImportJob.objects.filter(pk=job.pk).values_list("phase", "done").get() == ("writing", 0)
        # ...but the page shows how far it got.
        shown = admin_client.get(progress_url).json()
        assert shown == {"state": "running", "phase": "レジストリに書き込んでいます", "done": 28, "total": 29,
                         "finished": False}
        page = admin_client.get(reverse("admin:registry_contractor_import_job", args=[job.pk])).content.decode()
        assert 'value="28" max="29"' in page
    finally:
        resume.set()
        thread.join(60)
    assert not failures
    assert Contractor.objects.count() == 30
    assert admin_client.get(progress_url).json() == {"state": "done", "phase": "完了", "done": 29, "total": 29,
                                                     "finished": True}


@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_a_job_that_fails_after_its_apply_committed_says_the_file_was_imported(coordinator, monkeypatch):
    """A fault injected after the commit (recording the outcome fails): the records stand, and the job must not
    claim that nothing was imported."""
    from registry.sheets.outcome import ImportOutcome

    client = client_for(coordinator)
    upload(client, long_sheet(30))
    run_db_worker()
    preview = client.get(reverse("admin:registry_base_import_job", args=[ImportJob.objects.get().pk]))
    applying = confirm(client, preview)

    def broken(self):
        raise RuntimeError("recording the outcome failed")

    monkeypatch.setattr(ImportOutcome, "as_data", broken)
    run_db_worker()
    job = ImportJob.objects.get(step="apply")
    assert job.state == "failed" and Base.objects.count() == 30 and ImportRecord.objects.count() == 1
    page = follow(client, client.get(applying["Location"])).content.decode()
    assert "ファイルは取り込まれましたが" in page and "何も取り込まれませんでした" not in page
