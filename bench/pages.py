"""Benchmark: every staff page and admin list at national scale, as coordinator, supervisor and clerk.

Builds (once, or again with --rebuild) a deterministic PostgreSQL dataset in its own database: all local
governments, 100,000 bases (a clerk of 大阪府 has ~380), 2,000 contractors, two survey rounds (2017-09-30 with
~60 % of the bases, 2019-09-30 with ~71 %) and ~1,290,000 history rows, 300,000 of them in actions of 10,000, 1,000 and
200 entries (bench/history_groups.py). Then requests each page through
Django's test client (DEBUG off) after a warm-up and prints, per role and page, p50/p95 in ms, the first request
after a write of the round figures (which makes the report count again), the number of queries and the response size, as JSON (also written to bench/results/pages[-quick].json). Exports of
10,000 rows are also measured for their memory peak (tracemalloc) against 2,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pages.py [--rebuild]
    DATABASE_URL=… .venv/bin/python bench/pages.py --quick     # 5,000 bases, 3 timed requests: CI-sized

Targets (issue 14): p95 ≤ 250 ms for every page and admin list, the report ≤ 300 ms, CSV of 10,000 rows
≤ 500 ms, xlsx ≤ 2,500 ms, query counts independent of table and page size. Issue 27: every change-log case
(its filters, opening a 10,000-entry action) ≤ 250 ms for each role, the log's first page ≤ 150 KB. The JSON says
which pages miss.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from history_changelog import drop_database, ensure_database, history_insert_sql, point_at_bench_database  # noqa: E402
from history_groups import big_group, grouped_history_sql  # noqa: E402

SEED = 20171001
ROUND_2019 = datetime.date(2019, 9, 30)
ROUND_2017 = datetime.date(2017, 9, 30)
RARE_TERM = "ウランバートル"
CHANGE_LOG_BYTES = 150 * 1024  # the change log's first page at most (issue 27)
# (country, cities) with weights: the survey's real spread, roughly.
PLACES = [
    ("CN", ["上海", "北京", "大連", "広州", "瀋陽", "天津", "成都", "武漢"], 30),
    ("KR", ["ソウル", "釜山", "仁川"], 12),
    ("US", ["ニューヨーク", "ロサンゼルス", "シアトル", "シカゴ", "サンフランシスコ"], 10),
    ("SG", ["シンガポール"], 8),
    ("HK", ["香港"], 6),
    ("TW", ["台北", "高雄"], 6),
    ("TH", ["バンコク"], 5),
    ("VN", ["ホーチミン", "ハノイ"], 5),
    ("FR", ["パリ"], 3),
    ("GB", ["ロンドン"], 3),
    ("DE", ["フランクフルト", "デュッセルドルフ"], 3),
    ("IN", ["ニューデリー", "ムンバイ"], 2),
    ("ID", ["ジャカルタ"], 2),
    ("MY", ["クアラルンプール"], 2),
    ("PH", ["マニラ"], 1),
    ("AU", ["シドニー"], 1),
    ("BR", ["サンパウロ"], 1),
]
FORMS = [("a", 30), ("b", 10), ("c", 50), ("d", 10)]  # ?form=d is the 10,000-row export
WORDS = ["経済交流", "観光プロモーション", "企業支援", "情報収集", "県産品販路開拓", "留学生交流", "投資誘致", "文化交流"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 bases and 3 timed requests (CI)")
    parser.add_argument("--bases", type=int, help="number of bases (default 100,000; 5,000 with --quick)")
    parser.add_argument("--database", help="default bench_pages (bench_pages_quick with --quick)")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--repeat", type=int, help="timed requests per page (default 12; 3 with --quick)")
    parser.add_argument("--only", help="measure only pages whose name contains this text")
    parser.add_argument("--no-memory", action="store_true", help="skip the export memory measurement")
    parser.add_argument("--output", help="JSON file (default bench/results/pages[-quick].json)")
    return parser.parse_args()


def weighted(rng, pairs):
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


def build(base_total):
    from django.core.management import call_command
    from django.db import connection

    from registry.models import Base, Contractor, OperatingForm, Organization

    started = time.perf_counter()
    call_command("load_local_governments", stdout=open(os.devnull, "w"))
    rng = random.Random(SEED)
    contractors = Contractor.objects.bulk_create(  # bench data only: history is written below in SQL
        [Contractor(name=f"株式会社ベンチ委託{n:04d}", match_key=f"ベンチ委託{n:04d}", country=PLACES[n % len(PLACES)][0],
                    kind="host_agency" if n % 5 == 0 else "company") for n in range(2000)],
        batch_size=1000,
    )
    organizations = list(Organization.objects.order_by("code"))
    weights = [8 if organization.kind == "prefecture" else 1 for organization in organizations]
    numbers = {}
    batch = []
    for index in range(base_total):
        organization = rng.choices(organizations, weights=weights)[0]
        numbers[organization.pk] = number = numbers.get(organization.pk, 0) + 1
        places = [weighted(rng, [(place, weight) for *place, weight in PLACES])]
        if rng.random() < 0.08:
            places.append(weighted(rng, [(place, weight) for *place, weight in PLACES]))
        countries = list(dict.fromkeys(code for code, _cities in places))
        cities = list(dict.fromkeys(rng.choice(city_list) for _code, city_list in places))
        if index % 5000 == 17:
            cities = [RARE_TERM]
            countries = ["MN"]
        form = weighted(rng, FORMS)
        contractor = rng.choice(contractors) if form in (OperatingForm.CONTRACTED, OperatingForm.OTHER) else None
        host = rng.choice(contractors) if form == OperatingForm.DISPATCHED else None
        dispatched = rng.randint(0, 3) if form in "ab" else 0
        batch.append(Base(
            organization=organization, number=number, name=f"{organization.name}{cities[0]}事務所",
            countries=countries, cities="、".join(cities), form=form, contractor=contractor, host_agency=host,
            established_fy=rng.randint(1975, 2019), department=rng.choice(["国際課", "観光課", "商工課"]),
            staff_dispatched=dispatched, staff_local=rng.randint(0, 4),
            reason=rng.choice(WORDS), activities="、".join(rng.sample(WORDS, 3)), remarks=rng.choice(["", "", "兼務"]),
        ))
        if len(batch) == 5000:
            Base.objects.bulk_create(batch)
            batch = []
    Base.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        for reference_date, share in ((ROUND_2017, 60), (ROUND_2019, 71)):
            cursor.execute(
                "INSERT INTO registry_surveyround (reference_date, title, notes, status, opened_at, closed_at)"
                " VALUES (%s, '', '', 'closed', %s, %s) RETURNING id",
                [reference_date, reference_date, reference_date + datetime.timedelta(days=60)],
            )
            round_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO registry_baseroundrecord (survey_round_id, base_id, name, countries, cities, form,"
                " contractor_id, established_fy, status, review_state, proposed_closing_reason, staff_dispatched,"
                " staff_local, form_detail, department, reason, activities, url, remarks) SELECT %s, id, name, countries,"
                " cities, form, contractor_id, established_fy, status,"
                " (ARRAY['unchanged','changed','new','not_reviewed','closing'])[1 + id %% 5], '', staff_dispatched,"
                " staff_local, form_detail, department, reason, activities, url, remarks"
                " FROM registry_base WHERE id %% 100 < %s",
                [round_id, share],
            )
        cursor.execute(history_insert_sql(Base, "b", 9, "16 days"))
        organization_copies = max(int(90_000 * base_total / 100_000) // len(organizations), 1)
        cursor.execute(history_insert_sql(Organization, "o", organization_copies, "30 days"))
        cursor.execute(grouped_history_sql(Base))  # actions of 10,000, 1,000 and 200 entries
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would on a live database
    print(f"built {Base.objects.count():,} bases, {Base.history.count() + Organization.history.count():,} history rows"
          f" in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def build_fresh(admin_url, database, base_total, then=None):
    """``build`` (and ``then()``) in a database just created; a failed build drops the database, so that the
    next run builds it again instead of measuring a half-built one."""
    try:
        build(base_total)
        if then is not None:
            then()
    except BaseException:
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, database)
        raise


def users():
    from django.contrib.auth import get_user_model

    from registry.models import Organization
    from registry.core.permissions import Role
    from registry.accounts.roles import grant_role

    osaka = Organization.objects.get(name="大阪府")
    found = {}
    for username, role, organizations in (("bench_coordinator", Role.COORDINATOR, ()),
                                          ("bench_supervisor", Role.SUPERVISOR, ()),
                                          ("bench_clerk", Role.CLERK, (osaka,))):
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            grant_role(user, role, organizations, actor_name="bench")
        found[role] = user
    return found


def signed_in(user):
    """A test client signed in as ``user`` the whole way: for a role that needs a second factor, the session is
    verified by a confirmed TOTP device of the user, as ``django_otp.login`` does after a right code. Without it a
    coordinator's every page answers 302 to the enrolment page and measures nothing."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from registry.accounts import second_factor

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    if second_factor.requires_second_factor(user) or second_factor.has_second_factor(user):
        device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
                  or TOTPDevice.objects.create(user=user, name="bench", confirmed=True))
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def pages():
    """(name, url, target ms). Exports of 10,000 rows filter on form d (10 % of the bases)."""
    survey = f"/survey/{ROUND_2019:%Y-%m-%d}/"
    return [
        ("bases", "/bases/", 250),
        ("bases: rare term", f"/bases/?q={RARE_TERM}", 250),
        ("bases: common term", "/bases/?q=ソウル", 250),
        ("bases: sort by contractor", "/bases/?sort=contractor", 250),
        ("bases: page 5", "/bases/?page=5", 250),
        ("bases: export csv (form d)", "/bases/?form=d&export=csv", 500),
        ("bases: export xlsx (form d)", "/bases/?form=d&export=xlsx", 2500),
        ("contractors: by base count", "/contractors/?sort=-base_count", 250),
        ("contractors", "/contractors/", 250),
        ("agreements", "/agreements/", 250),
        ("survey rounds", "/survey/", 250),
        ("report", survey, 300),
        ("report: compare with 2017", f"{survey}?compare={ROUND_2017:%Y-%m-%d}", 300),
        ("progress", f"{survey}progress/", 250),
        ("change log", "/history/", 250),
        *change_log_pages(),
        ("bases: common word 販路", "/bases/?q=販路", 250),
        ("admin: bases ?q=販路", "/admin/registry/base/?q=販路", 250),
        ("admin: bases", "/admin/registry/base/", 250),
        ("admin: bases ?q=ソウル", "/admin/registry/base/?q=ソウル", 250),
        ("admin: bases ?q=rare term", f"/admin/registry/base/?q={RARE_TERM}", 250),
        ("admin: round figures", "/admin/registry/baseroundrecord/", 250),
        ("admin: contractors", "/admin/registry/contractor/", 250),
        ("admin: organizations", "/admin/registry/organization/", 250),
        ("admin: agreements", "/admin/registry/agreement/", 250),
        ("admin: base autocomplete", "/admin/autocomplete/?app_label=registry&model_name=agreement"
                                     "&field_name=bases&term=ソウル", 250),
    ]


