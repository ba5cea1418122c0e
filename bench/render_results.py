"""Print the benchmarks' latest figures as Markdown, read from bench/results/*.json.

    .venv/bin/python bench/render_results.py [--results DIR]

The figures are never copied into the docs by hand: docs/performance.md says to run this. Each section names the
file it read; a missing file is skipped with a line saying so.
"""
import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def table(headings, rows):
    lines = ["| " + " | ".join(headings) + " |", "|" + " --- |" * len(headings)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def step(measure):
    return f"{measure['seconds']:.2f} s ({measure['queries']})"


def latest_full_imports(folder):
    runs = sorted(folder.glob("imports-2*.json"))  # imports-YYYYMMDD-…; the quick runs are imports-quick-…
    return runs[-1] if runs else None


def imports_section(path):
    data = json.loads(path.read_text())
    rows = [["2017 sheet (194)", step(data["real_2017_sheet"]["preview"]), step(data["real_2017_sheet"]["apply"]),
             "—", "—", "—", "—"]] if data.get("real_2017_sheet") else []
    for size in data["sizes"]:
        plain = size.get("plain_import_export")
        rows.append([f"{size['rows']:,}", step(size["first_import"]["preview"]), step(size["first_import"]["apply"]),
                     f"{size['reimport']['total_seconds']:.2f} s", f"{size['bulk_floor']['seconds']:.2f} s",
                     size["ratios"]["apply_vs_floor"],
                     f"{size['ratios']['plain_import_vs_our_apply']}×" if plain else "—"])
    ties = [[f"{run['ties']:,}", step(run["first_import"]["preview"]), step(run["first_import"]["apply"]),
             f"{run['reimport']['total_seconds']:.2f} s", f"{run['bulk_floor']['seconds']:.2f} s"]
            for run in data.get("ties", [])]
    parts = [f"## Imports (`{path.name}`, {data['database']}, started {data.get('started', '?')})",
             table(["rows", "preview (queries)", "apply (queries)", "re-import", "bulk floor", "apply ÷ floor",
                    "plain import ÷ ours"], rows)]
    if ties:
        parts.append(table(["ties", "preview (queries)", "apply (queries)", "re-import", "bulk floor"], ties))
    return "\n\n".join(parts)


def pages_section(path):
    data = json.loads(path.read_text())
    by_page = {}
    for measure in data["pages"]:
        by_page.setdefault((measure["page"], measure["target_ms"]), {})[measure["role"]] = measure
    roles = ["coordinator", "supervisor", "clerk"]
    rows = [[page, target] + [cell(measures.get(role)) for role in roles]
            for (page, target), measures in by_page.items()]
    missed = ", ".join(str(item) for item in data.get("missed", [])) or "none"
    return "\n\n".join([
        f"## Staff pages (`{path.name}`, {data['dataset']['bases']:,} bases, measured {data['when']})",
        "p50 / p95 ms (queries)",
        table(["page", "target ms"] + roles, rows),
        f"Pages missing their target: {missed}. Export memory peaks (MiB): "
        + ", ".join(f"`{url}` {mib}" for url, mib in data.get("export_memory_peak_mib", {}).items()),
    ])


def cell(measure):
    return f"{measure['p50_ms']:.0f} / {measure['p95_ms']:.0f} ({measure['queries']})" if measure else "—"


def publish_section(path):
    data = json.loads(path.read_text())
    rows = [[measure["page"], f"`{measure['url']}`", f"{measure['cold_ms']:.0f} ({measure['cold_queries']})",
             f"{measure['renewed_ms']:.0f} ({measure['renewed_queries']})",
             f"{measure.get('built_ms', 0):.0f} ({measure.get('built_queries', '—')})",
             f"{measure['p50_ms']:.0f} / {measure['p95_ms']:.0f} ({measure['queries']})"]
            for measure in data["pages"]]
    build = data.get("background_build", {})
    return "\n\n".join([
        f"## Public pages and API (`{path.name}`, {data['dataset']['bases']:,} bases, "
        f"{data['dataset']['rounds']} rounds, {data['cache'].rsplit('.', 1)[-1]}, measured {data['when']})",
        "ms (queries); warm target p95 ≤ " + str(data.get("target_p95_ms", "?")) + " ms",
        table(["page", "URL", "cold", "renewed", "built", "warm p50 / p95"], rows),
        f"Background build: {build.get('first_build_s', '?')} s the first time, "
        f"{build.get('build_after_renewal_s', '?')} s after a renewal.",
    ])


def render(folder):
    sections = []
    for path, section in ((latest_full_imports(folder), imports_section), (folder / "pages.json", pages_section),
                          (folder / "publish.json", publish_section)):
        if path is None or not path.exists():
            sections.append(f"(no results for {section.__name__.removesuffix('_section')} in {folder})")
        else:
            sections.append(section(path))
    return "\n\n".join(sections) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    print(render(parser.parse_args().results), end="")


if __name__ == "__main__":
    main()
