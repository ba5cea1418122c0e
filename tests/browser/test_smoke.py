"""The demo users can sign in through a real browser and reach their pages."""
import pytest

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["coordinator", "supervisor", "osaka_clerk"])
def test_demo_user_signs_in_and_sees_the_base_list(live_site, browser_page, username):
    log_in(browser_page, live_site, username)
    assert "/admin/login/" not in browser_page.url
    browser_page.goto(f"{live_site.url}/bases/")
    assert browser_page.locator("table").count() >= 1
    assert browser_page.title()
