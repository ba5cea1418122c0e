"""Benchmark: opening a round and following many bases into it (registry/survey/records.py).

Builds a fresh SQLite file (or uses the PostgreSQL server in DATABASE_URL, database ``bench_rounds``),
loads the local governments, creates N active bases with simple-history's bulk API, then times:

* ``open``: ``lifecycle.open_round`` — one 未確認 line per base, with history;
* ``follow_bulk``: every base changed, then ``record_bases`` over all of them (an import's bulk apply);
* ``follow_one``: one admin-style ``save()`` of a base (the post_save hook), median of 20.

Prints one JSON object (seconds and queries).

    .venv/bin/python bench/rounds_open.py [--bases 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/rounds_open.py
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def point_at_bench_database():
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgres"):
        parts = urlparse(server)
        admin = urlunparse(parts._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS bench_rounds")
            connection.execute("CREATE DATABASE bench_rounds")
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path="/bench_rounds"))
        return "postgresql"
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench_rounds.sqlite3"
    return "sqlite"


def timed(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    return result, round(seconds, 3), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bases", type=int, default=10_000)
    args = parser.parse_args()
    engine = point_at_bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from simple_history.utils import bulk_create_with_history

    from registry.core.history import Source, change_context
    from registry.models import Base, Organization
    from registry.survey import lifecycle
    from registry.survey.records import record_bases

    call_command("migrate", verbosity=0)
    call_command("load_local_governments", stdout=open(os.devnull, "w"))
    organizations = list(Organization.objects.order_by("code")[:200])
    bases = [
        Base(organization=organizations[n % len(organizations)], number=n // len(organizations) + 1,
             name=f"拠点{n}", countries=["CN"], cities="上海", form="c", staff_local=n % 5)
        for n in range(args.bases)
    ]
    with change_context(source=Source.COMMAND, actor_name="bench"):
        bulk_create_with_history(bases, Base, batch_size=1000)
        result, open_seconds, open_queries = timed(
            lambda: lifecycle.open_round(datetime.date(2019, 9, 30), datetime.date(2019, 11, 30)))
        survey_round = result.survey_round
        changed = list(Base.objects.all())
        for base in changed:
            base.staff_local += 1
        _written, bulk_seconds, bulk_queries = timed(lambda: record_bases(survey_round, changed))
        one = Base.objects.first()
        samples = []
        for n in range(20):
            one.staff_dispatched = n + 1
            _none, seconds, one_queries = timed(one.save)
            samples.append(seconds)
    print(json.dumps({
        "engine": engine, "bases": args.bases,
        "open": {"seconds": open_seconds, "queries": open_queries},
        "follow_bulk": {"seconds": bulk_seconds, "queries": bulk_queries},
        "follow_one": {"median_seconds": round(statistics.median(samples), 4), "queries": one_queries},
    }))


if __name__ == "__main__":
    main()
