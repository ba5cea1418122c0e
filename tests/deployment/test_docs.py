"""Issue 22: the README is a front page, every setting is documented, every link of the docs leads somewhere."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings.py"
HELPERS = {"env_str", "env_flag", "env_int", "env_list", "env_choice"}
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def environment_reads():
    """(name or None, line, through a helper?) for every read of the environment in config/settings.py."""
    tree = ast.parse(SETTINGS.read_text())
    helper_bodies = {id(node) for function in ast.walk(tree)
                     if isinstance(function, ast.FunctionDef) and function.name in HELPERS
                     for node in ast.walk(function)}
    for node in ast.walk(tree):
        if id(node) in helper_bodies:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS:
            yield literal(node.args[0]), node.lineno, True
        elif is_os_environ(node):
            yield None, node.lineno, False


def literal(node):
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), f"line {node.lineno}: name it literally"
    return node.value


def is_os_environ(node):
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
            and node.attr in {"environ", "getenv", "environb"})


def documented_settings():
    text = (ROOT / "docs" / "settings.md").read_text()
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", text, re.MULTILINE))


def test_settings_read_the_environment_only_through_the_strict_helpers():
    bypasses = [line for name, line, helper in environment_reads() if not helper]
    assert bypasses == [], f"config/settings.py reads os.environ directly on lines {bypasses}"


def test_every_variable_the_settings_read_is_in_the_settings_table():
    read = {name for name, _, helper in environment_reads() if helper}
    assert len(read) > 30
    assert sorted(read - documented_settings()) == []


def test_the_readme_is_a_front_page_with_the_two_set_up_commands():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert re.search(r"^#+ .*(Quick start|Set-up)", readme, re.MULTILINE)
    assert "bash bin/serve" in readme and "bash bin/test" in readme


@pytest.mark.parametrize("document", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file(document):
    targets = [target for target in LINK.findall(document.read_text())
               if not re.match(r"[a-z]+:", target) and not target.startswith("#")]
    missing = [target for target in targets if not (document.parent / target.split("#")[0]).exists()]
    assert missing == []


def test_the_docs_tree_covers_each_topic_and_holds_no_run_log():
    expected = ["install", "settings", "operations", "guide-clerk", "guide-coordinator", "guide-supervisor",
                "file-formats", "counting-rules", "publishing", "performance", "architecture"]
    assert [name for name in expected if not (ROOT / "docs" / f"{name}.md").exists()] == []
    assert len(list((ROOT / "docs" / "decisions").glob("*.md"))) >= 5
    run_log = re.compile(r"load average|Latest full run|Full run 20\d\d|Measured 20\d\d|bench/results/\w+-20\d\d")
    assert [str(path.relative_to(ROOT)) for path in DOCS if run_log.search(path.read_text())] == []


def test_the_benchmark_figures_are_rendered_from_the_results():
    done = subprocess.run([sys.executable, "bench/render_results.py"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "| bases: sort by contractor | 250 |" in done.stdout and "| portal trends |" in done.stdout
    assert "bench/render_results.py" in (ROOT / "docs" / "performance.md").read_text()
