"""Issue 26 item 3: a worker killed during an apply leaves no lock behind and its job is told as failed.

A real worker process (the job's task run by ``python -c`` against the test database) is stopped mid-apply,
inside its transaction, and then killed with SIGKILL; the next import must be accepted at once (within 60 s)
and the job's page must say that nothing was written. Committed data (a transactional test), so the other
process sees it: on PostgreSQL and on a file SQLite database (TEST_DATABASE_NAME), not the in-memory one.
"""
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from registry.models import Base, ImportJob, ImportLock, ImportRecord
from registry.sheets.engine import ImportBusy
from registry.sheets.survey.importing import import_survey_file
from tests.support.roles import client_for, make_user
from tests.support.sheets import as_text, base_row
from tests.sheets.test_import_jobs import confirm, long_sheet, run_db_worker, upload

ROOT = Path(__file__).resolve().parents[2]

# The worker: runs the apply job's task, and stops for good once the apply has written its rows, before its
# transaction commits (after telling the test so by creating the file ``marker``).
WORKER = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()
from registry.sheets import jobs

write = jobs.JobProgress.write

def write_then_stop(self, name, done, total):
    write(self, name, done, total)
    if name == "writing" and done:
        open(sys.argv[3], "w").close()
        time.sleep(600)

jobs.JobProgress.write = write_then_stop
jobs.run_import_job.call(sys.argv[2])
"""


@pytest.fixture
def coordinator():
    return make_user("coordinator", username="coordinator")


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.django_db(transaction=True)
@override_settings(IMPORT_BACKGROUND_ROWS=20)
def test_a_worker_killed_mid_apply_blocks_no_import_and_its_job_says_nothing_was_written(coordinator, tmp_path):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("another process cannot open the in-memory test database (run with TEST_DATABASE_NAME)")
    client = client_for(coordinator)
    upload(client, long_sheet(60))
    run_db_worker()  # the preview
    preview = client.get(reverse("admin:registry_base_import_job", args=[ImportJob.objects.get().pk]))
    confirm(client, preview)
    job = ImportJob.objects.get(step="apply", state="queued")
    marker = tmp_path / "writing"
    worker = subprocess.Popen([sys.executable, "-c", WORKER, connection.settings_dict["NAME"], str(job.pk),
                               str(marker)], cwd=ROOT, env={**os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE": ""},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(marker.exists, 120), worker.communicate(timeout=5)[0] if worker.poll() is not None else ""
        # While it is alive, it holds the lock: another import is told 取込中です.
        with pytest.raises(ImportBusy, match="取込中です.*coordinator"):
            import_survey_file(as_text([base_row(name="割込み")]), "b.tsv", datetime.date(2019, 9, 30))
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)

    killed_at = time.monotonic()
    accepted = []

    def next_import_accepted():
        try:
            accepted.append(import_survey_file(as_text([base_row(name="次の取込")]), "c.tsv",
                                               datetime.date(2019, 9, 30), user=coordinator))
        except ImportBusy:
            return False
        return True

    assert wait_for(next_import_accepted, 60), "the next import was refused for 60 s after the worker died"
    assert time.monotonic() - killed_at < 60 and accepted[0].new == 1 and not accepted[0].errors
    assert list(Base.objects.values_list("name", flat=True)) == ["次の取込"]  # nothing of the killed apply
    assert ImportRecord.objects.count() == 1 and not ImportLock.objects.exists()

    page = client.get(reverse("admin:registry_base_import_job", args=[job.pk]))
    told = [str(message) for message in page.wsgi_request._messages]
    job.refresh_from_db()
    assert job.state == "failed" and "止まりました" in job.error and "何も書き込まれていません" in job.error
    assert job.error in told and "何も取り込まれませんでした。" in told, told
