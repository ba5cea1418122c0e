"""Pages under the Content-Security-Policy: a real Chromium reports no violation on a sample of pages."""
import pytest

from .conftest import log_in

pytestmark = pytest.mark.browser

STAFF_PAGES = ["/", "/bases/", "/agreements/", "/contractors/", "/survey/", "/survey/2017-09-30/",
               "/survey/2017-09-30/progress/", "/history/", "/admin/", "/admin/registry/base/",
               "/admin/registry/base/?q=上海", "/admin/registry/place/", "/admin/registry/agreement/add/",
               "/admin/registry/base/add/", "/survey/2017-09-30/review/"]
PUBLIC_PAGES = ["/public/", "/api/v1/docs/"]


def violations_on(page, site, paths):
    found = []
    page.on("console", lambda message: found.append(f"{page.url} ({message.location.get('url')}): {message.text}")
            if "Content Security Policy" in message.text else None)
    for path in paths:
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("networkidle")
    return found


def test_staff_pages_and_the_admin_raise_no_policy_violation(live_site, browser_page):
    log_in(browser_page, live_site, "coordinator")
    found = violations_on(browser_page, live_site, STAFF_PAGES)
    assert not found, "\n".join(found)


def test_the_portal_and_the_api_docs_raise_no_policy_violation(live_site, browser_page):
    found = violations_on(browser_page, live_site, PUBLIC_PAGES)
    assert not found, "\n".join(found)
    browser_page.goto(f"{live_site.url}/api/v1/docs/")
    browser_page.wait_for_selector("#swagger-ui .info", timeout=15000)  # Swagger UI drew the schema
