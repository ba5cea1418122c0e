"""Each role's main journey through a real browser over the demo data."""
import re

import pytest

from .live import ROOT, log_in, new_page

pytestmark = pytest.mark.browser

SURVEY_2017 = ROOT / "fixtures" / "clair_overseas_bases_2017-09.tsv"


def test_clerk_edits_a_base_with_a_reason_and_sees_the_change(live_site, browser_page):
    page = browser_page
    log_in(page, live_site, "osaka_clerk")
    assert page.url == f"{live_site.url}/"  # everyone lands on their home page
    assert page.locator("#round-todo").count() == 1  # the open round's to-do is there
    page.click("#home-clerk table.home-bases a >> nth=0")
    # The country picker: type a reading, pick the country; no Ctrl-click.
    page.click(".field-countries .select2-selection")
    page.keyboard.type("かんこく")
    page.click(".select2-results__option:has-text('韓国')")
    page.fill("#id_staff_local", "9")
    page.fill("#id_change_reason", "現地職員の増員")
    page.click("input[name=_save]")
    # Saved from the home page, the clerk is back there, with the admin's message.
    assert page.url.split("?")[0] == f"{live_site.url}/"
    assert "変更" in page.locator("ul.messages").inner_text()
    page.go_back()
    page.goto(page.url.split("?")[0].replace("/change/", "/history/"))
    newest = page.locator("#change-history tbody tr").first
    assert "現地職員の増員" in newest.inner_text()
    assert "韓国" in newest.locator("ins").all_inner_texts().__str__()
    assert re.search(r"→\s*9", newest.inner_text())


def test_coordinator_previews_and_applies_an_import(live_site, browser_page):
    page = browser_page
    log_in(page, live_site, "coordinator")
    page.click("text=調査票を取り込む")
    page.set_input_files("input[type=file]", str(SURVEY_2017))
    page.fill("input[name=survey_date]", "2018-09-30")
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state()
    confirm = page.locator("form[action*='process_import'] input[type=submit], "
                           "form[action*='process_import'] button[type=submit]")
    assert confirm.count() >= 1, page.content()[:2000]
    confirm.first.click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .success, .messagelist li").count() >= 1
    page.goto(f"{live_site.url}/")
    assert "2018-09-30 調査の取込" in page.locator("#home-imports").inner_text()


def test_supervisor_finds_the_import_and_reverts_one_change_with_a_reason(live_site, browser_page, chromium):
    page = browser_page
    log_in(page, live_site, "supervisor")
    page.click("#site-header >> text=変更履歴")
    line = page.locator(".action-line", has_text="2017-09-30 調査の取込")
    line.locator("summary").click()
    line.locator("text=この操作の変更をすべて見る").click()
    page.wait_for_load_state()
    assert "調査の取込" in page.locator(".action-summary").inner_text()
    # One base of the import: edit it, then revert the edit from its history with a reason.
    page.locator("#change-log .history-entry a").first.click()
    page.wait_for_load_state()
    history_url = page.url
    assert page.locator("h1").inner_text().startswith("変更履歴")
    coordinator = new_page(chromium)
    log_in(coordinator, live_site, "coordinator")
    coordinator.goto(history_url.replace("/history/", "/change/"))
    coordinator.fill("#id_remarks", "誤って入力した備考")
    coordinator.fill("#id_change_reason", "備考の追加")
    coordinator.click("input[name=_save]")
    coordinator.context.close()
    page.goto(history_url)
    page.locator("#change-history tbody tr").nth(1).locator("text=この版に戻す").click()
    page.fill("textarea[name=reason]", "誤入力の取り消し")
    page.locator("form input[type=submit]").first.click()
    page.wait_for_load_state()
    newest = page.locator("#change-history tbody tr").first.inner_text()
    assert "誤入力の取り消し" in newest and "誤って入力した備考" in newest