def change_log_pages():
    """The change log's filters, and opening the newest 10,000-entry action (its first page of entries, in place
    and as its own page). The log's first page must also stay ≤ 150 KB (``bytes``)."""
    from urllib.parse import urlencode

    year_ago = datetime.date.today() - datetime.timedelta(days=365)
    group = big_group()
    return [
        ("change log: page 5", "/history/?page=5", 250),
        ("change log: organization 大阪府", "/history/?" + urlencode({"organization": "大阪府"}), 250),
        ("change log: user", "/history/?user=user7", 250),
        ("change log: reason", "/history/?" + urlencode({"reason": "担当者の修正 13"}), 250),
        ("change log: record type", "/history/?record_type=organization", 250),
        ("change log: action delete", "/history/?action=delete", 250),
        ("change log: a month a year ago", f"/history/?date_from={year_ago}"
                                           f"&date_to={year_ago + datetime.timedelta(days=30)}", 250),
        ("change log: open 10,000-entry action", f"/history/action/{group}/", 250),
        ("change log: open 10,000-entry action, page 2", f"/history/action/{group}/?page=2", 250),
        ("change log: 10,000-entry action page", f"/history/?group={group}", 250),
    ]


def consume(response):
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def timed(client, url):
    started = time.perf_counter()
    response = client.get(url)
    size = consume(response)
    return (time.perf_counter() - started) * 1000, response.status_code, size


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def export_memory_peak(client, url):
    tracemalloc.start()
    consume(client.get(url))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 1_048_576, 1)


