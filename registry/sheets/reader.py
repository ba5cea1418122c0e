"""Read an uploaded sheet (xlsx, csv or tsv in any of the encodings Japanese offices use) into rows.

Rows keep the number the user sees in the file (Excel's row number, the line
of a text file) so that every message can point at them.
"""
import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
TEXT_ENCODINGS = ("utf-8-sig", "utf-8", "cp932")
DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon"}
# The dataset column holding each row's number in the file, for messages.
ROW_COLUMN = "行"


class SheetReadError(ValueError):
    pass


class SheetLayoutError(ValueError):
    """The file reads, but its header does not have the sheet's columns (any sheet: survey, ties)."""


@dataclass
class SheetRow:
    number: int
    cells: list

    def is_blank(self):
        return not any(str(cell).strip() for cell in self.cells if cell is not None)


@dataclass
class SheetTable:
    rows: list = field(default_factory=list)
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    sha256: str = ""

    @property
    def description(self):
        if self.file_format == "xlsx":
            return "xlsx"
        return f"{self.file_format}, {self.encoding}, {DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}"


def read_table(content: bytes, file_name: str = "") -> SheetTable:
    if content.startswith(XLSX_MAGIC):
        table = read_xlsx(content)
    elif file_name.lower().endswith((".xlsx", ".xlsm")):
        raise SheetReadError(_("%(name)s is not a readable xlsx file.") % {"name": file_name})
    else:
        table = read_text(content)
    table.sha256 = hashlib.sha256(content).hexdigest()
    return table


def read_xlsx(content: bytes) -> SheetTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise SheetReadError(_("The xlsx file cannot be read: %(error)s") % {"error": error}) from error
    sheet = workbook.active
    rows = [SheetRow(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)]
    workbook.close()
    return SheetTable(rows=rows, file_format="xlsx")


def decode_text(content: bytes):
    for encoding in TEXT_ENCODINGS:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
            continue
        return text, ("utf-8 (BOM)" if encoding == "utf-8-sig" else encoding)
    raise SheetReadError(_("The file is neither UTF-8 nor Shift_JIS (CP932) text."))


def detect_delimiter(text: str) -> str:
    sample = [line for line in text.splitlines()[:200] if line.strip()]
    counts = {delimiter: sum(line.count(delimiter) for line in sample) for delimiter in DELIMITER_NAMES}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_text(content: bytes) -> SheetTable:
    text, encoding = decode_text(content)
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    line_number = 1
    for cells in reader:
        rows.append(SheetRow(line_number, cells))
        line_number = reader.line_num + 1
    file_format = "tsv" if delimiter == "\t" else "csv"
    return SheetTable(rows=rows, file_format=file_format, encoding=encoding, delimiter=delimiter)
