"""Screenshots of each role's pages at 1400 px and 390 px, in headless Chromium driven by Playwright.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--only NAME ...]

Builds a throw-away SQLite database with the demo data (migrate + setup_demo), serves it with
``runserver``, signs in as each demo user through the login form and photographs every page of
``SCREENS`` (full page) at both widths into ``docs/screenshots/NAME_1400.png`` and ``NAME_390.png``.
Prints one JSON line per picture with the page's sideways overflow in CSS pixels (0 = fits).

Needs Debian's Chromium and a Japanese font (without it Japanese renders as boxes):
    apt-get install -y chromium fonts-ipafont-gothic
The browser tests (tests/browser/test_pages.py) walk the same SCREENS (tests/browser/screens.py).
"""
import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.live import (  # noqa: E402
    NARROW, WIDE, build_demo_database, horizontal_overflow, launch_chromium, log_in, new_page, running_site,
)
from tests.browser.screens import SCREENS, open_screen  # noqa: E402


WIDTHS = {1400: WIDE, 390: NARROW}


def take_all(site, browser, out_dir, only=()):
    for user in dict.fromkeys(screen.user for screen in SCREENS):
        screens = [s for s in SCREENS if s.user == user and (not only or s.name in only)]
        if not screens:
            continue
        page = new_page(browser)
        log_in(page, site, user)
        for screen in screens:
            for width, viewport in WIDTHS.items():
                page.set_viewport_size(viewport)
                open_screen(page, site, screen)
                path = out_dir / f"{screen.name}_{width}.png"
                page.screenshot(path=str(path), full_page=True)
                print(json.dumps({"screenshot": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
                                  "url": page.url.replace(site.url, ""), "overflow_px": horizontal_overflow(page)}))
        page.context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", default=())
    options = parser.parse_args()
    out_dir = Path(options.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temp, sync_playwright() as playwright:
        work_dir = Path(temp)
        database = build_demo_database(work_dir / "screenshots.sqlite3")
        browser = launch_chromium(playwright)
        with running_site(database, work_dir / "server.log") as site:
            take_all(site, browser, out_dir, options.only)
        browser.close()


if __name__ == "__main__":
    main()
