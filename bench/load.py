"""Load test: N editors saving and M readers browsing for T seconds against a real server on 127.0.0.1.

Builds a demo database (migrate + setup_demo) in a new SQLite file, or in a new PostgreSQL
database when DATABASE_URL points at a PostgreSQL server, starts the production server
(gunicorn, as bin/serve does) over it, and runs:

* editors: each logs in as a clerk of one organization, opens one of its bases and saves
  the remarks, again and again (as people do, with the form they opened);
* readers: each logs in as the supervisor and reads the base list, base pages, their
  history and the change log.

Prints JSON: requests, saves, errors (any 5xx, refused connection, or a save that was
neither saved nor answered with the lost-update message), p50/p95 latency per kind.

    .venv/bin/python bench/load.py --editors 10 --readers 10 --seconds 60
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py ...
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-2017"
CONFLICT_TEXT = "あなたが開いた後に"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds each person waits between requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--database-name", default="bench_load", help="PostgreSQL: the database to (re)create")
    return parser.parse_args(argv)


# --- the server -------------------------------------------------------------------------------------

def server_environment(database_url):
    env = {key: value for key, value in os.environ.items() if key not in {"TEST_DATABASE_NAME"}}
    env.update(DATABASE_URL=database_url, DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def prepare_database(args, workdir):
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgres"):
        import psycopg

        parts = urllib.parse.urlparse(server)
        admin = urllib.parse.urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{args.database_name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{args.database_name}"')
        url, engine = urllib.parse.urlunparse(parts._replace(path=f"/{args.database_name}")), "postgresql"
    else:
        url, engine = f"sqlite:///{workdir / 'load.sqlite3'}", "sqlite"
    env = server_environment(url)
    manage(env, "migrate", "--noinput")
    manage(env, "setup_demo")
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         CREATE_PEOPLE % {"editors": args.editors, "readers": args.readers, "password": PASSWORD}],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    people = json.loads(output.split("PEOPLE ", 1)[1])
    return env, engine, people


# Editors are clerks of distinct organizations holding bases; readers are supervisors.
CREATE_PEOPLE = """
import json
from django.contrib.auth import get_user_model
from registry.models import Base
from registry.accounts.roles import grant_role
organizations = []
for base in Base.objects.order_by("organization__code", "number").select_related("organization"):
    if base.organization not in organizations:
        organizations.append(base.organization)
people = {"editors": [], "readers": []}
users = get_user_model().objects
for index in range(%(editors)d):
    organization = organizations[index %% len(organizations)]
    user = users.create_user(f"load_editor_{index}", password="%(password)s")
    grant_role(user, "clerk", [organization], actor_name="bench")
    base = Base.objects.filter(organization=organization).order_by("number")[index // len(organizations)]
    people["editors"].append([user.username, base.pk])
for index in range(%(readers)d):
    user = users.create_user(f"load_reader_{index}", password="%(password)s")
    grant_role(user, "supervisor", actor_name="bench")
    people["readers"].append([user.username, None])
print("PEOPLE " + json.dumps(people))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env, args, log_path):
    port = free_port()
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(Path(log_path).read_text())
            time.sleep(0.2)


# --- a person at a browser ---------------------------------------------------------------------------

