"""Issue 26 item 4: the server's two processes (bin/serve-processes, started by bin/serve) stop together —
a worker that dies takes gunicorn with it, gunicorn that dies takes the worker, and a signal stops both."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_files  # over SQLite files of its own: runs in the SQLite run only

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """A migrated SQLite database of its own, a cache and a key in a temporary folder."""
    folder = tmp_path_factory.mktemp("serve")
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "TEST_DATABASE_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE", "TASKS_BACKEND")}
    env.update({"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "CACHE_DIR": str(folder / "cache"),
                "SECRET_KEY_FILE": str(folder / "secret_key"), "WEB_CONCURRENCY": "1", "WEB_THREADS": "1"})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return env


def children(pid):
    """{pid: command line} of the processes whose parent is ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.fixture
def served(environment):
    """bin/serve-processes on a free port, once gunicorn answers: (script, gunicorn's pid, the worker's pid)."""
    port = free_port()
    script = subprocess.Popen(["bash", "bin/serve-processes"], cwd=ROOT,
                              env={**environment, "ADDRESS": f"127.0.0.1:{port}"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while answers(port) is None:
            assert time.monotonic() < deadline and script.poll() is None, "the server did not start"
            time.sleep(0.2)
        processes = children(script.pid)
        web = next(pid for pid, command in processes.items() if "gunicorn" in command)
        worker = next(pid for pid, command in processes.items() if "db_worker" in command)
        yield script, web, worker, port
    finally:
        for pid in children(script.pid):
            os.kill(pid, signal.SIGKILL)
        if script.poll() is None:
            script.kill()
        script.wait(10)


def stopped_within(seconds, *pids):
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_worker_that_dies_stops_gunicorn(served):
    script, web, worker, port = served
    os.kill(worker, signal.SIGKILL)
    assert stopped_within(10, web), "gunicorn still runs without its worker"
    assert script.wait(10) != 0 and answers(port) is None


def test_gunicorn_that_dies_stops_the_worker(served):
    script, web, worker, _port = served
    os.kill(web, signal.SIGKILL)
    assert stopped_within(15, worker), "the worker still runs without gunicorn"
    assert script.wait(10) != 0


def test_a_signal_to_the_script_stops_both(served):
    script, web, worker, port = served
    script.send_signal(signal.SIGTERM)
    assert stopped_within(15, web, worker)
    script.wait(10)
    assert answers(port) is None
