"""Issue 26, two servers, one registry: two gunicorn servers over one PostgreSQL database, one Redis cache and one
shared folder for the files that outlive a request (docs/production-two-servers.md).

A coordinator signs in through the login form of one server, previews a tie list there and confirms it on the
other; a server killed (SIGKILL, workers and all) while it writes an import leaves none of its rows, and the
upload it was applying is still there for the other server to apply, whole.
"""
import html.parser
import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.models import Agreement, ImportRecord
from registry.core.permissions import Role
from registry.sheets.uploads import UPLOAD_FOLDER
from tests.support.agreement_sheets import as_text, tie_row
from tests.support.roles import PASSWORD, make_user
from tests.support.second_factor import enrol, totp_code

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
CACHE_URL = "redis://127.0.0.1:6379/11"


def reachable(address):
    try:
        socket.create_connection(address, timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),  # what the test writes, the servers read (and the other way round)
    pytest.mark.skipif(not reachable(REDIS), reason="no Redis on 127.0.0.1:6379"),
]


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("two servers share one database server: PostgreSQL (the test database is in memory on SQLite)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    """The test run's database, as the servers reach it."""
    s = connection.settings_dict
    user = urllib.parse.quote(s["USER"] or "")
    password = f":{urllib.parse.quote(s['PASSWORD'])}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Server:
    """gunicorn on a free port of 127.0.0.1, in its own process group (so a kill takes its workers too)."""

    def __init__(self, environment, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--threads", "4", "--timeout", "300"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_ready(self):
        deadline = time.monotonic() + 60
        while not reachable(("127.0.0.1", self.port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(Path(self.log_path).read_text())
            time.sleep(0.2)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def shared_folder(tmp_path):
    return tmp_path / "shared"


@pytest.fixture
def servers(tmp_path, shared_folder):
    """Two servers as two machines would run them: their own processes, the same settings."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("TEST_DATABASE_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_DIR")}
    environment.update(
        DATABASE_URL=database_url(), CACHE_URL=CACHE_URL, FILE_STORAGE_DIR=str(shared_folder),
        SECRET_KEY=f"two-servers-{uuid.uuid4().hex}-{uuid.uuid4().hex}", DEBUG="0", ALLOWED_HOSTS="127.0.0.1",
        IMPORT_BACKGROUND_ROWS="100000",  # every file here is applied by the server's own request
        PYTHONUNBUFFERED="1",
    )
    started = []
    try:
        for name in ("a", "b"):
            started.append(Server(environment, tmp_path / f"server-{name}.log"))
        for server in started:
            server.wait_until_ready()
        yield started
    finally:
        for server in started:
            server.stop()


class FormFields(html.parser.HTMLParser):
    """The fields of the page's form whose action ends with ``action`` ("": a form posting to its page)."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            target = attrs.get("action") or ""
            self.inside = target.endswith(self.action) if self.action else target == ""
        elif tag == "input" and self.inside and attrs.get("name"):
            if attrs.get("type") not in ("radio", "checkbox") or "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(page, action):
    parser = FormFields(action)
    parser.feed(page)
    return parser.fields


class Browser:
    """One user's cookies, sent to both servers (cookies are per host, not per port, as in a browser)."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  NoRedirects())

    def request(self, url, data=None, headers=None, timeout=300):
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def post(self, url, fields, files=None, **kwargs):
        if files is None:
            body = urllib.parse.urlencode(fields).encode()
            return self.request(url, body, {"Content-Type": "application/x-www-form-urlencoded"}, **kwargs)
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        for name, (file_name, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, **kwargs)

    def log_in(self, server, username):
        _status, _headers, page = self.request(f"{server.url}/admin/login/")
        fields = {**form_fields(page, "/admin/login/"), "username": username, "password": PASSWORD}
        status, headers, _page = self.post(f"{server.url}/admin/login/", fields)
        assert status == 302 and "login" not in headers["Location"], _page  # signed in, sent on
        # then the code of the coordinator's app (tests/support/second_factor.py), as a person would type it
        status, _headers, page = self.request(f"{server.url}/sign-in/code/")
        assert status == 200, status
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        status, _headers, page = self.post(f"{server.url}/sign-in/code/",
                                           {**form_fields(page, ""), "code": totp_code(device)})
        assert status == 302, page

    def preview(self, server, content):
        """Upload a tie list on ``server``'s import page; returns the confirm form's fields."""
        _status, _headers, page = self.request(f"{server.url}/admin/registry/agreement/import/")
        fields = {**form_fields(page, ""), "format": "0"}
        fields.pop("import_file", None)
        status, _headers, page = self.post(f"{server.url}/admin/registry/agreement/import/", fields,
                                           files={"import_file": ("ties.tsv", content)})
        assert status == 200
        confirm = form_fields(page, "/admin/registry/agreement/process_import/")
        assert confirm.get("import_file_name"), page[-3000:]
        return confirm

    def confirm(self, server, fields):
        return self.post(f"{server.url}/admin/registry/agreement/process_import/", fields)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def coordinator(db):
    # The servers check passwords with the production hashers, not the tests' fast one.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        user = make_user(Role.COORDINATOR)
        user.set_password(PASSWORD)
        user.save()
    enrol(user)
    return user


def ties(count, prefix="姉妹"):
    return as_text([tie_row(partner=f"{prefix}{index}市", country="中国") for index in range(count)])


def uploads_in(folder):
    path = folder / UPLOAD_FOLDER
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def test_a_preview_on_one_server_is_confirmed_on_the_other(servers, coordinator, shared_folder):
    first, second = servers
    browser = Browser()
    browser.log_in(first, coordinator.username)

    confirm = browser.preview(first, ties(3))
    assert uploads_in(shared_folder) == [confirm["import_file_name"]]  # kept where both servers read it
    status, headers, _page = browser.confirm(second, confirm)

    assert status == 302 and headers["Location"] == "/admin/registry/agreement/"
    assert sorted(Agreement.objects.values_list("partner__name_ja", flat=True)) == ["姉妹0市", "姉妹1市", "姉妹2市"]
    assert ImportRecord.objects.get().user == coordinator
    assert uploads_in(shared_folder) == []  # the confirm removed it, whichever server previewed it


def writing_backend():
    """The pid of a database session inside an uncommitted transaction that has written ties, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO \"registry_%%'")
        for pid, query in cursor.fetchall():
            if "registry_importrecord" not in query and "registry_importlock" not in query:
                return pid
    return None


def wait_for(condition, seconds, step=0.005):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    return None


def backend_gone(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def test_a_server_killed_while_it_applies_an_import_leaves_nothing_half_written(servers, coordinator,
                                                                                shared_folder):
    first, second = servers
    browser = Browser()
    browser.log_in(first, coordinator.username)
    count = 2500
    confirm = browser.preview(first, ties(count))

    answered = []

    def apply_on_first():
        try:
            answered.append(browser.confirm(first, confirm))
        except OSError:  # the server died before answering
            pass

    applying = threading.Thread(target=apply_on_first, daemon=True)
    applying.start()
    backend = wait_for(writing_backend, 120)
    assert backend is not None, "the apply never started writing"
    first.kill()  # mid-write: the server and its workers die, the database rolls their transaction back
    applying.join(timeout=30)
    assert answered == []
    assert wait_for(lambda: backend_gone(backend), 30, step=0.1)

    assert Agreement.objects.count() == 0 and ImportRecord.objects.count() == 0  # none of it, not part of it
    assert Agreement.history.count() == 0
    assert uploads_in(shared_folder) == [confirm["import_file_name"]]  # the file is not lost with its server

    # The dead server's lock ended with its connection: the next import is accepted at once, on the other server.
    status, headers, _page = browser.confirm(second, confirm)  # the same preview, on the server still running

    assert status == 302 and headers["Location"] == "/admin/registry/agreement/"
    assert Agreement.objects.count() == count and ImportRecord.objects.count() == 1
    assert Agreement.history.count() == count
    assert uploads_in(shared_folder) == []
