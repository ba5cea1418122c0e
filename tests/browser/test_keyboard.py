"""Keyboard-only journeys (issue 25, WCAG 2.1.1): no mouse click, only Tab, Shift+Tab, Enter, Space, arrows and
typing, in Chromium over the demo data.

``tab_to`` presses Tab until the wanted control has the focus (and fails when it never gets it), so a control
the keyboard cannot reach fails the test. Addresses are typed into the browser (``goto``) as a user would.
"""
import pytest

from .live import DEMO_PASSWORD

pytestmark = pytest.mark.browser
MOST_TABS = 400


def tab_to(page, locator, key="Tab"):
    """Press Tab until ``locator`` (one element) has the focus."""
    page.evaluate("document.querySelectorAll('[data-keyboard-target]').forEach(e => e.removeAttribute('data-keyboard-target'))")
    locator.evaluate("element => { element.dataset.keyboardTarget = 'yes'; }")  # to recognise it, not to use it
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement && document.activeElement.dataset.keyboardTarget === 'yes'"):
            return
    raise AssertionError(f"{locator} never got the keyboard focus")


def press_on(page, locator, key="Enter"):
    """Focus ``locator`` with Tab and press ``key`` on it: the page it leads to loads."""
    tab_to(page, locator)
    invalid = page.evaluate("[...document.querySelectorAll('form :invalid')].map(e => e.id || e.name)")
    assert not invalid, f"fields the browser refuses: {invalid}"
    with page.expect_navigation(timeout=60_000):
        page.keyboard.press(key)


def type_into(page, locator, text):
    """Focus ``locator`` with Tab and type ``text``; Japanese arrives as an input method gives it (insert_text)."""
    tab_to(page, locator)
    if text.isascii():
        page.keyboard.type(text)
    else:
        page.keyboard.insert_text(text)
    assert locator.input_value().endswith(text), f"{locator} holds {locator.input_value()!r}"


def type_date(page, locator, iso):
    """Type a date into an ``<input type=date>``: its boxes' order is the browser's (month/day/year under an
    English system locale, year/month/day under a Japanese one), so both orders are tried."""
    year, month, day = iso.split("-")
    for order in ((month, day, year), (year, month, day)):
        tab_to(page, locator)
        for part in order:
            page.keyboard.type(part)
        if locator.input_value() == iso:
            return
        locator.evaluate("field => { field.value = ''; }")  # the other order, from empty boxes
    raise AssertionError(f"could not type {iso} into {locator}")


def log_in_by_keyboard(page, site, username):
    page.goto(f"{site.url}/admin/login/")
    type_into(page, page.locator("#id_username"), username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def row(page, text):
    return page.locator("table.todo tbody tr", has_text=text)


def state_of(page, text):
    return row(page, text).locator("td.review-state").inner_text().strip()


def test_a_clerk_answers_the_round_with_the_keyboard_only(live_site, browser_page):
    page = browser_page
    log_in_by_keyboard(page, live_site, "osaka_clerk")
    todo = f"{live_site.url}/survey/current/"
    page.goto(todo)

    # The skip link is the first stop and leads past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()

    # 変更なし on one base.
    press_on(page, row(page, "インド・大阪").locator("button.unchanged-one"))
    assert state_of(page, "インド・大阪") == "変更なし"

    # Edit another: the admin's form, one figure changed, saved with Enter.
    press_on(page, row(page, "上海事務所").get_by_role("link", name="編集"))
    field = page.locator("#id_staff_local")
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    press_on(page, page.locator("input[name=_save]"))
    page.goto(todo)
    assert state_of(page, "上海事務所") == "変更あり"

    # Propose closing a third.
    press_on(page, row(page, "ミャンマー").get_by_role("link", name="廃止を提案"))
    type_date(page, page.locator("#id_closing_on"), "2019-03-31")
    type_into(page, page.locator("#id_reason"), "事業終了のため")
    press_on(page, page.locator("main form[method=post] button[type=submit]"))
    assert state_of(page, "ミャンマー").startswith("廃止予定")

    # Add a base: the country picker is searched and chosen with the keyboard.
    press_on(page, page.get_by_role("link", name="新規拠点を追加"))
    type_into(page, page.locator("#id_number"), "99")
    type_into(page, page.locator("#id_name"), "ソウル観光案内所")
    picker = page.locator("#id_countries + .select2")
    tab_to(page, picker.locator(".select2-search__field"))
    page.keyboard.type("韓国")
    page.locator(".select2-results__option--highlighted", has_text="韓国").wait_for()
    page.keyboard.press("Enter")
    assert page.locator("#id_countries").evaluate("select => [...select.selectedOptions].map(o => o.value)") == ["KR"]
    page.keyboard.press("Escape")
    type_into(page, page.locator("#id_cities"), "ソウル")
    tab_to(page, page.locator("#id_form"))
    for _ in range(4):  # ---, a, b, c, d: the fourth choice down
        page.keyboard.press("ArrowDown")
    assert page.locator("#id_form").input_value() == "d"
    type_into(page, page.locator("#id_staff_dispatched"), "1")
    type_into(page, page.locator("#id_staff_local"), "1")
    type_into(page, page.locator("#id_reason"), "新設")
    press_on(page, page.locator("input[name=_save]"))
    page.goto(todo)
    assert state_of(page, "ソウル観光案内所") == "新規"

    # The rest: ticked with Space, confirmed together; then 回答完了.
    for line in page.locator("table.todo tbody tr").all():
        if line.locator("td.review-state").inner_text().strip() == "未確認":
            tab_to(page, line.locator("input[name=base][type=checkbox]"))
            page.keyboard.press("Space")
    press_on(page, page.locator("button[name=bulk]"))
    assert "未確認" not in page.locator("table.todo").inner_text()
    press_on(page, page.locator("button[value=complete]"))
    assert "回答完了" in page.inner_text("#round-todo")


def test_a_visitor_goes_from_the_map_to_a_country_with_the_keyboard(live_site, browser_page):
    page = browser_page
    page.goto(f"{live_site.url}/public/")
    # The drawing's links are the mouse's: the keyboard goes from the navigation straight to the table's links.
    assert page.locator("svg.worldmap a[tabindex='-1']").count() > 0
    press_on(page, page.locator("section.figure table").get_by_role("link", name="インド", exact=True))
    assert page.url.endswith("/public/countries/IN/")
    assert page.locator("h1").inner_text() == "インド"
