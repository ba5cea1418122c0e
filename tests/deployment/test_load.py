"""Issue 16 item 3: the short form of bench/load.py — editors and readers at once against a real server, no errors."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (bench/load.py)

pytestmark = pytest.mark.sqlite_files  # over SQLite files of its own: runs in the SQLite run only


def test_editors_and_readers_at_once_get_no_errors(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the embedded default: SQLite
    report = load.run(load.parse_args(["--editors", "3", "--readers", "3", "--seconds", "12", "--pause", "0.2"]))
    assert report["errors"] == 0, report
    assert report["saves"] >= 1 and report["saved"] == report["saves"], report
    assert report["read"]["count"] >= 1 and report["save"]["p95_ms"] is not None
