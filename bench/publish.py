"""Benchmark: the public portal, the open data and the API list calls, anonymous, on PostgreSQL.

Builds (once, or again with --rebuild) its own database with bench/pages.py's ``build`` (all local
governments, N bases, rounds 2017-09-30 and 2019-09-30), then adds published rounds in SQL until there are
``--rounds`` of them (see ``add_rounds`` for their shape) and publishes 2017 and 2019. Each public URL is
requested through Django's test client (DEBUG off, the configured cache backend): once with an empty cache
(cold, with its query count), once after the publication's stamp is renewed (as publishing a round or a
correction renews it), then repeatedly (warm: p50/p95 in ms, queries per request). Then, once for all URLs,
the stamp is renewed again and the background build a publication enqueues (registry/public/publishing_tasks.py) is run
in-process, timed, and every URL is requested once (built: what the first visitor after a publication waits for
once the worker has run). Prints JSON (also bench/results/publish[-quick].json) that names the dataset's bases
and rounds and the URLs missing the target.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/publish.py [--quick]
    CACHE_URL=redis://127.0.0.1:6379/1 DATABASE_URL=… .venv/bin/python bench/publish.py   # the Redis backend

Target (issue 15): p95 ≤ 100 ms for public pages and API list calls at 100,000 bases and 50 rounds.
``--quick`` (5,000 bases, 6 rounds, 3 timed requests) fails only when a URL answers 5xx.
"""
import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from history_changelog import ensure_database, point_at_bench_database  # noqa: E402
from pages import ROUND_2017, ROUND_2019, build_fresh, consume, percentile, write_report  # noqa: E402

TARGET_MS = 100
ROUND_COLUMNS = ("name, countries, cities, form, contractor_id, established_fy, status, review_state,"
                 " proposed_closing_reason, staff_dispatched, staff_local, form_detail, department, reason,"
                 " activities, url, remarks")


def public_urls():
    day = f"{ROUND_2019:%Y-%m-%d}"
    return [
        ("portal home (map)", "/public/"),
        ("portal bases", "/public/bases/"),
        ("portal bases page 20", "/public/bases/?page=20"),
        ("portal bases filtered", "/public/bases/?countries=KR&form=c"),
        ("portal country", "/public/countries/CN/"),
        ("portal organization", "/public/organizations/270008/"),
        ("portal trends", "/public/trends/"),
        ("portal trend csv", "/public/trends/bases-by-country.csv"),
        ("api bases", f"/api/v1/bases/?round={day}"),
        ("api bases all rounds", "/api/v1/bases/"),
        ("api bases filtered", f"/api/v1/bases/?round={day}&countries=KR&form=c"),
        ("api agreements", "/api/v1/agreements/"),
        ("api organizations", "/api/v1/organizations/"),
        ("api rounds", "/api/v1/rounds/"),
        ("api summary", f"/api/v1/rounds/{day}/summary/"),
        ("open data bases.csv", f"/opendata/{day}/bases.csv"),
    ]


def extra_round_dates(count):
    """Reference dates of the rounds added before 2017: 30 September of each year back from 2016."""
    return [datetime.date(2016 - n, 9, 30) for n in reversed(range(count))]


