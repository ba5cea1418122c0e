"""The accessibility crawl (issue 25): every page of the permission matrix, as every role and anonymously.

Each page the matrix lets a role read (tests/browser/crawl_urls.py lists them, over the demo data) is opened
in Chromium at 1400 and 390 px and checked with axe-core for WCAG 2.0 A and AA (the rules JIS X 8341-3:2016
level AA matches: axe's ``wcag2a`` and ``wcag2aa`` tags); at 390 px and at 700 px (1400 px at 200 % zoom) no
page may be wider than the window. One server and one browser context per role serve the whole crawl.
Each role's run writes its date and result to fixtures/accessibility/<role>.json, which the portal's
アクセシビリティ方針 page shows (commit them after running the crawl).
"""
import datetime
import json
import shutil
import subprocess
import sys
import time

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from .live import NARROW, ROOT, WIDE, log_in, new_page, running_site, server_environment

# Like every browser test, the crawl's server runs over a SQLite copy of the demo whatever the suite's database:
# .ci/run runs it in the SQLite run only (tests/conftest.py).
pytestmark = pytest.mark.browser

ZOOMED = {"width": 700, "height": 450}  # 1400 × 900 at 200 %
RULES = ["wcag2a", "wcag2aa"]
# preload: axe fetches every style sheet again for the rules that read the CSS object model, and none of those is
# a wcag2a/wcag2aa rule (css-orientation-lock is WCAG 2.1): 20 % of axe's time for nothing.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": RULES}, "resultTypes": ["violations"], "preload": False}
RESULTS = ROOT / "fixtures" / "accessibility"  # one file per role: fixtures/accessibility/<role>.json
AXE_VERSION = AXE_SCRIPT[AXE_SCRIPT.index("axe v") + 5:].split()[0]
# The roles, the longest crawl first (the parallel workers share the work out better so).
ROLE_NAMES = {"root": "システム管理者", "coord": "調査取りまとめ", "super": "監督者", "osaka": "担当者（大阪府）",
              "anon": "未ログイン"}


@pytest.fixture(scope="module")
def crawl(demo_database, tmp_path_factory):
    """The crawl's server, over a copy of the demo database, and the pages to visit."""
    folder = tmp_path_factory.mktemp("crawl")
    database = folder / "site.sqlite3"
    shutil.copy(demo_database, database)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", "from tests.browser.crawl_urls import main; main()"],
                   cwd=ROOT, env={**server_environment(database), "CRAWL_URLS_OUT": str(folder / "urls.json")},
                   check=True, stdout=subprocess.DEVNULL)
    pages = json.loads((folder / "urls.json").read_text())
    with running_site(database, folder / "server.log") as site:
        yield site, pages


def axe_violations(page):
    """axe-core's WCAG 2.0 A/AA violations on the page as it is now (axe is loaded with each page: see crawl_page)."""
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [f"{rule['id']} ({rule['impact']}): {node['target']} {node['failureSummary'][:160]!r}"
            for rule in result["violations"] for node in rule["nodes"]]


def crawl_page(chromium):
    """A browser page that loads axe-core with every document (as Playwright's init script, outside the page's
    content security policy): cheaper than sending axe's 500 KB for each check."""
    page = new_page(chromium)
    page.context.add_init_script(AXE_SCRIPT)
    return page


def settle(page):
    """Wait two frames after a change of width: the page's resize handlers (a11y.js marks a scrolling admin box
    as a focusable region) run before axe looks, as they do before a person can."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check_page(page, url, status):
    """Axe at 1400 and 390 px, the width at 390 and 700 px: (pages checked, violations, overflows)."""
    violations, overflows = [], []
    page.set_viewport_size(WIDE)
    response = page.goto(url)
    if response.status != status:
        return 0, [f"{url}: HTTP {response.status}, the matrix says {status}"], []
    if "text/html" not in response.headers.get("content-type", "") or not response.body():
        return 0, [], []  # a refusal without a page (405)
    if page.locator("#swagger-ui").count():  # the API's documentation is drawn after the page loads
        page.locator("#swagger-ui .opblock").first.wait_for()
    violations += [f"1400 px {url}: {v}" for v in axe_violations(page)]
    for viewport in (NARROW, ZOOMED):
        page.set_viewport_size(viewport)
        settle(page)
        if viewport is NARROW:
            violations += [f"390 px {url}: {v}" for v in axe_violations(page)]
        if (extra := overflow(page)) > 0:
            overflows.append(f"{viewport['width']} px {url}: {extra} px wider than the window")
    return 2, violations, overflows


def write_result(role, checked, violations, seconds):
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{role}.json").write_text(json.dumps({
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "role": ROLE_NAMES[role], "tool": f"axe-core {AXE_VERSION} (axe-playwright-python), Chromium",
        "rules": RULES, "widths": [WIDE["width"], NARROW["width"]], "pages_checked": checked,
        "violations": len(violations), "seconds": round(seconds),
    }, ensure_ascii=False, indent=1) + "\n")


@pytest.mark.parametrize("role", list(ROLE_NAMES))
def test_every_page_meets_wcag_aa_and_fits_a_phone(crawl, chromium, role):
    """As ``role``: no axe violation at 1400 or 390 px, no page wider than a 390 or 700 px window."""
    site, listing = crawl
    started = time.monotonic()
    page = crawl_page(chromium)
    if listing["users"][role]:
        log_in(page, site, listing["users"][role])
    results = [check_page(page, site.url + entry["url"], entry["status"])
               for entry in listing["pages"] if role in entry["roles"]]
    page.context.close()
    checked = sum(r[0] for r in results)
    violations, overflows = [v for r in results for v in r[1]], [o for r in results for o in r[2]]
    seconds = time.monotonic() - started
    write_result(role, checked, violations, seconds)
    print(f"\naccessibility crawl as {role}: {checked} pages checked, {len(violations)} violations, "
          f"{len(overflows)} too wide, {seconds:.0f} s")
    assert not violations and not overflows, (f"{len(violations)} WCAG 2.0 A/AA violations:\n" + "\n".join(violations)
                                              + "\nPages wider than the window:\n" + "\n".join(overflows))


def test_the_crawl_covers_every_url_pattern(crawl):
    """Every pattern of the permission matrix is crawled, or answers with a file (CSV, JSON, PDF, a feed) or only
    redirects (to the login page or elsewhere)."""
    _site, listing = crawl
    crawled = {entry["key"] for entry in listing["pages"]}
    checks = 2 * sum(len(entry["roles"]) for entry in listing["pages"])
    print(f"\naccessibility crawl: {checks} page checks over {len(crawled)} page patterns; "
          f"{listing['patterns']} URL patterns in the permission matrix, {len(listing['files'])} of them files, "
          f"{len(listing['redirects'])} only redirects")
    assert set(listing["keys"]) == crawled | set(listing["files"]) | set(listing["redirects"])
    assert checks >= listing["patterns"], f"only {checks} page checks for {listing['patterns']} URL patterns"