class FormFields(HTMLParser):
    """The values a browser would submit from the page's main form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea, self._in_form = [], None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post" and attrs.get("id") != "logout-form":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append([name, attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and name:
            self._select = [name, None, "multiple" in attrs]
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self.fields.append([self._select[0], attrs.get("value", "")])
            self._select[1] = True
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(self._textarea)
            self._textarea = None


class Person:
    def __init__(self, site, username, results, lock):
        self.site, self.username, self.results, self.lock = site, username, results, lock
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def request(self, kind, path, data=None):
        started = time.monotonic()
        body, status = "", 0
        try:
            request = urllib.request.Request(self.site + path, data=urllib.parse.urlencode(
                [tuple(item) for item in data] if isinstance(data, list) else data).encode()
                                             if data is not None else None,
                                             headers={"Referer": self.site + path})
            with self.opener.open(request, timeout=120) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode("utf-8", "replace")
        except OSError as error:
            body = str(error)
        elapsed = time.monotonic() - started
        with self.lock:
            self.results.append({"kind": kind, "status": status, "seconds": elapsed,
                                 "error": status == 0 or status >= 500, "detail": body[:300] if status >= 500 or
                                 status == 0 else ""})
        return status, body

    def log_in(self):
        _status, page = self.request("login", "/admin/login/")
        data = dict(FormFieldsOf(page))
        data.update(username=self.username, password=PASSWORD, next="/admin/")
        status, _page = self.request("login", "/admin/login/", data)
        if status != 302:
            raise RuntimeError(f"{self.username} could not log in ({status})")


def FormFieldsOf(page):
    parser = FormFields()
    parser.feed(page)
    return parser.fields


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, response, code, message, headers):
        return response


def crash_is_an_error(work):
    """A person whose session breaks (an exception in the script) counts as an error, not a silent stop."""
    def run(site, username, *args):
        try:
            work(site, username, *args)
        except Exception as error:  # noqa: BLE001 - reported in the JSON
            results, lock = args[-3], args[-2]
            with lock:
                results.append({"kind": "crash", "status": 0, "seconds": 0, "error": True,
                                "detail": f"{username}: {error!r}"})
        finally:
            if not getattr(_person, "ready", False):
                READY.release()  # a person who never got going must not hold up the start
    return run


# Everyone logs in first (a deliberately slow password hash); the clock starts when all are in.
READY = threading.Semaphore(0)
_person = threading.local()


def logged_in(person):
    person.log_in()
    _person.ready = True
    READY.release()


@crash_is_an_error
def editor(site, username, base_id, stop, results, lock, pause):
    person = Person(site, username, results, lock)
    logged_in(person)
    url = f"/admin/registry/base/{base_id}/change/"
    count = 0
    while not stop.is_set():
        _status, page = person.request("open", url)
        fields = [field for field in FormFieldsOf(page) if field[0] not in ("remarks", "change_reason")]
        count += 1
        time.sleep(pause)
        fields += [["remarks", f"負荷試験 {username} {count}"], ["change_reason", "負荷試験"], ["_save", "保存"]]
        status, body = person.request("save", url, fields)
        if status != 302 and CONFLICT_TEXT not in body:
            with lock:
                results[-1]["error"] = True
                errors = re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', body, re.S)
                results[-1]["detail"] = f"save answered {status}: {errors[:3]}"
        time.sleep(pause)


READER_PATHS = ["/admin/registry/base/", "/admin/registry/base/?q=%E4%BA%8B%E5%8B%99%E6%89%80", "/history/", "/bases/",
                "/admin/registry/agreement/", "/admin/"]


@crash_is_an_error
def reader(site, username, base_ids, stop, results, lock, pause):
    person = Person(site, username, results, lock)
    logged_in(person)
    index = 0
    while not stop.is_set():
        base_id = base_ids[index % len(base_ids)]
        for path in (READER_PATHS[index % len(READER_PATHS)], f"/admin/registry/base/{base_id}/change/",
                     f"/admin/registry/base/{base_id}/history/"):
            if stop.is_set():
                break
            person.request("read", path)
            time.sleep(pause)
        index += 1


# --- running it -------------------------------------------------------------------------------------

def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(results, args, engine, elapsed):
    def figures(kind=None):
        chosen = [r for r in results if kind is None or r["kind"] == kind]
        times = [r["seconds"] * 1000 for r in chosen]
        return {"count": len(chosen), "errors": sum(r["error"] for r in chosen),
                "p50_ms": round(statistics.median(times), 1) if times else None,
                "p95_ms": round(percentile(times, 0.95), 1) if times else None,
                "max_ms": round(max(times), 1) if times else None}

    saves = [r for r in results if r["kind"] == "save"]
    return {
        "database": engine, "editors": args.editors, "readers": args.readers, "seconds": round(elapsed, 1),
        "server": f"gunicorn {args.workers} workers x {args.threads} threads",
        "requests": len(results), "errors": sum(r["error"] for r in results),
        "saves": len(saves), "saved": sum(r["status"] == 302 for r in saves),
        "all": figures(), "save": figures("save"), "open": figures("open"), "read": figures("read"),
        "error_samples": [r["detail"] for r in results if r["error"]][:5],
    }


def run(args):
    global READY
    READY = threading.Semaphore(0)
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    env, engine, people = prepare_database(args, workdir)
    process, site = start_server(env, args, workdir / "server.log")
    results, lock, stop = [], threading.Lock(), threading.Event()
    try:
        base_ids = [base_id for _name, base_id in people["editors"]] or [1]
        threads = [threading.Thread(target=editor, args=(site, name, base_id, stop, results, lock, args.pause))
                   for name, base_id in people["editors"]]
        threads += [threading.Thread(target=reader, args=(site, name, base_ids, stop, results, lock, args.pause))
                     for name, _none in people["readers"]]
        for thread in threads:
            thread.start()
        for _thread in threads:
            READY.acquire(timeout=300)
        logins = [r for r in results if r["kind"] == "login"]
        started = time.monotonic()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    report = summary(results, args, engine, elapsed)
    report["logins"] = len(logins)
    if report["errors"]:
        report["server_log_tail"] = (workdir / "server.log").read_text()[-3000:]
    shutil.rmtree(workdir, ignore_errors=True)
    return report


def main(argv=None):
    report = run(parse_args(argv))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
