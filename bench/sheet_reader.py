"""The reader alone on a generated 10,000-row survey xlsx: openpyxl (the reader before issue 28, taken from git)
against calamine (today's), side by side in one run. Prints JSON.

    .venv/bin/python bench/sheet_reader.py [--rows 10000] [--repeat 3] [--old-commit 3e98861~1]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time
import types

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def old_reader(commit):
    """reader.py as it was at ``commit`` (openpyxl), loaded as a module of its own."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:registry/sheets/reader.py"],
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("old_reader")
    exec(compile(source, "old_reader.py", "exec"), module.__dict__)
    return module


def best_of(repeat, read, content):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(read(content, "bench.xlsx").rows)
        times.append(time.perf_counter() - started)
    return min(times), rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old-commit", default="3e98861~1")
    options = parser.parse_args()
    import django

    django.setup()
    from registry.sheets.reader import read_table
    from tests.support.sheets import as_xlsx, base_row

    content = as_xlsx([base_row(number=str(n), name=f"事務所{n}") for n in range(1, options.rows + 1)])
    old_seconds, old_rows = best_of(options.repeat, old_reader(options.old_commit).read_table, content)
    new_seconds, new_rows = best_of(options.repeat, read_table, content)
    assert old_rows == new_rows
    print(json.dumps({"rows": options.rows, "xlsx_bytes": len(content), "openpyxl_s": round(old_seconds, 3),
                      "calamine_s": round(new_seconds, 3), "speedup": round(old_seconds / new_seconds, 2)}))


if __name__ == "__main__":
    main()
