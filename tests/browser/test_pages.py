"""Every photographed page (tests/browser/screens.py), as its demo user, at 1400 and 390 px in Chromium:
no sideways scrolling of the staff pages on a phone, chart labels of at least 11 px, and no English outside data."""
import sqlite3

import pytest

from tests.support.english_check import data_pattern, english_lines

from .live import NARROW, WIDE, horizontal_overflow, log_in
from .screens import SCREENS, open_screen

pytestmark = pytest.mark.browser

ALLOWED = frozenset({"CSV", "Excel", "xlsx", "PDF", "URL", "ID", "MOU", "No", "OCR", "GeoNames"})  # GeoNames: the gazetteer by name


def stored_texts(database):
    """Every text value in the site's database (names of organizations, users, files...): data, not UI."""
    values = set()
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')
                       if "char" in row[2].lower() or "text" in row[2].lower()]
            for column in columns:
                for (value,) in connection.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                    if isinstance(value, str) and any(c.isascii() and c.isalpha() for c in value):
                        values.add(value)
    return data_pattern(values)


@pytest.mark.parametrize("user", sorted({screen.user for screen in SCREENS}))
def test_pages_fit_a_phone_and_speak_japanese(live_site, browser_page, user):
    log_in(browser_page, live_site, user)
    data = stored_texts(live_site.database)
    problems = []
    for screen in [s for s in SCREENS if s.user == user]:
        for viewport in (WIDE, NARROW):
            browser_page.set_viewport_size(viewport)
            open_screen(browser_page, live_site, screen)
            where = f"{screen.name} at {viewport['width']} px"
            if screen.staff_page and horizontal_overflow(browser_page) > 0:
                problems.append(f"{where}: scrolls sideways by {horizontal_overflow(browser_page)} px")
            smallest = browser_page.evaluate(
                "Math.min(...[...document.querySelectorAll('svg.chart text')]"
                ".map(t => t.getBoundingClientRect().height), 99)")
            if smallest < 11:
                problems.append(f"{where}: chart labels {smallest:.1f} px high")
            problems += [f"{where}: English: {line}" for line in english_lines(browser_page.content(), ALLOWED, data)]
    assert not problems, "\n".join(problems)