def measure(repeat, only):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.survey.summary import FIGURES

    results = []
    for role, user in users().items():
        client = signed_in(user)
        for name, url, target in pages():
            if only and only not in name:
                continue
            connection.queries_log.clear()  # a full log (9,000 entries) would count 0 new queries
            with CaptureQueriesContext(connection) as queries:
                _ms, status, size = timed(client, url)  # warm-up, and the query count
            row = {"role": role, "page": name, "url": url, "status": status, "queries": len(queries),
                   "bytes": size, "target_ms": target}
            if status == 200:
                FIGURES.renew()  # as any write of a round record, base or organization does
                row["after_a_change_ms"] = round(timed(client, url)[0], 1)
                timings = [timed(client, url)[0] for _ in range(repeat)]
                row.update(p50_ms=round(statistics.median(timings), 1), p95_ms=round(percentile(timings, 0.95), 1))
                row["meets_target"] = row["p95_ms"] <= target
            results.append(row)
            print(f"{role:12} {name:32} {status} p50 {row.get('p50_ms', '-'):>7} p95 {row.get('p95_ms', '-'):>7}"
                  f" q {row['queries']:3d} {size:>9,} B", file=sys.stderr)
    return results


def memory(users_by_role):
    """Peak Python memory of an export of ~2,000 and of ~10,000 rows: flat means about the same."""
    client = signed_in(users_by_role["coordinator"])
    peaks = {}
    for export_format in ("csv", "xlsx"):
        for query in ("form=d&established_from=2011", "form=d"):
            url = f"/bases/?{query}&export={export_format}"
            peaks[url] = export_memory_peak(client, url)
    return peaks


