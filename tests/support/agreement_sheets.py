"""Build small partnership agreement sheets in each format the importer accepts."""
import io

from registry.sheets.agreements.layout import COLUMNS

LAYOUT = [column.label for column in COLUMNS if column.key != "tie"]


def tie_row(org="大阪府", partner="上海市", country="中国", kind="友好提携", signed="1980-11-21", **cells):
    """One row of the full layout; other cells by label, e.g. tie_row(**{"相手先(英語)": "Shanghai"})."""
    values = {"団体名": org, "相手先": partner, "相手国・地域": country, "提携の種類": kind, "提携日": signed, **cells}
    unknown = set(values) - set(LAYOUT)
    assert not unknown, unknown
    return [values.get(label, "") for label in LAYOUT]


def as_text(rows, header=LAYOUT, delimiter="\t", encoding="utf-8", title=True):
    lines = ([["友好提携・姉妹都市等一覧"], [""]] if title else []) + [header] + rows
    text = "\n".join(delimiter.join(cells) for cells in lines) + "\n"
    return text.encode(encoding)


def as_xlsx(rows, header=LAYOUT):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["友好提携・姉妹都市等一覧"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
