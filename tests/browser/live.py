"""A real server over the demo data, for the browser tests and ``bench/screenshots.py`` alike.

The database is a SQLite file prepared with ``migrate`` and ``setup_demo`` (the demo users, the 2017
survey and the partnership agreements); the server is ``manage.py runserver`` on a free port over it.
Chromium is Debian's (``apt-get install -y chromium fonts-ipafont-gothic``), launched by Playwright
through its ``executable_path``.
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

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-pass-2017"
WIDE = {"width": 1400, "height": 900}
NARROW = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def server_environment(database):
    env = {key: value for key, value in os.environ.items() if key not in {"TEST_DATABASE_NAME"}}
    # Each server's cache beside its database: servers of parallel test workers never read each other's pages.
    env.update(DATABASE_URL=f"sqlite:///{database}", CACHE_DIR=str(Path(database).parent / "cache"), DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost",
               PYTHONUNBUFFERED="1")
    return env


def manage(database, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=server_environment(database), check=True,
                   stdout=subprocess.DEVNULL)


def build_demo_database(database):
    """A SQLite file with the demo set-up."""
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
def running_site(database, log_path, **environment):
    """``runserver`` on 127.0.0.1 over ``database`` until the block ends (extra environment variables allowed)."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
            cwd=ROOT, env={**server_environment(database), **environment}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(Path(log_path).read_text())
                    time.sleep(0.2)
            yield Site(f"http://127.0.0.1:{port}", database)
        finally:
            process.terminate()
            process.wait(timeout=10)


def chromium_executable():
    return shutil.which("chromium")


def launch_chromium(playwright):
    executable = chromium_executable()
    if executable is None:
        raise RuntimeError("Chromium is missing: apt-get install -y chromium fonts-ipafont-gothic")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def new_page(browser, viewport=WIDE):
    context = browser.new_context(viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page, site, username, password=DEMO_PASSWORD):
    """Sign in through the admin's login form, as a user would: the password, then — for a user with a second
    factor (the demo coordinator, supervisor and admin) — the code their authenticator app would show."""
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if "/sign-in/code/" in page.url:
        enter_code(page, totp_code_from(site.database, username))


def enter_code(page, code):
    page.fill("#id_code", code)
    page.click("#code-form input[type=submit]")
    page.wait_for_load_state()


def totp_code_from(database, username):
    """The code the user's authenticator app shows, from the TOTP secret in the site's database (pyotp).

    django-otp takes each period's code once (and one period ahead): a second sign-in within the same 30 s gets
    the next period's code, or waits for it."""
    import base64
    import sqlite3

    import pyotp

    with sqlite3.connect(database) as connection:
        key, step, digits, last_t = connection.execute(
            "SELECT d.key, d.step, d.digits, d.last_t FROM otp_totp_totpdevice d JOIN auth_user u ON u.id = d.user_id"
            " WHERE u.username = ? AND d.confirmed", [username]).fetchone()
    totp = pyotp.TOTP(base64.b32encode(bytes.fromhex(key)).decode(), digits=digits, interval=step)
    period = max(int(time.time()) // step, last_t + 1)
    while period > int(time.time()) // step + 1:
        time.sleep(1)
    return totp.at(period * step)


def horizontal_overflow(page):
    """How many CSS pixels the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
