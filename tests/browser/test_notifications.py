"""Notifications in a real browser over the demo data: the calendar feed downloaded from the settings page and
renewed, and the header's unread count after a coordinator changes one of the clerk's bases (issue 29)."""
import datetime
import re

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from .live import log_in, new_page

pytestmark = pytest.mark.browser

DUE = datetime.date.today() + datetime.timedelta(days=30)


def move_the_open_rounds_due_date(site, due):
    """The demo's open round (2018) was due in 2018: a feed shows only what is ahead, so move it ahead."""
    site.manage("shell", "-c", "from registry.models import SurveyRound; "
                f"SurveyRound.objects.filter(status='open').update(due_date='{due.isoformat()}')")


def open_settings_from_the_header(page):
    page.click("#header-notifications")
    page.click("main >> text=通知設定")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "通知設定"


def test_clerk_downloads_the_feed_from_the_settings_page_and_renews_its_address(live_site, browser_page):
    move_the_open_rounds_due_date(live_site, DUE)
    page = browser_page
    log_in(page, live_site, "osaka_clerk")
    open_settings_from_the_header(page)
    feed_url = page.input_value("#feed-url")
    assert re.fullmatch(re.escape(live_site.url) + r"/calendar/[\w-]+\.ics", feed_url)
    with page.expect_download() as download:
        page.click("#feed-download")
    calendar = Calendar.from_ical(open(download.value.path(), "rb").read())
    deadlines = [event for event in calendar.walk("VEVENT") if "回答期限" in str(event["summary"])]
    assert [event.decoded("dtstart") for event in deadlines] == [DUE]
    assert "2018" in str(deadlines[0]["summary"])  # the open round's, not another's

    page.click("button[value=renew_feed]")
    page.wait_for_load_state()
    assert "以前のアドレスは使えなくなりました" in page.locator("ul.messages").inner_text()
    new_url = page.input_value("#feed-url")
    assert new_url != feed_url
    assert page.request.get(feed_url).status == 404
    renewed = page.request.get(new_url)
    assert renewed.status == 200 and "回答期限" in Calendar.from_ical(renewed.body()).to_ical().decode()


def unread_count(page):
    text = page.locator("#header-notifications").inner_text()
    assert text.startswith("通知")
    found = re.search(r"\((\d+)\)", text)
    return int(found.group(1)) if found else 0


def test_the_header_counts_a_coordinators_change_to_the_clerks_base(live_site, browser_page, chromium):
    page = browser_page
    log_in(page, live_site, "osaka_clerk")
    page.click("#header-notifications")
    with page.expect_navigation():
        page.click("text=すべて既読にする")  # start from nothing unread, whatever the demo set-up left
    assert unread_count(page) == 0
    page.goto(f"{live_site.url}/")
    base_change_url = page.locator("#home-clerk table.home-bases a").first.get_attribute("href")

    coordinator = new_page(chromium)
    log_in(coordinator, live_site, "coordinator")
    coordinator.goto(live_site.url + base_change_url)
    coordinator.fill("#id_remarks", "現地事務所の移転予定")
    coordinator.fill("#id_change_reason", "移転の連絡")
    coordinator.click("input[name=_save]")
    coordinator.wait_for_load_state()
    coordinator.context.close()

    page.reload()
    assert unread_count(page) == 1
    with page.expect_navigation():
        page.click("#header-notifications")
    newest = page.locator("#notification-list li.unread")
    expect(newest).to_have_count(1)  # waits for the list page, not the page the click left
    assert "1件を変更" in newest.inner_text()
    with page.expect_navigation():
        page.click("text=すべて既読にする")
    expect(page.locator("#notification-list li.unread")).to_have_count(0)
    assert unread_count(page) == 0
