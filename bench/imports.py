"""Benchmark: the survey import engine against a plain django-import-export import and the bulk floor.

Deterministic synthetic sheets in the survey's own layout (TSV, CP932 CSV and xlsx) over the real local
governments, on PostgreSQL (a separate database, ``bench_imports`` by default, rebuilt on every run).
Measured in the same run, for each size:

* ours: preview (plan only), apply (first import), re-import of the same file (preview + apply, nothing
  changes), the next round with 10% of the rows changed (preview + apply): seconds and queries;
* the plain ``ModelResource`` with simple-history on the same rows (dry run and import);
* the floor: ``bulk_create`` + simple-history's bulk history of the same bases;
* the process's peak memory;
* the xlsx preview (read + plan) with today's reader (calamine) and with the openpyxl reader it replaced
  (``registry/sheets/reader.py`` as it was before issue 28, loaded from git as in ``bench/sheet_reader.py``):
  the same file in the same process, the two readers taking turns, best of ``--repeat`` runs each, and the ratio;
* the agreement (tie) list: a synthetic list of 5,000 ties in the tie import's own layout (title row, the
  layout's header, dates as clerks write them: ISO, era, Japanese, renewals), measured the same way —
  preview, apply, re-import, 10% changed — against the bulk floor of the same partners and ties.

Prints one JSON object last and writes it to ``bench/results/imports-<time>.json``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/imports.py [--quick]

Only the xlsx preview, side by side (a few minutes): ``--only xlsx-preview --sizes 10000``.
"""
import argparse
import datetime
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
ROUND, NEXT_ROUND = datetime.date(2019, 9, 30), datetime.date(2020, 9, 30)
HEADER = ["団体No", "拠点No", "団体名", "①拠点名", "②拠点設置国・地域", "③拠点都市",
          "④拠点形態 a: 独自事務所 b: 機関等派遣 c: 業務委託 d: その他", "⑤委託先の名称", "⑥設置年度",
          "⑦主管部課名", "⑧職員数", "", "", "⑨設置理由", "⑩主な活動内容", "⑪URL", "⑫備考"]
SUBHEADER = [""] * 10 + ["計(a)+(b) 自動計算", "派遣(a)", "現地(b)"] + [""] * 4
TITLE = "自治体の海外拠点一覧(令和元年9月末現在)"
PLACES = [("中国", "CN", "上海"), ("韓国", "KR", "ソウル"), ("アメリカ", "US", "ニューヨーク"),
          ("シンガポール", "SG", "シンガポール"), ("タイ", "TH", "バンコク"), ("フランス", "FR", "パリ"),
          ("ベトナム", "VN", "ハノイ"), ("ドイツ", "DE", "フランクフルト")]
OLD_READER_COMMIT = "3e98861~1"  # the last reader.py on openpyxl (issue 28 moved workbooks to calamine)
FORMS = ["a 独自事務所", "b 機関等派遣(JETRO)", "c 業務委託", "d その他"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--sizes", default="", help="comma-separated row counts (default 1000,10000,20000)")
    parser.add_argument("--database", default="bench_imports")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain import-export baseline")
    parser.add_argument("--only-ties", action="store_true", help="measure only the agreement (tie) list")
    parser.add_argument("--tie-sizes", default="", help="comma-separated tie counts (default 5000; quick: 500)")
    parser.add_argument("--only", choices=["xlsx-preview"], help="measure only this case (at --sizes)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each reader in the xlsx preview comparison")
    parser.add_argument("--old-commit", default=OLD_READER_COMMIT, help="the commit whose reader.py is openpyxl's")
    return parser.parse_args()


def prepare_database(name):
    from history_changelog import ensure_database, point_at_bench_database

    ensure_database(point_at_bench_database(name), name, rebuild=True)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_local_governments", stdout=open(os.devnull, "w"))


# -- synthetic sheets ---------------------------------------------------------------------------

def organizations():
    from registry.models import Organization

    names = {}
    for organization in Organization.objects.order_by("code"):
        names.setdefault(organization.name, []).append(organization)
    return [group[0] for group in names.values() if len(group) == 1]


def synthetic_rows(count, orgs, changed_every=0):
    """``count`` bases spread over the organizations; every ``changed_every``-th row has new figures."""
    rows = []
    for index in range(count):
        organization = orgs[index % len(orgs)]
        number = index // len(orgs) + 1
        country, _code, city = PLACES[index % len(PLACES)]
        form = FORMS[index % len(FORMS)]
        contractor = f"委託会社{index % 97}" if form.startswith("c") else ""
        dispatched, local = index % 4, index % 3
        department = "国際課"
        if changed_every and index % changed_every == 0:
            dispatched, department = dispatched + 1, "国際交流課"
        rows.append([str(index % 50 + 1), str(number), organization.name, f"{city}事務所{number}", country, city,
                     form, contractor, f"H{index % 30 + 1}", department, str(dispatched + local), str(dispatched),
                     str(local), "経済交流", "情報収集と企業支援", "", ""])
    return rows


def as_text(rows, delimiter="\t", encoding="utf-8"):
    lines = [[""], [TITLE], [""], HEADER, SUBHEADER] + rows
    return ("\n".join(delimiter.join(cells) for cells in lines) + "\n").encode(encoding)


def as_xlsx(rows):
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for line in [[TITLE], [], HEADER, SUBHEADER] + rows:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- measuring --------------------------------------------------------------------------------------

def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(step):
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        value = step()
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "queries": count[0]}, value


