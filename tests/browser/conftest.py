"""Browser tests: Debian's Chromium, driven by Playwright, against a real server on 127.0.0.1.

The server is ``manage.py runserver`` on a free port over a fresh copy of a SQLite database prepared
once per run with ``migrate`` and ``setup_demo`` (the demo users and the 2017 survey), so every test
starts from the demo data and may change it freely. Playwright cannot download a browser here: it
launches ``chromium`` from the system (``bin/test`` installs it with apt-get when missing).
"""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; the other tests' ORM calls must still run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-pass-2017"
WIDE = {"width": 1400, "height": 900}
NARROW = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Browser tests run last, after the fast ones."""
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath).replace(os.sep, "/"))


def server_environment(database):
    env = {key: value for key, value in os.environ.items() if key not in {"TEST_DATABASE_NAME"}}
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost",
               PYTHONUNBUFFERED="1")
    return env


def manage(database, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=server_environment(database), check=True,
                   stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A SQLite file with the demo set-up, built once per run."""
    database = tmp_path_factory.mktemp("browser") / "demo.sqlite3"
    manage(database, "migrate", "--noinput")
    manage(database, "setup_demo")
    return database


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Site:
    url: str
    database: Path

    def manage(self, *args):
        manage(self.database, *args)


@contextlib.contextmanager
def running_server(demo_database, directory, **environment):
    """A real server on 127.0.0.1 over a fresh copy of the demo database (extra environment variables allowed)."""
    database = directory / "site.sqlite3"
    shutil.copy(demo_database, database)
    port = free_port()
    log = open(directory / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT, env={**server_environment(database), **environment}, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((directory / "server.log").read_text())
            time.sleep(0.2)
    try:
        yield Site(f"http://127.0.0.1:{port}", database)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def live_site(demo_database, tmp_path):
    """A real server on 127.0.0.1 over a fresh copy of the demo database."""
    with running_server(demo_database, tmp_path) as site:
        yield site


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: apt-get install -y chromium fonts-ipafont-gothic (bin/test does it as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context (Japanese, 1400 px wide); ``page.set_viewport_size(NARROW)`` for phones."""
    context = chromium.new_context(viewport=WIDE, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, site, username, password=DEMO_PASSWORD):
    """Sign in through the admin's login form, as a user would."""
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
