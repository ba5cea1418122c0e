"""The survey sheet 「自治体の海外拠点一覧」: find its header by label, drop the page furniture, realign rows.

The result is one ``SurveyRow`` per base with its cells under canonical keys,
still as text; typing and validation happen in the resource.
"""
import datetime
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registry.core.downloads import write_cell
from registry.parsing.eras import EraError, era_date, to_gregorian
from registry.parsing.text import label_key, normalize_cell, per_text, plain_text
from registry.sheets.outcome import RowNotice

from registry.sheets.formats import SheetFormat
from registry.survey import TITLE_TEXT
from registry.sheets.reader import ROW_COLUMN, SheetLayoutError, SheetTable, no_data_rows_error, read_table


# Canonical columns in sheet order, with the label the survey prints for each.
COLUMNS = [
    ("org_no", "団体No"),
    ("base_no", "拠点No"),
    ("org_name", "団体名"),
    ("name", "①拠点名"),
    ("countries", "②拠点設置国・地域"),
    ("cities", "③拠点都市"),
    ("form", "④拠点形態 a: 独自事務所 b: 機関等派遣 c: 業務委託 d: その他"),
    ("contractor", "⑤委託先の名称"),
    ("established", "⑥設置年度"),
    ("department", "⑦主管部課名"),
    ("staff_total", "⑧職員数 計(a)+(b)"),
    ("staff_dispatched", "⑧職員数 派遣(a)"),
    ("staff_local", "⑧職員数 現地(b)"),
    ("reason", "⑨設置理由"),
    ("activities", "⑩主な活動内容"),
    ("url", "⑪URL"),
    ("remarks", "⑫備考"),
]
LABELS = dict(COLUMNS)
REQUIRED_COLUMNS = ("base_no", "org_name", "countries", "form")
# Columns read as codes or numbers are NFKC-normalized; the others keep their text
# as written (NFKC would turn the survey's ① ② item marks into digits).
NORMALIZED_COLUMNS = {"org_no", "base_no", "org_name", "countries", "established",
                      "staff_total", "staff_dispatched", "staff_local"}

# (key, words that must all appear in a header label), tried in order.
HEADER_RULES = [
    ("org_no", ("団体", "NO")),
    ("base_no", ("拠点", "NO")),
    ("org_name", ("団体名",)),
    ("countries", ("設置国",)),
    ("countries", ("国・地域",)),
    ("cities", ("都市",)),
    ("form", ("形態",)),
    ("name", ("拠点名",)),
    ("contractor", ("委託先",)),
    ("established", ("年度",)),
    ("department", ("部課",)),
    ("department", ("主管",)),
    ("staff_dispatched", ("職員数", "派遣")),
    ("staff_local", ("職員数", "現地")),
    ("staff_total", ("職員数",)),
    ("reason", ("設置理由",)),
    ("activities", ("活動",)),
    ("url", ("URL",)),
    ("remarks", ("備考",)),
]
ANY_HEADER_WORD = re.compile("|".join(re.escape(word) for _column, words in HEADER_RULES for word in words))
SUBHEADER_RULES = [("staff_dispatched", "派遣"), ("staff_local", "現地"), ("staff_total", "計")]
FORM_TEXT_START = re.compile(r"^(独自|機関|業務委託|委託|その他|国内)")
SUMMARY_START = ("全体", "自治体数", "計平均", "※")
URL_ONLY = re.compile(r"https?://\S+")
TITLE_DATE = re.compile(
    r"(?:(?P<era>昭和|平成|令和|[SHR])(?P<era_year>元|\d{1,2})|(?P<year>\d{4}))年(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日|末)?"
)


@dataclass
class SurveyRow:
    number: int
    values: dict
    notes: list = field(default_factory=list)


@dataclass
class SurveySheet:
    table: SheetTable
    rows: list
    reference_date: datetime.date = None
    notices: list = field(default_factory=list)


@per_text
def header_key(label):
    key = label_key(label)
    if not ANY_HEADER_WORD.search(key):
        return None  # no rule can match: most cells of most rows
    for column, words in HEADER_RULES:
        if all(word in key for word in words):
            return column
    return None


