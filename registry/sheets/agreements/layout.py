"""The partnership agreement sheet 「友好提携・姉妹都市等一覧」: its columns, header row, dataset and xlsx form.

One row per tie, identified by (団体, 相手先, 提携の種類). A sheet may instead carry each tie as the
free text clerks keep, 「バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)」, in a 提携
column; a cell holding several such ties becomes one dataset row per tie, all with the file's row number.
Cells stay text here; the resource reads and checks them.
"""
import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registry.parsing.text import normalize_cell, plain_text
from registry.parsing.ties import TieParseError, parse_ties

from registry.core.downloads import Column, write_cell
from registry.sheets.formats import SheetFormat
from registry.sheets.reader import (
    ROW_COLUMN,
    SheetLayoutError,
    SheetTable,
    header_columns,
    headings,
    no_data_rows_error,
    read_table,
)

TITLE_TEXT = "友好提携・姉妹都市等一覧"


# The layout, in the order the export writes it. Other labels are spellings met in clerks' own lists.
COLUMNS = (
    Column("org_code", "団体コード", other_labels=("全国地方公共団体コード", "自治体コード")),
    Column("org_name", "団体名", other_labels=("自治体名", "地方公共団体名")),
    Column("partner_ja", "相手先", other_labels=("相手先名", "提携先", "相手先(日本語)")),
    Column("partner_native", "相手先(現地語)", other_labels=("相手先(原語)",)),
    Column("partner_en", "相手先(英語)"),
    Column("country", "相手国・地域", other_labels=("相手国", "国・地域", "国名")),
    Column("region", "州・省", other_labels=("相手先の州・省", "州・省等")),
    Column("partner_kind", "相手先の種類"),
    Column("agreement_type", "提携の種類", other_labels=("提携種別",)),
    Column("signed", "提携日", other_labels=("提携年月日", "締結日")),
    Column("ends", "終了日", other_labels=("期限",)),
    Column("renewals", "更新", other_labels=("更新履歴",)),
    Column("fields", "分野", other_labels=("協力分野", "交流分野")),
    Column("intermediaries", "仲介", other_labels=("仲介者", "仲介機関")),
    Column("source_title", "出典"),
    Column("source_url", "出典URL"),
    Column("source_language", "出典言語"),
    Column("notes", "備考"),
    Column("tie", "提携", other_labels=("友好提携", "姉妹都市", "姉妹都市提携", "友好・姉妹提携",
                                        "相手先(国・州・日付+種類)", "相手先(国・州・和暦日付+種類)")),
)
LABELS = {column.key: column.label for column in COLUMNS}
ORGANIZATION_KEYS = ("org_code", "org_name")
# Written by the export; the free-text 提携 column is only read.
EXPORT_KEYS = tuple(column.key for column in COLUMNS if column.key != "tie")
# Cells compared after NFKC (codes, dates, kinds); the rest is kept as written.
NORMALIZED_KEYS = frozenset({"org_code", "org_name", "country", "partner_kind", "agreement_type", "signed", "ends",
                             "source_url", "source_language"})


KEY_BY_LABEL = headings(COLUMNS)


def match_header(cells):
    """Column index → key when the row is the header row: it names the organization and the partner or tie."""
    mapping = header_columns(cells, KEY_BY_LABEL)
    found = set(mapping.values())
    if found & set(ORGANIZATION_KEYS) and found & {"partner_ja", "tie"}:
        return mapping
    return None


@dataclass
class AgreementSheet:
    table: SheetTable
    present: frozenset
    labels: dict
    rows: list = field(default_factory=list)
    notices: list = field(default_factory=list)


