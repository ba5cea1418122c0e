"""The rough edges of the yearly work (issue 25), each as the person who meets it, in Chromium over the demo data.

The demo's open round is 2018-09-30; 大阪府 has bases numbered 1–10 (6 and 7 missing), all 未確認.
"""
import re

import pytest

from .live import NARROW, horizontal_overflow, log_in, new_page

pytestmark = pytest.mark.browser

ROUND = "2018-09-30"
REVIEW = f"/survey/{ROUND}/review/"


def signed_in(chromium, site, username, viewport=None):
    page = new_page(chromium, **({"viewport": viewport} if viewport else {}))
    log_in(page, site, username)
    return page


def row(page, text):
    return page.locator("table.todo tbody tr", has_text=text)


def state_of(page, text):
    return row(page, text).locator("td.review-state").inner_text().strip()


def messages_text(page):
    return page.locator("ul.messages").inner_text() if page.locator("ul.messages").count() else ""


def test_a_clerks_round_lands_back_on_the_todo_and_says_what_is_done(live_site, chromium):
    page = signed_in(chromium, live_site, "osaka_clerk")
    page.goto(live_site.url + REVIEW)
    # The form's name beside its letter.
    assert row(page, "上海事務所").locator("td.form-name").inner_text().strip() == "a: 独自事務所"
    assert row(page, "インド・大阪").locator("td.form-name").inner_text().strip() == "c: 業務委託"
    # The disabled 回答完了 says why in words on the page.
    answer = page.locator("form.answer-form")
    assert answer.locator("button[value=complete]").is_disabled()
    assert "未確認の拠点が 8 件あります" in answer.inner_text()

    # An edit in the admin lands back on the to-do, with the admin's message.
    row(page, "上海事務所").locator("text=編集").click()
    page.fill("#id_staff_local", "4")
    page.click("input[name=_save]")
    assert page.url.endswith(REVIEW)
    assert "上海事務所" in messages_text(page)
    assert state_of(page, "上海事務所") == "変更あり"
    # A row that is done says so instead of offering 変更なし and 廃止を提案 again (編集 stays).
    done = row(page, "上海事務所")
    assert "確認済み" in done.inner_text()
    assert done.locator("button.unchanged-one").count() == 0 and done.locator("text=廃止を提案").count() == 0
    assert done.locator("text=編集").count() == 1

    for line in page.locator("table.todo tbody tr").all():
        if line.locator("td.review-state").inner_text().strip() == "未確認":
            line.locator("input[name=base]").check()
    page.click("button[name=bulk]")
    page.click("button[value=complete]")
    assert "回答完了" in page.locator("form.answer-form .badge").inner_text()
    page.goto(live_site.url + "/")
    home = page.inner_text("#home-clerk")
    assert "拠点を確認してください" not in home and "回答は完了しています" in home

    # A base added after 回答完了: the next free number is proposed, and 回答完了 is reopened with a notice.
    page.goto(live_site.url + REVIEW)
    page.click("text=新規拠点を追加")
    assert page.input_value("#id_number") == "11"
    assert "次の空き番号は 11" in page.locator(".field-number").inner_text()
    page.fill("#id_name", "ソウル事務所")
    page.select_option("#id_countries", "KR")
    page.fill("#id_cities", "ソウル")
    page.select_option("#id_form", "a")
    page.fill("#id_staff_dispatched", "1")
    page.fill("#id_staff_local", "1")
    page.click("input[name=_save]")
    assert page.url.endswith(REVIEW)
    assert "回答完了を取り消しました" in messages_text(page)
    assert state_of(page, "ソウル事務所") == "新規"
    answer = page.locator("form.answer-form")
    assert answer.locator(".badge").count() == 0
    assert "回答完了が取り消されました" in answer.inner_text()
    assert not answer.locator("button[value=complete]").is_disabled()
    page.goto(live_site.url + "/")
    assert "拠点を確認してください" in page.inner_text("#home-clerk")

    # Another clerk of 大阪府 hears of it: the coordinator adds a base after the clerk completed again.
    page.goto(live_site.url + REVIEW)
    page.click("button[value=complete]")
    coordinator = signed_in(chromium, live_site, "coordinator")
    coordinator.goto(live_site.url + "/admin/registry/base/add/?organization=" + organization_id(page))
    assert coordinator.input_value("#id_number") == "12"
    coordinator.fill("#id_name", "釜山事務所")
    coordinator.select_option("#id_countries", "KR")
    coordinator.fill("#id_cities", "釜山")
    coordinator.select_option("#id_form", "a")
    coordinator.fill("#id_staff_dispatched", "1")
    coordinator.fill("#id_staff_local", "0")
    coordinator.click("input[name=_save]")
    page.goto(live_site.url + "/notifications/")
    assert "回答完了の後に拠点「釜山事務所」が追加されたため" in page.inner_text("main")