def add_rounds(total):
    """Published rounds up to ``total`` (2017 and 2019 included), written in one INSERT … SELECT.

    Shape: round k of the added ones (oldest first) holds the bases with ``id*37 % 100`` under a share growing
    from 20 % to 60 %, less 2 % that change from round to round (``(id + k) % 50 = 0``), so every round opens
    and closes bases; each record copies its base's row (staff_local shifted by k). Round records get no history
    rows (SQL, as build() writes them): a real round would also have ~70,000 history entries.
    """
    from django.db import connection

    from registry.models import SurveyRound

    existing = set(SurveyRound.objects.values_list("reference_date", flat=True))
    wanted = [day for day in extra_round_dates(max(total - 2, 0)) if day not in existing]
    if not wanted:
        return 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        rounds = []
        for day in wanted:
            cursor.execute(
                "INSERT INTO registry_surveyround (reference_date, title, notes, status, opened_at, closed_at,"
                " published_at) VALUES (%s, '', '', 'published', %s, %s, %s) RETURNING id",
                [day, day, day + datetime.timedelta(days=60), day + datetime.timedelta(days=120)],
            )
            rounds.append(cursor.fetchone()[0])
        last = max(len(rounds) - 1, 1)
        values = ", ".join(f"({round_id}, {k}, {20 + 40 * k // last})" for k, round_id in enumerate(rounds))
        cursor.execute(
            f"INSERT INTO registry_baseroundrecord (survey_round_id, base_id, {ROUND_COLUMNS})"
            f" SELECT r.id, b.id, b.name, b.countries, b.cities, b.form, b.contractor_id, b.established_fy,"
            f" b.status, (ARRAY['unchanged','changed','new','not_reviewed','closing'])[1 + (b.id + r.k) % 5], '',"
            f" b.staff_dispatched, (b.staff_local + r.k) % 5, b.form_detail, b.department, b.reason, b.activities,"
            f" b.url, b.remarks"
            f" FROM registry_base b JOIN (VALUES {values}) AS r(id, k, share)"
            f" ON (b.id * 37) % 100 < r.share AND (b.id + r.k) % 50 <> 0"
        )
        cursor.execute("VACUUM ANALYZE registry_baseroundrecord")
        cursor.execute("VACUUM ANALYZE registry_surveyround")
    print(f"added {len(wanted)} rounds in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return len(wanted)


def publish_rounds():
    from registry.core.history import Source, change_context
    from registry.models import RoundStatus, SurveyRound

    with change_context(source=Source.COMMAND, actor_name="bench/publish.py"):
        for survey_round in SurveyRound.objects.filter(reference_date__in=[ROUND_2017, ROUND_2019]):
            if survey_round.status != RoundStatus.PUBLISHED:
                survey_round.status = RoundStatus.PUBLISHED
                survey_round.published_at = datetime.datetime.combine(
                    survey_round.reference_date + datetime.timedelta(days=120), datetime.time(),
                    tzinfo=datetime.timezone.utc)
                survey_round.save()


def request(client, url):
    """(ms, status, bytes, queries) of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        size = consume(response)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status_code, size, len(queries)


def measure(repeat, only=None):
    from django.core.cache import cache
    from django.test import Client

    from registry.public.publishing import renew_publication

    client = Client(HTTP_HOST="localhost")
    rows = []
    for name, url in public_urls():
        if only and only not in name:
            continue
        cache.clear()
        cold_ms, status, size, cold_queries = request(client, url)
        renew_publication()  # as after a publication or correction: a new stamp, each round's figures still kept
        renewed_ms, _status, _size, renewed_queries = request(client, url)
        _ms, _status, _size, warm_queries = request(client, url)
        times = [request(client, url)[0] for _ in range(repeat)]
        p95 = percentile(times, 0.95)
        rows.append({"page": name, "url": url, "status": status, "bytes": size,
                     "cold_ms": round(cold_ms, 1), "cold_queries": cold_queries,
                     "renewed_ms": round(renewed_ms, 1), "renewed_queries": renewed_queries,
                     "p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
                     "queries": warm_queries, "meets_target": p95 <= TARGET_MS})
        print(f"{name:28} {status} cold {cold_ms:8.1f} ms q {cold_queries:3d} | renewed {renewed_ms:8.1f} ms"
              f" q {renewed_queries:3d} | warm p50 {rows[-1]['p50_ms']:7.1f} p95 {p95:7.1f} q {warm_queries:3d}"
              f" {size:>10,} B", file=sys.stderr)
    return rows


def measure_after_build(only=None):
    """Renew the stamp as a publication does, run the build it enqueues in-process, then request each URL once.

    Two builds: the first finds only what the per-URL measurements left kept (it writes most rounds' open data),
    the second what a publication finds on a running server (each round's own figures kept). Returns
    ({label: seconds}, {page: (ms, queries)}).
    """
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from registry.public.publishing import renew_publication
    from registry.public.publishing_tasks import build_published

    client = Client(HTTP_HOST="localhost")
    client.get("/api/v1/rounds/")  # a test client loads its middleware on its first request; a server has
    builds = {}
    for label in ("first_build_s", "build_after_renewal_s"):
        renew_publication()
        started = time.perf_counter()
        build_published.call()
        builds[label] = round(time.perf_counter() - started, 1)
        print(f"background build ({label}): {builds[label]:.1f} s", file=sys.stderr)
    # The renewals above (and measure()'s) enqueued builds no worker of this bench runs.
    DBTaskResult.objects.filter(task_path=build_published.module_path, status="READY").delete()
    first = {}
    for name, url in public_urls():
        if only and only not in name:
            continue
        ms, _status, _size, queries = request(client, url)
        first[name] = (round(ms, 1), queries)
        print(f"{name:28} after the background build {ms:8.1f} ms q {queries:3d}", file=sys.stderr)
    return builds, first


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 bases, 6 rounds and 3 timed requests (CI)")
    parser.add_argument("--bases", type=int, help="number of bases (default 100,000; 5,000 with --quick)")
    parser.add_argument("--rounds", type=int, help="published rounds (default 50; 6 with --quick)")
    parser.add_argument("--database", help="default bench_publish (bench_publish_quick with --quick)")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--repeat", type=int, help="timed requests per URL (default 20; 3 with --quick)")
    parser.add_argument("--only", help="measure only URLs whose name contains this text")
    parser.add_argument("--output", help="JSON file (default bench/results/publish[-quick].json)")
    args = parser.parse_args()
    base_total = args.bases or (5_000 if args.quick else 100_000)
    round_total = args.rounds or (6 if args.quick else 50)
    database = args.database or ("bench_publish_quick" if args.quick else "bench_publish")
    repeat = args.repeat or (3 if args.quick else 20)
    admin_url = point_at_bench_database(database)
    created = ensure_database(admin_url, database, args.rebuild)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    call_command("migrate", verbosity=0)
    from registry.models import Base, BaseRoundRecord, SurveyRound

    if created:
        build_fresh(admin_url, database, base_total, then=lambda: add_rounds(round_total))
    add_rounds(round_total)
    publish_rounds()

    load_before = os.getloadavg()
    results = measure(repeat, args.only)
    builds, after_build = measure_after_build(args.only)
    for row in results:
        row["built_ms"], row["built_queries"] = after_build[row["page"]]
    report = {
        "load_average_1_5_15_min": {"before": [round(x, 2) for x in load_before],
                                     "after": [round(x, 2) for x in os.getloadavg()]},
        "cache": settings.CACHES["default"]["BACKEND"],
        "dataset": {"database": database, "bases": Base.objects.count(),
                    "rounds": SurveyRound.objects.count(),
                    "published_rounds": SurveyRound.objects.published().count(),
                    "round_records": BaseRoundRecord.objects.count(),
                    "shape": add_rounds.__doc__.split("\n\n", 1)[1].strip().replace("\n    ", " ")},
        "repeat": repeat,
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "target_p95_ms": TARGET_MS,
        "note": "cold: the first request with an empty cache; renewed: the first request after the publication's"
                " stamp was renewed (as a publication or a correction does; each round's own figures are still"
                " kept); warm: the timed requests that follow (queries: of one warm request); built: the first"
                " request after a renewal once the background build it enqueues has run (in-process);"
                " background_build: how long that build took, first with only what the per-URL measurements left"
                " in the cache, then after a renewal",
        "background_build": builds,
        "pages": results,
        "missed": [row["page"] for row in results if not row["meets_target"]],
    }
    output = Path(args.output) if args.output else HERE / "results" / f"publish{'-quick' if args.quick else ''}.json"
    write_report(report, output, [(row["page"], row["status"]) for row in results])


if __name__ == "__main__":
    main()
