"""Build small survey sheets in each format the importer accepts."""
import io

HEADER = ["団体No", "拠点No", "団体名", "①拠点名", "②拠点設置国・地域", "③拠点都市",
          "④拠点形態 a: 独自事務所 b: 機関等派遣 c: 業務委託 d: その他", "⑤委託先の名称", "⑥設置年度",
          "⑦主管部課名", "⑧職員数", "", "", "⑨設置理由", "⑩主な活動内容", "⑪URL", "⑫備考"]
SUBHEADER = [""] * 10 + ["計(a)+(b) 自動計算", "派遣(a)", "現地(b)"] + [""] * 4
TITLE = "自治体の海外拠点一覧(令和元年9月末現在)"


def base_row(org_no="25", number="3", org="大阪府", name="上海事務所", country="中国", city="上海",
             form="a 独自事務所", contractor="", year="S60", dept="国際課", total="5", dispatched="3",
             local="2", reason="", activities="", url="", remarks=""):
    return [org_no, number, org, name, country, city, form, contractor, year, dept, total, dispatched, local,
            reason, activities, url, remarks]


def sheet_rows(rows, with_summary=True):
    lines = [[""], [TITLE], [""], HEADER, SUBHEADER]
    lines += rows
    if with_summary:
        lines += [[""], ["全体", "自治体数", "拠点数"], ["", "1", str(len(rows))], ["※複数国地域にまたがる場合は国ごとにカウントしている。"]]
    return lines


def as_text(rows, delimiter="\t", encoding="utf-8", with_summary=True):
    text = "\n".join(delimiter.join(cells) for cells in sheet_rows(rows, with_summary)) + "\n"
    return text.encode(encoding)


def as_xlsx(rows):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(SUBHEADER)
    sheet.merge_cells(start_row=3, start_column=11, end_row=3, end_column=13)
    for row in rows:
        sheet.append([int(value) if value.isdigit() else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
