"""A long survey file in a real browser: the page shows a progress bar while the background task waits and
runs, then reaches the preview and, after 取り込む, the result — with django-tasks' database worker running
as ``bin/serve`` runs it beside the web server."""
import contextlib
import shutil
import subprocess
import sys
import uuid

import pytest

from .live import ROOT, log_in, running_site, server_environment

pytestmark = pytest.mark.browser

SURVEY_2017 = ROOT / "fixtures" / "clair_overseas_bases_2017-09.tsv"


@contextlib.contextmanager
def tasks_worker(database, environment):
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", environment["IMPORT_TASKS_QUEUE"],
         "--interval", "0.2", "--no-reload", "--no-startup-delay", "--verbosity", "0"],
        cwd=ROOT, env={**server_environment(database), **environment})
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_a_long_file_shows_a_progress_bar_then_its_preview_and_result(demo_database, tmp_path, browser_page):
    database = tmp_path / "site.sqlite3"
    shutil.copy(demo_database, database)
    # The 2017 sheet's 194 rows count as long here, so it takes the background path.
    environment = {"IMPORT_BACKGROUND_ROWS": "50", "IMPORT_TASKS_QUEUE": f"browser-{uuid.uuid4().hex[:8]}"}
    page = browser_page
    with running_site(database, tmp_path / "server.log", **environment) as site:
        log_in(page, site, "coordinator")
        page.goto(f"{site.url}/admin/registry/base/import/")
        page.set_input_files("input[type=file]", str(SURVEY_2017))
        page.fill("input[name=survey_date]", "2018-09-30")
        page.locator("form input[type=submit]").last.click()
        page.wait_for_load_state()
        assert "/import/job/" in page.url
        bar = page.locator("progress.import-job-progress")
        assert bar.is_visible() and "バックグラウンドで処理しています" in page.content()
        assert "ワーカーの開始を待っています" in page.locator(".import-job-phase").inner_text()
        with tasks_worker(database, environment):
            confirm = page.locator("form[action*='process_import'] input[type=submit]")
            confirm.wait_for(timeout=60_000)  # the page moved on by itself once the task finished
            assert "/import/job/" in page.url and page.locator(".import-outcome").is_visible()
            confirm.click()
            page.wait_for_load_state()
            page.locator(".messagelist li").first.wait_for(timeout=60_000)
        assert page.url.endswith("/admin/registry/base/")
        assert "取り込みました" in page.locator(".messagelist").inner_text()
