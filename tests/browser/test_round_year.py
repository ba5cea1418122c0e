"""The whole year of a survey round, in a real browser over the demo data (issue 12).

The coordinator opens the 2019 round; 大阪府's clerk edits one base, proposes closing another, confirms the
rest and completes the answer; 札幌市's clerk confirms one base and adds one; the progress shows exactly
that; the coordinator imports a sheet that disagrees with the clerk on one base and lets the sheet win,
closes the round (the closure is applied) and publishes it; the report, the published sheet and
``survey_summary`` then give the same figures.
"""
import io
import json
import subprocess
import sys

import pytest

from .conftest import ROOT, WIDE, log_in, server_environment

pytestmark = pytest.mark.browser
ROUND = "2019-09-30"


def page_for(chromium, site, username):
    context = chromium.new_context(viewport=WIDE, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, site, username)
    return page


def row(page, text):
    return page.locator("table.todo tbody tr", has_text=text)


def state_of(page, text):
    return row(page, text).locator("td.review-state").inner_text().strip()


def survey_summary(site):
    output = subprocess.run(
        [sys.executable, "manage.py", "survey_summary", "--survey-date", ROUND, "--json"], cwd=ROOT,
        env=server_environment(site.database), check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output)


def test_a_whole_year_from_opening_to_publishing(live_site, chromium, tmp_path):
    import openpyxl

    # 1. The coordinator opens the round.
    coordinator = page_for(chromium, live_site, "coordinator")
    coordinator.goto(f"{live_site.url}/survey/")
    coordinator.fill("#id_reference_date", ROUND)
    coordinator.fill("#id_due_date", "2019-11-30")
    coordinator.click("text=受付開始")
    assert f"/survey/{ROUND}/progress/" in coordinator.url
    assert "受付中" in coordinator.inner_text("main")

    # 2. 大阪府: edit one base, propose closing one, confirm the rest, answer completed.
    osaka = page_for(chromium, live_site, "osaka_clerk")
    osaka.goto(f"{live_site.url}/survey/current/")
    assert f"/survey/{ROUND}/review/" in osaka.url
    assert state_of(osaka, "上海事務所") == "未確認"
    row(osaka, "上海事務所").locator("text=編集").click()
    osaka.fill("#id_staff_local", "4")
    osaka.click("input[name=_save]")
    osaka.goto(f"{live_site.url}/survey/current/")
    assert state_of(osaka, "上海事務所") == "変更あり"
    row(osaka, "ミャンマー").locator("text=廃止を提案").click()
    osaka.fill("#id_closing_on", "2019-03-31")
    osaka.fill("#id_reason", "事業終了のため")
    osaka.click("main form[method=post] button[type=submit]")
    assert state_of(osaka, "ミャンマー").startswith("廃止予定")
    for line in osaka.locator("table.todo tbody tr").all():
        if line.locator("td.review-state").inner_text().strip() == "未確認":
            line.locator("input[name=base]").check()
    osaka.click("button[name=bulk]")
    states = [cell.inner_text().strip() for cell in osaka.locator("table.todo td.review-state").all()]
    assert states.count("変更なし") == 6 and "未確認" not in states
    osaka.click("button[value=complete]")
    assert "回答完了" in osaka.inner_text("#round-todo")

    # 3. 札幌市: confirm one base with its own button, add a new base.
    sapporo = page_for(chromium, live_site, "sapporo_clerk")
    sapporo.goto(f"{live_site.url}/survey/current/")
    row(sapporo, "北京事務所札幌経済交流室").locator("button.unchanged-one").click()
    assert state_of(sapporo, "北京事務所札幌経済交流室") == "変更なし"
    sapporo.click("text=新規拠点を追加")
    sapporo.fill("#id_number", "3")
    sapporo.fill("#id_name", "ソウル観光案内所")
    sapporo.select_option("#id_countries", "KR")
    sapporo.fill("#id_cities", "ソウル")
    sapporo.select_option("#id_form", "d")
    sapporo.fill("#id_staff_dispatched", "1")
    sapporo.fill("#id_staff_local", "1")
    sapporo.click("input[name=_save]")
    sapporo.goto(f"{live_site.url}/survey/current/")
    assert state_of(sapporo, "ソウル観光案内所") == "新規"

    # 4. The progress shows exactly that.
    coordinator.goto(f"{live_site.url}/survey/{ROUND}/progress/")

    def counts(name):
        cells = coordinator.locator(f"tr[data-organization='{name}'] td.num").all_inner_texts()
        return [int(value) for value in cells]

    # 変更なし, 変更あり, 新規, 廃止予定, 未確認, total
    assert counts("大阪府") == [6, 1, 0, 1, 0, 8]
    assert counts("札幌市") == [1, 0, 1, 0, 1, 3]
    assert "回答完了" in coordinator.locator("tr[data-organization='大阪府'] td.answer").inner_text()
    assert "未" in coordinator.locator("tr[data-organization='札幌市'] td.answer").inner_text()

    # 5. A sheet for 大阪府 that disagrees with the clerk on 上海事務所 (現地 5, the clerk said 4).
    sheet_path = tmp_path / "osaka.xlsx"
    live_site.manage("export_survey", "--survey-date", ROUND, "--organization", "270008", "-o", str(sheet_path))
    workbook = openpyxl.load_workbook(sheet_path)
    sheet = workbook.active
    header = {cell.value: cell.column for cell in sheet[4] if cell.value}
    for cells in sheet.iter_rows(min_row=5):
        if any(cell.value == "上海事務所" for cell in cells):
            sheet.cell(row=cells[0].row, column=header["現地(b)"], value=5)
            sheet.cell(row=cells[0].row, column=header["計(a)+(b) 自動計算"], value=8)
    workbook.save(sheet_path)
    coordinator.goto(f"{live_site.url}/admin/registry/base/import/")
    coordinator.set_input_files("input[type=file]", str(sheet_path))
    coordinator.fill("#id_survey_date", ROUND)
    coordinator.click("input[type=submit]")
    conflicts = coordinator.locator("table.import-conflicts")
    assert "上海事務所" in conflicts.inner_text() and "変更あり" in conflicts.inner_text()
    conflicts.locator("tr", has_text="上海事務所").locator("input[value=sheet]").check()  # per base; the clerk's by default
    coordinator.click("input[name=confirm]")
    assert "/admin/registry/base/" in coordinator.url

    # 6. Close (the closure is applied) and publish.
    coordinator.goto(f"{live_site.url}/survey/{ROUND}/progress/")
    coordinator.once("dialog", lambda dialog: dialog.accept())
    coordinator.click("text=締切")
    assert "締め切りました" in coordinator.inner_text("main")
    coordinator.click("text=公表")
    assert "公表しました" in coordinator.inner_text("main")
    coordinator.goto(f"{live_site.url}/bases/?closure=closed")
    assert "ミャンマー・大阪ビジネスサポートデスク" in coordinator.inner_text("table")

    # 7. The report, the published sheet and survey_summary agree.
    summary = survey_summary(live_site)
    coordinator.goto(f"{live_site.url}/survey/{ROUND}/")
    table = dict(
        (line.locator("th").inner_text().strip(), line.locator("td").inner_text().strip())
        for line in coordinator.locator("table.summary").first.locator("tr").all()
    )
    assert table["拠点数"] == str(summary["bases"]) == "195"  # 195 - ミャンマー + ソウル観光案内所
    assert table["職員数 計"] == str(summary["staff"]["total"]) == "341"  # 336 + 3 (上海 2 → 5) + 2 (new)
    assert table["自治体数"] == str(summary["organizations"])
    published = coordinator.request.get(f"{live_site.url}/survey/{ROUND}/published.xlsx")
    assert published.ok
    values = [cell.value for line in openpyxl.load_workbook(io.BytesIO(published.body())).active.iter_rows()
              for cell in line]
    assert "ソウル観光案内所" in values and "ミャンマー・大阪ビジネスサポートデスク" not in values