def reset():
    from django.db import connection

    from registry.models import (Base, BaseRoundRecord, Contractor, ImportLock, ImportRecord, JointOffice,
                                 RoundCorrection, RoundReminder, RoundResponse, SurveyRound)

    tables = []
    for model in (Base, BaseRoundRecord, Contractor, JointOffice, SurveyRound):
        tables += [model._meta.db_table, model.history.model._meta.db_table]
    tables += [model._meta.db_table for model in (ImportRecord, ImportLock, RoundCorrection, RoundReminder,
                                                  RoundResponse)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def ours(content, file_name, survey_date):
    from registry.sheets.session import ImportSession
    from registry.sheets.survey.plan import apply_survey_plan, plan_survey

    preview, plan = measure(lambda: plan_survey(content, file_name, ImportSession(survey_date=survey_date,
                                                                                  file_name=file_name)))
    assert not plan.outcome.errors, plan.outcome.report_lines()[:5]
    apply, outcome = measure(lambda: apply_survey_plan(plan))
    return {"preview": preview, "apply": apply, "counts": outcome.counts}


def xlsx_preview_side_by_side(rows, repeat, old_commit):
    """The whole xlsx preview (read + plan, no writes) of one file with today's reader and with the old openpyxl
    one swapped in for the plan's ``read_table``: the two take turns (which one goes first alternates), ``repeat``
    runs each; both must plan the same rows. Wall and CPU seconds of the preview and of its read alone (the
    machine is shared: CPU time is the steadier figure), best and median of the runs, and the ratios."""
    import statistics

    from sheet_reader import old_reader

    from registry.sheets import reader
    from registry.sheets.session import ImportSession
    from registry.sheets.survey import plan as survey_plan

    content = as_xlsx(rows)
    readers = {"calamine": reader.read_table, "openpyxl": old_reader(old_commit).read_table}
    runs = {name: [] for name in readers}
    planned = {}

    def timed(step):
        wall, cpu = time.perf_counter(), time.process_time()
        value = step()
        return value, time.perf_counter() - wall, time.process_time() - cpu

    def preview(name):
        read = {}

        def read_table(*arguments):
            table, read["wall"], read["cpu"] = timed(lambda: readers[name](*arguments))
            return table

        survey_plan.read_table = read_table
        try:
            plan, wall, cpu = timed(lambda: survey_plan.plan_survey(
                content, "synthetic.xlsx", ImportSession(survey_date=ROUND, file_name="synthetic.xlsx")))
        finally:
            survey_plan.read_table = reader.read_table
        assert not plan.outcome.errors, plan.outcome.report_lines()[:5]
        runs[name].append({"preview_s": wall, "preview_cpu_s": cpu, "read_s": read["wall"], "read_cpu_s": read["cpu"]})
        planned[name] = (len(plan.outcome.new_rows), plan.outcome.counts)

    for turn in range(repeat):
        for name in (("calamine", "openpyxl") if turn % 2 == 0 else ("openpyxl", "calamine")):
            preview(name)
    assert planned["calamine"] == planned["openpyxl"], planned
    figures = {"rows": len(rows), "xlsx_bytes": len(content), "runs_each": repeat, "old_reader": old_commit}
    for name, measured in runs.items():
        for key in measured[0]:
            values = [run[key] for run in measured]
            figures[f"{name}_{key}"] = {"best": round(min(values), 3), "median": round(statistics.median(values), 3),
                                        "runs": [round(value, 3) for value in values]}
    figures["speedup"] = {key: {kind: round(figures[f"openpyxl_{key}"][kind] / figures[f"calamine_{key}"][kind], 2)
                                for kind in ("best", "median")} for key in ("preview_s", "preview_cpu_s", "read_s")}
    return figures


def plain_resource_class():
    from import_export import resources
    from import_export.fields import Field
    from import_export.widgets import ForeignKeyWidget

    from registry.models import Base, Organization

    class PlainBaseResource(resources.ModelResource):
        organization = Field(attribute="organization", column_name="organization",
                             widget=ForeignKeyWidget(Organization, "name"))

        class Meta:
            model = Base
            fields = ("organization", "number", "name", "countries", "cities", "form", "form_detail",
                      "established_fy", "department", "staff_dispatched", "staff_local", "reason", "activities")
            import_id_fields = ("organization", "number")
            skip_unchanged = True
            use_transactions = True

    return PlainBaseResource


def plain_values(rows):
    codes = {name: code for name, code, _city in PLACES}
    for row in rows:
        yield {"organization": row[2], "number": int(row[1]), "name": row[3], "countries": codes[row[4]],
               "cities": row[5], "form": row[6][0], "form_detail": row[6][1:].strip(),
               "established_fy": 1988 + int(row[8][1:]), "department": row[9], "staff_dispatched": int(row[11]),
               "staff_local": int(row[12]), "reason": row[13], "activities": row[14]}


def baseline(rows):
    import tablib

    resource_class = plain_resource_class()
    values = list(plain_values(rows))
    dataset = tablib.Dataset(headers=list(values[0]))
    for item in values:
        dataset.append(list(item.values()))
    dry, result = measure(lambda: resource_class().import_data(dataset, dry_run=True))
    assert not result.has_errors() and not result.has_validation_errors()
    real, _result = measure(lambda: resource_class().import_data(dataset, dry_run=False))
    reimport, _result = measure(lambda: resource_class().import_data(dataset, dry_run=False))
    return {"dry_run": dry, "import": real, "reimport": reimport}


def bulk_floor(rows):
    """``bulk_create`` + simple-history's bulk history of the same bases (its own API, not ours)."""
    from simple_history.utils import bulk_create_with_history

    from registry.core.history import bulk_history_options
    from registry.models import Base, Organization

    by_name = {o.name: o for o in Organization.objects.all()}

    def write():
        bases = []
        for item in plain_values(rows):
            item["organization"] = by_name[item["organization"]]
            bases.append(Base(**item))
        bulk_create_with_history(bases, Base, batch_size=1000, **bulk_history_options())

    floor, _value = measure(write)
    return floor


def run_size(count, orgs, with_baseline, repeat, old_commit):
    rows = synthetic_rows(count, orgs)
    content = as_text(rows)
    figures = {"rows": count}
    reset()
    figures["xlsx_preview_vs_openpyxl"] = xlsx_preview_side_by_side(rows, repeat, old_commit)
    figures["first_import"] = ours(content, "synthetic.tsv", ROUND)
    again = ours(content, "synthetic.tsv", ROUND)
    figures["reimport"] = {**again, "total_seconds": round(again["preview"]["seconds"] + again["apply"]["seconds"], 3)}
    changed = ours(as_text(synthetic_rows(count, orgs, changed_every=10)), "next.tsv", NEXT_ROUND)
    figures["next_round_10pct_changed"] = changed
    reset()
    figures["cp932_csv_first_import"] = ours(as_text(rows, ",", "cp932"), "synthetic.csv", ROUND)
    reset()
    figures["xlsx_first_import"] = ours(as_xlsx(rows), "synthetic.xlsx", ROUND)
    figures["peak_memory_mb_after_ours"] = peak_mb()
    reset()
    figures["bulk_floor"] = bulk_floor(rows)
    if with_baseline:
        reset()
        figures["plain_import_export"] = baseline(rows)
    return figures


# -- the agreement (tie) list ---------------------------------------------------------------------------

TIE_PLACES = [("中国", "上海市", "Shanghai"), ("韓国", "ソウル特別市", "Seoul"), ("アメリカ合衆国", "ポートランド市", "Portland"),
              ("フランス", "リヨン市", "Lyon"), ("ベトナム", "ホーチミン市", "Ho Chi Minh City"),
              ("ドイツ", "デュッセルドルフ市", "Düsseldorf"), ("ブラジル", "サンパウロ州", "São Paulo"),
              ("オーストラリア", "クイーンズランド州", "Queensland")]
TIE_TYPES = ["姉妹都市", "友好提携", "MOU", "経済交流協定", "その他"]
TIE_DATES = ["S{}.4.1", "平成{}年", "{}年10月"]


def tie_layout():
    from registry.sheets.agreements.layout import COLUMNS

    return [column.label for column in COLUMNS if column.key != "tie"]


def synthetic_ties(count, orgs, changed_every=0):
    """``count`` ties of the organizations with partners shared between them (one partner per 3 ties), each
    tie unique by (organization, partner, type); every ``changed_every``-th tie has new fields and notes."""
    layout = tie_layout()
    partners = max(count // 3, 1)
    rows = []
    for index in range(count):
        organization = orgs[index % len(orgs)]
        partner = index % partners
        country, city, english = TIE_PLACES[partner % len(TIE_PLACES)]
        era = TIE_DATES[index % len(TIE_DATES)]
        year = 30 + index % 30 if era.startswith("S") else (1 + index % 30 if era.startswith("平成") else 1990 + index % 30)
        values = {"団体名": organization.name, "相手先": f"{city}{partner}", "相手先(英語)": f"{english} {partner}",
                  "相手国・地域": country, "提携の種類": TIE_TYPES[(index // len(orgs)) % len(TIE_TYPES)],
                  "提携日": era.format(year), "分野": "経済、観光", "備考": ""}
        if index % 7 == 0:
            values["更新"] = "2005-10-29~2008-10-28; 2008-10-29~2011-10-28"
        if changed_every and index % changed_every == 0:
            values["分野"], values["備考"] = "経済、観光、教育", "更新された提携"
        rows.append([values.get(label, "") for label in layout])
    return rows


def ties_as_text(rows, delimiter="\t", encoding="utf-8"):
    lines = [["友好提携・姉妹都市等一覧"], [""], tie_layout()] + rows
    return ("\n".join(delimiter.join(cells) for cells in lines) + "\n").encode(encoding)


def ties_as_xlsx(rows):
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for line in [["友好提携・姉妹都市等一覧"], [], tie_layout()] + rows:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def reset_ties():
    from django.db import connection

    from registry.models import Agreement, AgreementRenewal, ImportLock, ImportRecord, Partner

    tables = []
    for model in (Partner, Agreement, AgreementRenewal):
        tables += [model._meta.db_table, model.history.model._meta.db_table]
    tables += [ImportRecord._meta.db_table, ImportLock._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def ours_ties(content, file_name):
    from registry.models import ImportRecord
    from registry.sheets.agreements.plan import apply_agreement_plan, plan_agreements
    from registry.sheets.session import ImportSession

    session = ImportSession(kind=ImportRecord.Kind.AGREEMENTS, file_name=file_name)
    preview, plan = measure(lambda: plan_agreements(content, file_name, session))
    assert not plan.outcome.errors, plan.outcome.report_lines()[:5]
    apply, outcome = measure(lambda: apply_agreement_plan(plan))
    return {"preview": preview, "apply": apply, "counts": outcome.counts}


def ties_bulk_floor(count, orgs):
    """The same partners and ties written straight through ``bulk_create`` + simple-history's bulk history."""
    import datetime as dt

    from registry.core.history import write_in_bulk
    from registry.models import Agreement, Partner
    from registry.parsing.countries import country_code
    from registry.parsing.ties import agreement_type

    def write():
        partners = {}
        ties = []
        for index in range(count):
            number = index % max(count // 3, 1)
            country, city, english = TIE_PLACES[number % len(TIE_PLACES)]
            if number not in partners:
                partners[number] = Partner(name_ja=f"{city}{number}", name_en=f"{english} {number}",
                                           country=country_code(country), kind="city")
                partners[number].set_match_keys()
            ties.append(Agreement(organization=orgs[index % len(orgs)], partner=partners[number],
                                  agreement_type=agreement_type(TIE_TYPES[(index // len(orgs)) % len(TIE_TYPES)]),
                                  signed_on=dt.date(1990 + index % 30, 1, 1), signed_precision="year",
                                  fields="経済、観光"))
        write_in_bulk(Partner, list(partners.values()))
        write_in_bulk(Agreement, ties)

    floor, _value = measure(write)
    return floor


def run_ties(count, orgs):
    rows = synthetic_ties(count, orgs)
    content = ties_as_text(rows)
    figures = {"ties": count}
    reset_ties()
    figures["first_import"] = ours_ties(content, "ties.tsv")
    again = ours_ties(content, "ties.tsv")
    figures["reimport"] = {**again, "total_seconds": round(again["preview"]["seconds"] + again["apply"]["seconds"], 3)}
    figures["10pct_changed"] = ours_ties(ties_as_text(synthetic_ties(count, orgs, changed_every=10)), "ties2.tsv")
    reset_ties()
    figures["xlsx_first_import"] = ours_ties(ties_as_xlsx(rows), "ties.xlsx")
    reset_ties()
    figures["bulk_floor"] = ties_bulk_floor(count, orgs)
    first = figures["first_import"]
    figures["ratios"] = {"apply_vs_floor": round(first["apply"]["seconds"] / max(figures["bulk_floor"]["seconds"], 1e-6), 2)}
    return figures


def real_sheet():
    from django.conf import settings

    reset()
    content = (Path(settings.BASE_DIR) / "fixtures" / "clair_overseas_bases_2017-09.tsv").read_bytes()
    return ours(content, "clair_overseas_bases_2017-09.tsv", datetime.date(2017, 9, 30))


def ratios(figures):
    first = figures["first_import"]
    out = {"apply_vs_floor": round(first["apply"]["seconds"] / max(figures["bulk_floor"]["seconds"], 1e-6), 2)}
    plain = figures.get("plain_import_export")
    if plain:
        out["plain_dry_run_vs_our_preview"] = round(plain["dry_run"]["seconds"] / first["preview"]["seconds"], 1)
        out["plain_import_vs_our_apply"] = round(plain["import"]["seconds"] / first["apply"]["seconds"], 1)
    return out


def main():
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.only is None:
        sizes = sizes or ([500, 2000] if args.quick else [1000, 10000, 20000])
    prepare_database(args.database)
    setup_django()
    from django.db import connection

    orgs = organizations()
    results = {"database": connection.vendor, "quick": args.quick, "sizes": [], "started": datetime.datetime.now(
        datetime.timezone.utc).isoformat(timespec="seconds")}
    if args.only == "xlsx-preview":
        return only_xlsx_preview(args, sizes or [10000], orgs, results)
    if args.only_ties:
        sizes = []
    else:
        results["real_2017_sheet"] = real_sheet()
    for count in sizes:
        figures = run_size(count, orgs, not args.no_baseline, args.repeat, args.old_commit)
        figures["ratios"] = ratios(figures)
        results["sizes"].append(figures)
        print(json.dumps({"rows": count, **figures["ratios"], "preview_s": figures["first_import"]["preview"]["seconds"],
                          "apply_s": figures["first_import"]["apply"]["seconds"]}, ensure_ascii=False), flush=True)
    results["ties"] = []
    for count in [int(s) for s in args.tie_sizes.split(",") if s] or ([500] if args.quick else [5000]):
        figures = run_ties(count, orgs)
        results["ties"].append(figures)
        print(json.dumps({"ties": count, **figures["ratios"], "preview_s": figures["first_import"]["preview"]["seconds"],
                          "apply_s": figures["first_import"]["apply"]["seconds"],
                          "preview_queries": figures["first_import"]["preview"]["queries"],
                          "apply_queries": figures["first_import"]["apply"]["queries"]}, ensure_ascii=False), flush=True)
    write_results(results, "quick" if args.quick else "")


def only_xlsx_preview(args, sizes, orgs, results):
    reset()
    results["xlsx_preview_vs_openpyxl"] = [xlsx_preview_side_by_side(synthetic_rows(count, orgs), args.repeat,
                                                                     args.old_commit) for count in sizes]
    write_results(results, "xlsx-preview")


def write_results(results, label):
    results["peak_memory_mb"] = peak_mb()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"imports-{label + '-' if label else ''}{stamp}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    results["written_to"] = str(path.relative_to(ROOT))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