def cell_text(key, value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return (value.date() if isinstance(value, datetime.datetime) else value).isoformat()
    return normalize_cell(value) if key in NORMALIZED_KEYS else plain_text(value)


def parse_agreement_table(table: SheetTable) -> AgreementSheet:
    mapping, header_cells = None, []
    rows = []
    for sheet_row in table.rows:
        if sheet_row.is_blank():
            continue
        if mapping is None:
            mapping = match_header(sheet_row.cells)
            header_cells = sheet_row.cells
            continue  # rows above the header (a title, notes) are not data
        values = {key: cell_text(key, sheet_row.cells[index]) if index < len(sheet_row.cells) else ""
                  for index, key in mapping.items()}
        rows.append((sheet_row.number, values))
    if mapping is None:
        raise SheetLayoutError(
            _("No header row was found: the sheet needs a column %(org)s (or %(code)s) and %(partner)s "
              "(or a free-text column %(tie)s).")
            % {"org": LABELS["org_name"], "code": LABELS["org_code"], "partner": LABELS["partner_ja"],
               "tie": LABELS["tie"]}
        )
    present = frozenset(mapping.values())
    check_required_columns(present)
    if not rows:
        raise no_data_rows_error()
    labels = {key: normalize_cell(header_cells[index]) for index, key in mapping.items()}
    notices = [_("the column 「%(label)s」 is not part of the agreement layout and was ignored")
               % {"label": normalize_cell(cell)}
               for index, cell in enumerate(header_cells) if normalize_cell(cell) and index not in mapping]
    sheet = AgreementSheet(table=table, present=present, labels=labels, notices=notices)
    for number, values in rows:
        sheet.rows.extend((number, tie_values) for tie_values in split_tie_cell(values))
    return sheet


def check_required_columns(present):
    if "tie" in present:
        return
    missing = [LABELS[key] for key in ("country", "agreement_type") if key not in present]
    if missing:
        raise SheetLayoutError(_("The sheet lacks the columns %(columns)s.") % {"columns": "、".join(missing)})


def split_tie_cell(values):
    """A 提携 cell listing several ties gives one row per tie; an unreadable cell stays whole for the error."""
    text = values.get("tie", "")
    if not text:
        return [values]
    try:
        ties = parse_ties(text)
    except TieParseError:
        return [values]
    return [{**values, "tie": tie.raw} for tie in ties] or [values]


def sheet_to_dataset(sheet: AgreementSheet):
    """A tablib Dataset: the file row number first, then every column of the layout under its label."""
    import tablib

    keys = [column.key for column in COLUMNS]
    dataset = tablib.Dataset(headers=[ROW_COLUMN] + [LABELS[key] for key in keys])
    for number, values in sheet.rows:
        dataset.append([number] + [values.get(key, "") for key in keys])
    dataset.present_columns = sheet.present
    dataset.sheet_labels = sheet.labels
    dataset.sheet_notices = sheet.notices
    dataset.content_sha256 = sheet.table.sha256
    dataset.table_description = sheet.table.description
    dataset.encoding = sheet.table.encoding
    dataset.delimiter = sheet.table.delimiter
    return dataset


def read_agreement_dataset(content, file_name=""):
    return sheet_to_dataset(parse_agreement_table(read_table(content, file_name)))


class AgreementSheetFormat(SheetFormat):
    """Reads agreement sheets as xlsx / csv / tsv in any encoding the reader knows; writes the layout as xlsx."""

    title = "友好提携等一覧 (xlsx / xls / ods / csv / tsv)"

    def read_dataset(self, content):
        return read_agreement_dataset(content)

    def export_data(self, dataset, **kwargs):
        return agreement_workbook_bytes(dataset)


def agreement_workbook_bytes(dataset):
    """Title in row 1, the dataset's column labels in row 3, one tie a row below; every cell is text."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "友好提携等"
    sheet.cell(row=1, column=1, value=TITLE_TEXT).font = Font(bold=True, size=14)
    header_row = 3
    for index, label in enumerate(dataset.headers, 1):
        sheet.cell(row=header_row, column=index, value=label).font = Font(bold=True)
    for row_number, values in enumerate(dataset, header_row + 1):
        for index, value in enumerate(values, 1):
            write_cell(sheet, row_number, index, "" if value is None else str(value))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