def match_header(cells):
    """Map column index → canonical key when the row is the survey's header row."""
    mapping = {}
    for index, cell in enumerate(cells):
        column = header_key(cell)  # None for most cells: then whether the cell is blank does not matter
        if column and normalize_cell(cell) and column not in mapping.values():
            mapping[index] = column
    found = set(mapping.values())
    return mapping if set(REQUIRED_COLUMNS) <= found else None


def match_subheader(cells, mapping):
    """The second header row names the three staff columns under ⑧職員数 and nothing else."""
    staff = {}
    for index, cell in enumerate(cells):
        key = label_key(cell)
        if key and not any(word in key for _column, word in SUBHEADER_RULES):
            return None
        for column, word in SUBHEADER_RULES:
            if key and word in key and column not in staff.values():
                staff[index] = column
                break
    if not {"staff_dispatched", "staff_local"} <= set(staff.values()):
        return None
    return {index: column for index, column in mapping.items() if not column.startswith("staff_")} | staff


def is_title(cells):
    texts = list(itertools.islice(filter(None, map(normalize_cell, cells)), 2))  # a second text is enough to say no
    return len(texts) == 1 and texts[0].startswith(TITLE_TEXT)


def starts_summary(cells):
    first = next((label_key(c) for c in cells if normalize_cell(c)), None)
    return first is not None and first.startswith(SUMMARY_START)