def main():
    args = parse_args()
    quick = args.quick
    base_total = args.bases or (5_000 if quick else 100_000)
    database = args.database or ("bench_pages_quick" if quick else "bench_pages")
    repeat = args.repeat or (3 if quick else 12)
    admin_url = point_at_bench_database(database)
    created = ensure_database(admin_url, database, args.rebuild)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    call_command("migrate", verbosity=0)
    if created:
        build_fresh(admin_url, database, base_total)
    from registry.models import Base, BaseRoundRecord, Organization
    from registry.core.warmup import warm_up

    warm_up()  # as config/wsgi.py does in every server process before it takes requests

    load_before = os.getloadavg()
    results = measure(repeat, args.only)
    report = {
        # The machine's load (other processes share its 2 cores): figures taken under load are slower.
        "load_average_1_5_15_min": {"before": [round(x, 2) for x in load_before],
                                     "after": [round(x, 2) for x in os.getloadavg()]},
        "cpus": os.cpu_count(),
        "dataset": {
            "database": database,
            "bases": Base.objects.count(),
            "history_rows": Base.history.count() + Organization.history.count(),
            "round_records_2019": BaseRoundRecord.objects.filter(survey_round__reference_date=ROUND_2019).count(),
            "form_d_bases": Base.objects.filter(form="d").count(),
            "history_groups": {"10,000 entries": 10, "1,000 entries": 100, "200 entries": 500},
        },
        "repeat": repeat,
        "note": "after_a_change_ms: the first request after a round record, base or organization was written (the "
                "round counts kept between requests are counted again); p50/p95: the timed requests that follow",
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "pages": results,
        "export_memory_peak_mib": {} if args.only or args.no_memory else memory(users()),
        "missed": [f"{row['role']}: {row['page']}" for row in results if row.get("meets_target") is False]
        + [f"{row['role']}: change log over {CHANGE_LOG_BYTES:,} bytes" for row in results
           if row["page"] == "change log" and row["bytes"] > CHANGE_LOG_BYTES],
        "change_log_first_page_bytes": {row["role"]: row["bytes"] for row in results if row["page"] == "change log"},
    }
    output = Path(args.output) if args.output else HERE / "results" / f"pages{'-quick' if quick else ''}.json"
    write_report(report, output, [(f"{row['role']}: {row['page']}", row["status"]) for row in results])


def write_report(report, output, statuses):
    """The tail every page benchmark shares: write the JSON to ``output``, print it, and exit non-zero when a
    page answered 5xx or redirected (timings depend on the machine; a page that fails is a failure anywhere).

    ``statuses``: (page name, HTTP status) of every request measured.
    """
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    broken = [f"{name} ({status})" for name, status in statuses if status >= 500 or 300 <= status < 400]
    if broken:  # a redirect is the sign-in or enrolment page: the page itself was never measured
        sys.exit("pages answering 5xx or redirecting: " + ", ".join(broken))

if __name__ == "__main__":
    main()
