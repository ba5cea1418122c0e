"""Benchmark: the admin base form, first load in a fresh process and then warm, over the demo database.

    .venv/bin/python bench/admin_form.py [--database var/bench_admin_form.sqlite3] [--repeat 5]

Builds the demo database once (migrate + setup_demo) if the file is missing, then in a new Python process
that loads the application as the server does (``config.wsgi``, with its warm-up), signs in as the demo
coordinator and times GET /admin/registry/base/<id>/change/ the first time and ``--repeat`` more times, with
the number of queries. Prints one JSON line.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, os, sys, time
sys.path.insert(0, os.environ["ROOT"])
import config.wsgi  # what the server loads before it accepts requests (with its warm-up)
from django.conf import settings
settings.ALLOWED_HOSTS = ["*"]
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from registry.models import Base

client = Client()
client.handler.load_middleware()  # as get_wsgi_application() does when the server starts
client.force_login(get_user_model().objects.get(username="coordinator"))
url = f"/admin/registry/base/{Base.objects.order_by('pk').first().pk}/change/"
timings, queries = [], []
for _ in range(1 + int(os.environ["REPEAT"])):
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
    assert response.status_code == 200, response.status_code
    queries.append(len(captured))
print(json.dumps({"url": url, "first_ms": round(timings[0] * 1000), "warm_ms": round(min(timings[1:]) * 1000),
                  "first_queries": queries[0], "warm_queries": queries[-1]}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=str(ROOT / "var" / "bench_admin_form.sqlite3"))
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.browser.live import build_demo_database, server_environment

    database = Path(options.database)
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        build_demo_database(database)
    env = {**server_environment(database), "ROOT": str(ROOT), "REPEAT": str(options.repeat),
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", MEASURE], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr)
    print(result.stdout.strip())


if __name__ == "__main__":
    main()
