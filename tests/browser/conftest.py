"""Browser tests: Debian's Chromium, driven by Playwright, against a real server on 127.0.0.1.

The server is ``manage.py runserver`` on a free port over a fresh copy of a SQLite database prepared
once per run with ``migrate`` and ``setup_demo`` (the demo users and the 2017 survey), so every test
starts from the demo data and may change it freely. Playwright cannot download a browser here: it
launches ``chromium`` from the system (``bin/test`` installs it with apt-get when missing).
The helpers live in ``tests/browser/live.py`` (``bench/screenshots.py`` uses them too).
"""
import os
import shutil

import pytest

from .live import (  # noqa: F401  (the tests import these from here)
    NARROW, ROOT, WIDE, build_demo_database, chromium_executable, launch_chromium, log_in, new_page, running_site,
    server_environment,
)

# Playwright's sync API keeps an event loop in this thread; the other tests' ORM calls must still run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser tests run last, after the fast ones."""
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath).replace(os.sep, "/"))


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A SQLite file with the demo set-up, built once per run."""
    return build_demo_database(tmp_path_factory.mktemp("browser") / "demo.sqlite3")


@pytest.fixture
def live_site(demo_database, tmp_path):
    """A real server on 127.0.0.1 over a fresh copy of the demo database."""
    database = tmp_path / "site.sqlite3"
    shutil.copy(demo_database, database)
    with running_site(database, tmp_path / "server.log") as site:
        yield site


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if chromium_executable() is None:
        pytest.fail("Chromium is missing: apt-get install -y chromium fonts-ipafont-gothic (bin/test does it as root)")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context (Japanese, 1400 px wide); ``page.set_viewport_size(NARROW)`` for phones."""
    page = new_page(chromium)
    yield page
    page.context.close()
