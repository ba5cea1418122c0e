"""Benchmark: the PDF of a published round's list (``registry.survey.printable.round_pdf_bytes``, WeasyPrint) for
rounds of 2,000, 5,000 and 10,000 records: wall and CPU time, pages, size and the peak memory of the process
(the list is laid out ``LIST_CHUNK_ROWS`` rows at a time, reported as ``chunk_rows``).

Each round lives in a throwaway SQLite database of its own (migrated once, copied per size) and is made the way a
clerk makes one: ``bench/imports.py``'s synthetic survey sheet imported (preview + apply), then the round closed
and published. Each PDF is then built in a fresh process, so that its peak memory (``ru_maxrss``) is that build's
and no other's; the process's peak before the build (Django, WeasyPrint and the round's records loaded) is
reported beside it.

Prints one JSON object last and writes it to ``bench/results/pdf.json`` (or ``--output``).

    .venv/bin/python bench/pdf.py [--sizes 2000,5000,10000] [--output bench/results/pdf.json]
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
ROUND = datetime.date(2019, 9, 30)


def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def setup_django(database):
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def migrate(database):
    setup_django(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_local_governments", stdout=open(os.devnull, "w"))


def build_round(database, count):
    """The synthetic sheet of ``count`` bases imported, the round closed and published."""
    setup_django(database)
    from imports import as_text, organizations, synthetic_rows

    from registry.models import SurveyRound
    from registry.survey import lifecycle
    from registry.sheets.session import ImportSession
    from registry.sheets.survey.plan import apply_survey_plan, plan_survey

    content = as_text(synthetic_rows(count, organizations()))
    plan = plan_survey(content, "synthetic.tsv", ImportSession(survey_date=ROUND, file_name="synthetic.tsv"))
    assert not plan.outcome.errors, plan.outcome.report_lines()[:5]
    apply_survey_plan(plan)
    survey_round = SurveyRound.objects.get(reference_date=ROUND)
    lifecycle.close_round(survey_round)
    lifecycle.publish_round(survey_round)


def measure_pdf(database):
    """In this (fresh) process: the list PDF of the published round, timed, with the process's peak memory."""
    setup_django(database)
    import weasyprint  # noqa: F401  (loaded before the baseline, as the worker has it loaded after its first PDF)

    from registry.models import SurveyRound
    from registry.survey.printable import printable_list, round_pdf_bytes

    survey_round = SurveyRound.objects.get(reference_date=ROUND)
    records = len(printable_list(survey_round)["records"])
    before = peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    content = round_pdf_bytes(survey_round)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"records": records, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "chunk_rows": chunk_rows(),
            "pages": page_count(content), "pdf_bytes": len(content), "peak_mb_before_build": before, "peak_mb": peak_mb()}


def chunk_rows():
    from registry.survey import pdf_chunks

    return pdf_chunks.LIST_CHUNK_ROWS


def page_count(content):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def run(step, *arguments):
    """``bench/pdf.py --step ...`` in a fresh process; its last line of output is JSON (or nothing)."""
    output = subprocess.run([sys.executable, __file__, "--step", step, *map(str, arguments)], check=True,
                            capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()
    return json.loads(output[-1]) if output else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,5000,10000", help="comma-separated record counts")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "pdf.json"))
    parser.add_argument("--step", choices=["migrate", "build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("arguments", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "migrate":
        return migrate(args.arguments[0])
    if args.step == "build":
        return build_round(args.arguments[0], int(args.arguments[1]))
    if args.step == "measure":
        return print(json.dumps(measure_pdf(args.arguments[0])))
    results = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "sizes": []}
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as folder:
        empty = Path(folder) / "empty.sqlite3"
        run("migrate", empty)
        for count in [int(size) for size in args.sizes.split(",") if size]:
            database = Path(folder) / f"round-{count}.sqlite3"
            shutil.copy(empty, database)
            started = time.perf_counter()
            run("build", database, count)
            figures = {"rows": count, "round_built_s": round(time.perf_counter() - started, 1),
                       **run("measure", database)}
            results["sizes"].append(figures)
            print(json.dumps(figures), flush=True)
            database.unlink()
    path = Path(args.output)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
