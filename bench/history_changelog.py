"""Benchmark: the change log page with 1,000,000 history rows in PostgreSQL.

Builds a separate database (``bench_history`` by default, dropped and rebuilt
with --rebuild), fills the historical tables directly with SQL, then renders the
change log (50 entries) unfiltered and with each filter, printing the time and
the number of queries of each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/history_changelog.py [--rows 1000000] [--rebuild]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="bench_history")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def point_at_bench_database(name):
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server")
    parts = urlparse(server)
    os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{name}"))
    return urlunparse(parts._replace(path="/postgres"))


def ensure_database(admin_url, name, rebuild):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            connection.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
        return not exists


def drop_database(admin_url, name):
    """Drop a half-built bench database, so that the next run builds it again instead of reusing it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def history_insert_sql(model, source_alias, copies, spacing):
    """INSERT … SELECT that writes ``copies`` versions of every live row of ``model``."""
    history = model.history.model
    original = {f.attname for f in model._meta.concrete_fields}
    expressions = {
        "history_date": f"now() - g * interval '{spacing}' - {source_alias}.id * interval '7 minutes'",
        "history_type": "CASE WHEN g = {last} THEN '+' WHEN g % 97 = 0 THEN '-' ELSE '~' END",
        "history_change_reason": "'bench change ' || (g % 1000)",
        "change_source": "(ARRAY['admin','import','bulk','command','revert'])[1 + (g % 5)]",
        "actor_name": "'user' || (g % 50)",
        "change_group": "NULL",
        "import_record_id": "NULL",
        "history_user_id": "NULL",
    }
    columns, values = [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(f'"{field.column}"')
        if field.attname in original:
            if field.attname == "name":
                values.append(f"{source_alias}.name || ' v' || g")
            else:
                values.append(f'{source_alias}."{field.column}"')
        else:
            values.append(expressions[field.attname].replace("{last}", str(copies)))
    return (
        f'INSERT INTO "{history._meta.db_table}" ({", ".join(columns)}) '
        f'SELECT {", ".join(values)} FROM "{model._meta.db_table}" {source_alias} '
        f"CROSS JOIN generate_series(1, {copies}) g"
    )


def build(rows):
    from django.core.management import call_command
    from django.db import connection

    from registry.models import Base, Organization

    call_command("migrate", verbosity=0)
    call_command("load_local_governments", stdout=open(os.devnull, "w"))
    organizations = list(Organization.objects.all())
    bases = [
        Base(organization=org, number=n, name=f"拠点{n}", countries=["CN", "US"][: n % 2 + 1], cities="上海",
             form="abcd"[n % 4], established_fy=1990 + n)
        for org in organizations for n in (1, 2)
    ]
    Base.objects.bulk_create(bases, batch_size=1000)  # bench data only: history is written below
    base_count, organization_count = len(bases), len(organizations)
    base_share = int(rows * 0.8)
    base_copies = max(base_share // base_count, 1)
    organization_copies = max((rows - base_copies * base_count) // organization_count, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(history_insert_sql(Base, "b", base_copies, "16 days"))
        cursor.execute(history_insert_sql(Organization, "o", organization_copies, "30 days"))
        cursor.execute("ANALYZE")
    total = Base.history.count() + Organization.history.count()
    print(f"built {total:,} history rows in {time.perf_counter() - started:.1f}s")


def month_ago(days):
    import datetime

    return (datetime.date.today() - datetime.timedelta(days=days)).isoformat()


def measure(repeat):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from registry.models import Base

    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_superuser(
        "bench", "bench@example.jp", "bench-password-long"
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    some_base = Base.objects.order_by("pk")[500]
    cases = {
        "unfiltered, page 1": {},
        "page 20": {"page": 20},
        "organization": {"organization": "大阪府"},
        "record type": {"record_type": "organization"},
        "user": {"user": "user7"},
        "action delete": {"action": "delete"},
        "action revert": {"action": "revert"},
        "date range (a month)": {"date_from": month_ago(400), "date_to": month_ago(370)},
        "date range (all)": {"date_from": "2000-01-01", "date_to": "2100-01-01"},
        "reason text": {"reason": "change 99"},
        "organization + user": {"organization": some_base.organization.code, "user": "user3"},
    }
    print(f"{'case':24} {'median ms':>10} {'max ms':>8} {'queries':>8} {'entries':>8}")
    for label, params in cases.items():
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/history/", params)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        entries = response.content.decode().count('class="history-entry"')
        print(f"{label:24} {statistics.median(timings):10.1f} {max(timings):8.1f} {len(queries):8d} {entries:8d}")


def main():
    args = parse_args()
    admin_url = point_at_bench_database(args.database)
    created = ensure_database(admin_url, args.database, args.rebuild)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if created:
        build(args.rows)
    measure(args.repeat)


if __name__ == "__main__":
    main()
