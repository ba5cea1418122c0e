"""The last automated accessibility check, as the portal's アクセシビリティ方針 page states it.

The browser tests' crawl (tests/browser/test_accessibility_crawl.py) writes one file per role to
fixtures/accessibility/ with its date, the pages it checked and the violations axe-core found; the page adds them
up. Nothing here is typed by hand: running the crawl again refreshes what the page says.
"""
import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

RESULTS = Path(settings.BASE_DIR) / "fixtures" / "accessibility"


@dataclass(frozen=True)
class Check:
    first: datetime.datetime  # the earliest role's run: the page's results are at least this recent
    last: datetime.datetime
    pages_checked: int
    violations: int
    roles: tuple
    tool: str
    widths: tuple


def last_check(folder=None):
    """The crawl's last results, added up over the roles; None before it ever ran."""
    folder = RESULTS if folder is None else folder
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
    if not runs:
        return None
    dates = [datetime.datetime.fromisoformat(run["date"]) for run in runs]
    return Check(first=min(dates), last=max(dates), pages_checked=sum(run["pages_checked"] for run in runs),
                 violations=sum(run["violations"] for run in runs), roles=tuple(run["role"] for run in runs),
                 tool=runs[0]["tool"], widths=tuple(runs[0]["widths"]))
