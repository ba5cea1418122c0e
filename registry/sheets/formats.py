"""The survey sheet as an import-export format: our reader in, the survey's own layout out."""
import io

from import_export.formats.base_formats import Format

from registry.core.downloads import XLSX_CONTENT_TYPE, write_cell

from .reader import read_table
from registry.sheets.survey.layout import COLUMNS, LABELS, TITLE_TEXT, parse_survey_table, sheet_to_dataset

STAFF_COLUMNS = ("staff_total", "staff_dispatched", "staff_local")
STAFF_SUBLABELS = {"staff_total": "計(a)+(b) 自動計算", "staff_dispatched": "派遣(a)", "staff_local": "現地(b)"}
NUMERIC_COLUMNS = ("org_no", "base_no") + STAFF_COLUMNS


def cell_value(key, value):
    """Counts go out as numbers, as Excel users expect; everything else as text."""
    if key in NUMERIC_COLUMNS and str(value).isdigit():
        return int(value)
    return value


class SheetFormat(Format):
    """An import-export format that reads xlsx, csv or tsv through our reader and writes xlsx.

    Subclasses give ``title``, ``read_dataset(content)`` and ``export_data(dataset)``.
    """

    title = ""

    def __init__(self, encoding=None):
        self.encoding = encoding  # ignored: the reader detects the encoding itself

    def get_title(self):
        return self.title

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return XLSX_CONTENT_TYPE

    def can_import(self):
        return True

    def can_export(self):
        return True

    def create_dataset(self, in_stream):
        content = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        return self.read_dataset(content)


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
    from registry.parsing.eras import era_date

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