def reference_date_from_title(text):
    match = TITLE_DATE.search(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    try:
        year = int(match["year"]) if match["year"] else to_gregorian(match["era"], match["era_year"])
        month = int(match["month"])
        if match["day"]:
            return datetime.date(year, month, int(match["day"]))
        next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
        return next_month - datetime.timedelta(days=1)
    except (EraError, ValueError):
        return None


def parse_survey_table(table: SheetTable) -> SurveySheet:
    mapping, reference_date = None, None
    rows, notices = [], []
    header_width = 0
    for sheet_row in table.rows:
        cells = list(sheet_row.cells)
        if sheet_row.is_blank():
            continue
        if is_title(cells):
            reference_date = reference_date or reference_date_from_title(normalize_cell(cells[0]) or "".join(map(str, cells)))
            continue
        header = match_header(cells)
        if header:
            if mapping is None:
                mapping, header_width = header, len(cells)
            continue
        if mapping is None:
            continue  # anything above the first header (notes, blank title cells) is not data
        subheader = match_subheader(cells, mapping)
        if subheader:
            mapping = subheader
            continue
        if starts_summary(cells):
            break
        rows.append(build_row(sheet_row.number, cells, mapping, header_width))
    if mapping is None:
        raise SheetLayoutError(
            _("No header row was found: the sheet needs the columns %(columns)s.")
            % {"columns": "、".join(LABELS[c] for c in REQUIRED_COLUMNS)}
        )
    if not rows:
        raise no_data_rows_error()
    for row in rows:
        notices.extend(RowNotice(row.number, note) for note in row.notes)
    return SurveySheet(table=table, rows=rows, reference_date=reference_date, notices=notices)


def build_row(number, cells, mapping, header_width):
    notes = []
    if is_shifted(cells, mapping):
        cells = realign_shifted(cells, mapping)
        notes.append(_("the cells were shifted by one column and have been realigned; the contractor cell was lost"))
    values = {column: "" for column, _label in COLUMNS}
    for index, column in mapping.items():
        if index < len(cells):
            values[column] = clean_value(column, cells[index])
    if not values["url"] and URL_ONLY.fullmatch(values["activities"]):
        values["url"], values["activities"] = values["activities"], ""
        notes.append(_("a URL found in the activities column was moved to the URL column"))
    return SurveyRow(number=number, values=values, notes=notes)


def clean_value(column, cell):
    if column == "established" and isinstance(cell, datetime.date):
        # Excel turned the year into a date: take the fiscal year (April to March) that contains it.
        return str(cell.year if cell.month >= 4 else cell.year - 1)
    return (normalize_cell if column in NORMALIZED_COLUMNS else plain_text)(cell)


def column_index(mapping, column):
    return next((index for index, name in mapping.items() if name == column), None)


def is_shifted(cells, mapping):
    """A PDF copy split 「c 業務委託契約等」 over two cells and pushed the rest right."""
    form_at, contractor_at = column_index(mapping, "form"), column_index(mapping, "contractor")
    if form_at is None or contractor_at is None or contractor_at >= len(cells):
        return False
    letter = normalize_cell(cells[form_at]).lower()
    return letter in {"a", "b", "c", "d"} and bool(FORM_TEXT_START.match(normalize_cell(cells[contractor_at])))


def realign_shifted(cells, mapping):
    form_at, contractor_at = column_index(mapping, "form"), column_index(mapping, "contractor")
    total_at = column_index(mapping, "staff_total")
    cells = list(cells)
    cells[form_at] = f"{normalize_cell(cells[form_at])} {plain_text(cells[contractor_at])}"
    cells[contractor_at] = ""
    if total_at is not None and total_at < len(cells) and not normalize_cell(cells[total_at]):
        del cells[total_at]  # the empty extra cell the shift left behind
    return cells



def short_label(label):
    return label.split(" ")[0]


def sheet_to_dataset(sheet):
    """A tablib Dataset with the survey's own labels as headers and the file row number first."""
    import tablib

    headers = [ROW_COLUMN] + [LABELS[column] for column, _label in COLUMNS]
    dataset = tablib.Dataset(headers=headers)
    for row in sheet.rows:
        dataset.append([row.number] + [row.values[column] for column, _label in COLUMNS])
    dataset.sheet_notices = sheet.notices
    dataset.content_sha256 = sheet.table.sha256
    dataset.reference_date = sheet.reference_date
    dataset.table_description = sheet.table.description
    dataset.encoding = sheet.table.encoding
    dataset.delimiter = sheet.table.delimiter
    return dataset


STAFF_COLUMNS = ("staff_total", "staff_dispatched", "staff_local")


STAFF_SUBLABELS = {"staff_total": "計(a)+(b) 自動計算", "staff_dispatched": "派遣(a)", "staff_local": "現地(b)"}


NUMERIC_COLUMNS = ("org_no", "base_no") + STAFF_COLUMNS


def cell_value(key, value):
    """Counts go out as numbers, as Excel users expect; everything else as text."""
    if key in NUMERIC_COLUMNS and str(value).isdigit():
        return int(value)
    return value


class SurveySheetFormat(SheetFormat):
    """Reads xlsx/csv/tsv survey sheets in any layout variant; writes the survey's xlsx layout."""

    title = "調査票 (xlsx / xls / ods / csv / tsv)"

    def read_dataset(self, content):
        return sheet_to_dataset(parse_survey_table(read_table(content)))

    def export_data(self, dataset, **kwargs):
        return survey_workbook_bytes(dataset, kwargs.get("reference_date"))


def survey_title(reference_date):
    if reference_date is None:
        return TITLE_TEXT
    return f"{TITLE_TEXT}({era_date(reference_date)}現在)"


def survey_workbook_bytes(dataset, reference_date=None):
    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "海外拠点一覧"
    sheet.cell(row=1, column=1, value=survey_title(reference_date)).font = Font(bold=True, size=14)
    header_row, sub_row = 3, 4
    keys = [key for key, _label in COLUMNS]
    for index, key in enumerate(keys, 1):
        label = LABELS[key].split(" ")[0] if key in STAFF_COLUMNS else LABELS[key]
        if key in STAFF_COLUMNS:
            sheet.cell(row=sub_row, column=index, value=STAFF_SUBLABELS[key])
            if key == "staff_total":
                sheet.cell(row=header_row, column=index, value="⑧職員数")
                sheet.merge_cells(start_row=header_row, start_column=index, end_row=header_row, end_column=index + 2)
            continue
        sheet.cell(row=header_row, column=index, value=label).alignment = Alignment(wrap_text=True)
        sheet.merge_cells(start_row=header_row, start_column=index, end_row=sub_row, end_column=index)
    headers = list(dataset.headers)
    for row_offset, values in enumerate(dataset, sub_row + 1):
        row = dict(zip(headers, values))
        for index, key in enumerate(keys, 1):
            write_cell(sheet, row_offset, index, cell_value(key, row.get(LABELS[key], "")))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