def organization_id(page):
    return page.locator("form.answer-form input[name=organization]").first.get_attribute("value")


def test_the_reminder_asks_first_and_names_who_gets_nothing(live_site, chromium):
    live_site.manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                     "get_user_model().objects.filter(username='osaka_clerk').update(email='osaka@example.jp')")
    page = signed_in(chromium, live_site, "coordinator")
    page.goto(f"{live_site.url}/survey/{ROUND}/progress/")
    page.click("#remind-link")
    assert page.url.endswith(f"/survey/{ROUND}/remind/")
    assert "osaka@example.jp" in page.inner_text("#remind-recipients + .table-scroll")
    unreachable = page.locator("#remind-unreachable + p + ul").inner_text().splitlines()
    assert any(line.startswith("札幌市（") for line in unreachable)
    assert not any(line.startswith("大阪府（") for line in unreachable)
    summary = page.inner_text("#remind-summary")  # before the button: who gets it, who cannot
    assert "送り先: 1 団体" in summary and "メールアドレスがなく送れない団体" in summary
    page.click("main form button[type=submit]")
    assert page.url.endswith(f"/survey/{ROUND}/progress/")
    success = page.locator("ul.messages li.success").inner_text()
    assert "1 団体" in success and "（1 通）" in success
    warning = page.locator("ul.messages li.warning").inner_text()
    assert "メールアドレスが登録されていないため" in warning and "札幌市" in warning

    # Nobody with an address: no green line, only what was not sent.
    live_site.manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                     "get_user_model().objects.update(email='')")
    page.goto(f"{live_site.url}/survey/{ROUND}/remind/")
    assert page.locator("#remind-recipients").count() == 0
    page.click("main form button[type=submit]")
    assert page.locator("ul.messages li.success").count() == 0
    assert "0 通" not in messages_text(page)
    assert "送れませんでした" in page.locator("ul.messages li.warning").inner_text()


def test_the_import_preview_lists_conflicts_per_base_after_the_summary(live_site, chromium, tmp_path):
    import openpyxl

    clerk = signed_in(chromium, live_site, "osaka_clerk")
    clerk.goto(live_site.url + REVIEW)
    for name, local in (("上海事務所", "4"), ("タイ・大阪", "3")):
        row(clerk, name).locator("text=編集").click()
        clerk.fill("#id_staff_local", local)
        clerk.click("input[name=_save]")
    sheet_path = tmp_path / "osaka.xlsx"
    live_site.manage("export_survey", "--survey-date", ROUND, "--organization", "270008", "-o", str(sheet_path))
    workbook = openpyxl.load_workbook(sheet_path)
    sheet = workbook.active
    header = {cell.value: cell.column for cell in sheet[4] if cell.value}
    for cells in sheet.iter_rows(min_row=5):
        for name, local in (("上海事務所", 5), ("タイ・大阪ビジネスサポートデスク", 1)):
            if any(cell.value == name for cell in cells):
                sheet.cell(row=cells[0].row, column=header["現地(b)"], value=local)
                dispatched = sheet.cell(row=cells[0].row, column=header["派遣(a)"]).value or 0
                sheet.cell(row=cells[0].row, column=header["計(a)+(b) 自動計算"], value=dispatched + local)
    workbook.save(sheet_path)

    page = signed_in(chromium, live_site, "coordinator")
    page.goto(f"{live_site.url}/admin/registry/base/import/")
    page.set_input_files("input[type=file]", str(sheet_path))
    page.fill("#id_survey_date", ROUND)
    page.click("input[type=submit]")
    page.wait_for_selector("table.import-conflicts")
    order = page.evaluate("""() => ['table.import-counts', 'table.import-conflicts', 'input[name=confirm]',
        'table.import-updated'].map(selector => document.querySelector(selector))
        .map(node => node && Array.from(document.querySelectorAll('*')).indexOf(node))""")
    assert None not in order[:3] and order[:3] == sorted(order[:3])  # summary, conflicts, then 取り込む
    if order[3] is not None:
        assert order[3] > order[2]
    conflicts = page.locator("table.import-conflicts")
    assert conflicts.locator("tbody tr").count() == 2
    assert "担当者の回答を採用" in conflicts.inner_text() and "表を採用" in conflicts.inner_text()
    assert "拠点ごとに" in page.locator(".import-conflicts-section p.help").inner_text()
    shanghai = conflicts.locator("tr", has_text="上海事務所")
    assert shanghai.locator("input[value=clerk]").is_checked()  # the default: the clerk's answer stands
    shanghai.locator("input[value=sheet]").check()
    page.click("input[name=confirm]")
    assert "/admin/registry/base/" in page.url

    clerk.goto(live_site.url + REVIEW)
    # 派遣 3: the clerk said 現地 4 (7 in all), the sheet 5 (8) and the sheet was chosen.
    assert row(clerk, "上海事務所").locator("td.num").nth(1).inner_text().strip() == "8"
    thai = row(clerk, "タイ・大阪").locator("td.num").nth(1).inner_text().strip()
    assert thai == "3"  # the clerk's answer stood


