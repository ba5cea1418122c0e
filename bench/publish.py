"""Benchmark: the public portal, the open data and the API list calls, anonymous, on PostgreSQL.

Reuses the dataset of bench/pages.py (all local governments, N bases, the rounds 2017-09-30 and 2019-09-30,
which this script publishes), then requests each public URL through Django's test client (DEBUG off) after a
warm-up and prints p50/p95 in ms and size as JSON (also bench/results/publish[-quick].json).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/publish.py [--quick]

Target (issue 15): p95 ≤ 100 ms for public pages and API list calls at 100,000 bases and 50 rounds.
This dataset has 2 rounds, not 50: the JSON says so, and which URLs miss at this size.
"""
import argparse
import datetime
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from history_changelog import ensure_database, point_at_bench_database  # noqa: E402
from pages import ROUND_2017, ROUND_2019, build, percentile, timed  # noqa: E402

TARGET_MS = 100


def public_urls():
    day = f"{ROUND_2019:%Y-%m-%d}"
    return [
        ("portal home (map)", "/public/"),
        ("portal bases", "/public/bases/"),
        ("portal bases filtered", "/public/bases/?countries=KR&form=c"),
        ("portal country", "/public/countries/CN/"),
        ("portal organization", "/public/organizations/270008/"),
        ("portal trends", "/public/trends/"),
        ("api bases", f"/api/v1/bases/?round={day}"),
        ("api bases filtered", f"/api/v1/bases/?round={day}&countries=KR&form=c"),
        ("api agreements", "/api/v1/agreements/"),
        ("api organizations", "/api/v1/organizations/"),
        ("api rounds", "/api/v1/rounds/"),
        ("api summary", f"/api/v1/rounds/{day}/summary/"),
        ("open data bases.csv", f"/opendata/{day}/bases.csv"),
    ]


def publish_rounds():
    from registry.history import Source, change_context
    from registry.models import RoundStatus, SurveyRound

    with change_context(source=Source.COMMAND, actor_name="bench/publish.py"):
        for survey_round in SurveyRound.objects.filter(reference_date__in=[ROUND_2017, ROUND_2019]):
            if survey_round.status != RoundStatus.PUBLISHED:
                survey_round.status = RoundStatus.PUBLISHED
                survey_round.save()


def measure(repeat):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    rows = []
    for name, url in public_urls():
        timed(client, url)  # warm-up (and the published-data cache)
        _ms, status, size = timed(client, url)
        times = [timed(client, url)[0] for _ in range(repeat)]
        p95 = percentile(times, 0.95)
        rows.append({"page": name, "url": url, "status": status, "bytes": size,
                     "p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(p95, 1),
                     "meets_target": p95 <= TARGET_MS})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 bases and 5 timed requests")
    parser.add_argument("--bases", type=int)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int)
    args = parser.parse_args()
    base_total = args.bases or (5_000 if args.quick else 100_000)
    database = "bench_pages_quick" if args.quick else "bench_pages"
    repeat = args.repeat or (5 if args.quick else 20)
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
    if created:
        build(base_total)
    publish_rounds()
    from registry.models import Base, SurveyRound

    load_before = os.getloadavg()
    results = measure(repeat)
    report = {
        "load_average_1_5_15_min": {"before": [round(x, 2) for x in load_before],
                                     "after": [round(x, 2) for x in os.getloadavg()]},
        "dataset": {"database": database, "bases": Base.objects.count(),
                    "published_rounds": SurveyRound.objects.published().count(),
                    "note": "2 published rounds, not the 50 of the target"},
        "repeat": repeat,
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "target_p95_ms": TARGET_MS,
        "pages": results,
        "missed": [row["page"] for row in results if not row["meets_target"]],
    }
    output = HERE / "results" / f"publish{'-quick' if args.quick else ''}.json"
    output.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    broken = [f"{row['page']} ({row['status']})" for row in results if row["status"] >= 500]
    if broken:
        sys.exit("public URLs answering 5xx: " + ", ".join(broken))


if __name__ == "__main__":
    main()