def test_a_revert_is_not_offered_on_the_current_version_and_the_clerk_sees_it(live_site, chromium):
    clerk = signed_in(chromium, live_site, "osaka_clerk")
    clerk.goto(live_site.url + REVIEW)
    base_id = row(clerk, "上海事務所").get_attribute("data-base")
    row(clerk, "上海事務所").locator("text=編集").click()
    clerk.fill("#id_staff_local", "9")
    clerk.click("input[name=_save]")
    assert state_of(clerk, "上海事務所") == "変更あり"

    supervisor = signed_in(chromium, live_site, "supervisor")
    supervisor.goto(f"{live_site.url}/admin/registry/base/{base_id}/history/")
    entries = supervisor.locator("#change-history tbody tr")
    assert entries.count() >= 2
    assert entries.first.locator("text=この版に戻す").count() == 0
    assert "現在の版" in entries.first.inner_text()
    entries.nth(1).locator("text=この版に戻す").click()
    supervisor.fill("#id_reason", "誤入力のため")
    supervisor.click("input[type=submit]")
    assert "/history/" in supervisor.url

    clerk.goto(live_site.url + REVIEW)
    assert state_of(clerk, "上海事務所") == "未確認"  # back to the round's own figures: not 変更あり
    assert row(clerk, "上海事務所").locator("button.unchanged-one").count() == 1
    clerk.goto(live_site.url + "/")
    assert "未確認の拠点が 8 件" in clerk.inner_text("#round-todo")
    clerk.goto(live_site.url + "/notifications/")
    told = clerk.inner_text("main")
    assert "拠点「上海事務所」が以前の版に戻されました（理由: 誤入力のため）" in told
    assert "変更あり → 未確認" in told


def test_contractor_counts_link_only_to_lists_that_have_rows(live_site, chromium):
    page = signed_in(chromium, live_site, "sapporo_clerk")
    page.goto(live_site.url + "/contractors/?per_page=200")
    lines = page.locator("table tbody tr").all()
    linked, unlinked = [], []
    for line in lines:
        cell = line.locator("td.num")
        (linked if cell.locator("a").count() else unlinked).append(line)
        if not cell.locator("a").count():
            assert cell.inner_text().strip() == "0"
    assert unlinked, "a contractor 札幌市 does not use"
    for line in linked:
        count = int(line.locator("td.num").inner_text())
        href = line.locator("td.num a").get_attribute("href")
        page.goto(live_site.url + href)
        assert f"{count} 件" in page.locator(".toolbar .count").inner_text()
        page.go_back()

    outside = re.search(r"/contractor/(\d+)/", unlinked[0].locator("td a").first.get_attribute("href")).group(1)
    for suffix in ("", "&export=csv", "&export=xlsx"):
        response = page.goto(f"{live_site.url}/bases/?contractor={outside}{suffix}")
        assert response.status == (400 if suffix else 200)  # the list page itself, its filter error shown
        assert response.headers["content-type"].startswith("text/html")
        assert page.locator("h1").count() == 1
        if suffix:
            assert "ダウンロードできません" in messages_text(page)


def test_every_csv_meant_for_excel_starts_with_a_bom(live_site, chromium):
    anonymous = new_page(chromium)
    anonymous.goto(live_site.url + "/opendata/")
    links = {anonymous.locator("a[href$='.csv']").nth(i).get_attribute("href")
             for i in range(anonymous.locator("a[href$='.csv']").count())}
    assert links, "the open-data page lists CSV files"
    for href in sorted(links):
        body = anonymous.request.get(live_site.url + href if href.startswith("/") else href).body()
        assert body.startswith(b"\xef\xbb\xbf"), href
    staff = signed_in(chromium, live_site, "coordinator")
    for path in ("/bases/?export=csv", "/agreements/?export=csv", "/contractors/?export=csv", "/history/export.csv"):
        body = staff.request.get(live_site.url + path).body()
        assert body.startswith(b"\xef\xbb\xbf"), path


@pytest.mark.parametrize("username, path", [
    ("osaka_clerk", REVIEW), ("osaka_clerk", "/"), ("coordinator", f"/survey/{ROUND}/remind/"),
    ("sapporo_clerk", "/contractors/"),
])
def test_the_pages_fit_a_phone(live_site, chromium, username, path):
    page = signed_in(chromium, live_site, username, viewport=NARROW)
    page.goto(live_site.url + path)
    assert page.locator("h1").count() == 1
    assert horizontal_overflow(page) == 0, path
