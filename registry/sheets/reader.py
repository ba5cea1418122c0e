"""Read an uploaded sheet (xlsx, xls, ods, or csv/tsv in any of the encodings Japanese offices use) into rows.

Workbooks are read by ``registry.sheets.workbooks`` (calamine, after checks that bound the cost), text here.

Rows keep the number the user sees in the file (Excel's row number, the line
of a text file) so that every message can point at them.
"""
import csv
import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from registry.parsing.text import clean_control_characters, has_control_characters, label_key

XLSX_MAGIC = b"PK\x03\x04"
WORKBOOK_FORMATS = ("xlsx", "xls", "ods")
TEXT_ENCODINGS = ("utf-8-sig", "utf-8", "cp932")
DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon"}
# The dataset column holding each row's number in the file, for messages.
ROW_COLUMN = "行"


class SheetReadError(ValueError):
    """The file cannot be read as a sheet. ``located``: the message itself names the row (and column) it is
    about, as the user reads it (「7行目、15列目：…」), so nobody prefixes another location."""

    def __init__(self, message, *, located=False):
        super().__init__(message)
        self.located = located


class SheetLayoutError(ValueError):
    """The file reads, but its header does not have the sheet's columns (any sheet: survey, ties)."""


def headings(columns):
    """Every heading a sheet may give a column (its label and other labels, as ``label_key`` compares them) → key."""
    return {label_key(label): column.key for column in columns for label in (column.label, *column.other_labels)}


def header_columns(cells, keys_by_heading):
    """Column position → key for the cells of a header row; where two cells name one key, the first counts."""
    mapping = {}
    for index, cell in enumerate(cells):
        key = keys_by_heading.get(label_key(cell))
        if key and key not in mapping.values():
            mapping[index] = key
    return mapping


def no_data_rows_error():
    """A sheet with its header and nothing under it is a mistake, never an import of nothing."""
    return SheetLayoutError(_("The file has a header row but no data rows under it."))


@dataclass(frozen=True)
class SheetLimits:
    """How much of a file the reader takes before refusing it (settings SHEET_MAX_*)."""

    upload_bytes: int
    rows: int
    columns: int
    cell_chars: int
    xlsx_uncompressed_bytes: int
    shared_strings: int = 300_000
    shared_strings_bytes: int = 30_000_000

    @classmethod
    def from_settings(cls):
        return cls(
            upload_bytes=settings.SHEET_MAX_UPLOAD_BYTES,
            rows=settings.SHEET_MAX_ROWS,
            columns=settings.SHEET_MAX_COLUMNS,
            cell_chars=settings.SHEET_MAX_CELL_CHARS,
            xlsx_uncompressed_bytes=settings.SHEET_MAX_XLSX_UNCOMPRESSED_BYTES,
            shared_strings=settings.SHEET_MAX_SHARED_STRINGS,
            shared_strings_bytes=settings.SHEET_MAX_SHARED_STRINGS_BYTES,
        )

    def check_upload(self, size):
        if size > self.upload_bytes:
            raise SheetReadError(_("The file is %(size)s MB; files up to %(limit)s MB can be imported.")
                                 % {"size": megabytes(size, rounded_up=True), "limit": megabytes(self.upload_bytes)})

    def check_row_count(self, number):
        if number > self.rows:
            raise SheetReadError(_("The file has more than %(limit)s rows; split it into smaller files.")
                                 % {"limit": f"{self.rows:,}"})

    def cells(self, number, cells):
        """The row's cells as the importers see them: text cleaned, within the column and length limits."""
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if len(cells) > self.columns:  # xlsx rows are read one column past the limit, so "more than"
            raise SheetReadError(_("Row %(row)s has more than %(limit)s columns; a sheet may have at most %(limit)s.")
                                 % {"row": number, "limit": self.columns}, located=True)
        texts = [cell for cell in cells if isinstance(cell, str)]
        if not texts or (max(map(len, texts)) <= self.cell_chars and not has_control_characters("".join(texts))):
            return cells  # the usual row, checked at once: nothing too long, nothing to clean
        cleaned = []
        for column, cell in enumerate(cells, 1):
            if isinstance(cell, str):
                if len(cell) > self.cell_chars:
                    raise SheetReadError(
                        _("Row %(row)s, column %(column)s: the cell holds %(count)s characters; "
                          "at most %(limit)s are read.")
                        % {"row": number, "column": column, "count": f"{len(cell):,}", "limit": f"{self.cell_chars:,}"},
                        located=True,
                    )
                cell = clean_control_characters(cell)
            cleaned.append(cell)
        return cleaned


def megabytes(size, rounded_up=False):
    """Sizes as people read them: a limit as set (20, 0.001), a file's size rounded up to 0.1 MB."""
    if rounded_up:
        return f"{math.ceil(size / 100_000) / 10:.1f}".removesuffix(".0")
    return f"{size / 1_000_000:.3g}"


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
        if self.file_format in WORKBOOK_FORMATS:
            return self.file_format
        return f"{self.file_format}, {self.encoding}, {DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}"


def read_table(content: bytes, file_name: str = "", limits: SheetLimits = None) -> SheetTable:
    """The file's rows, or a SheetReadError saying in Japanese what is wrong and where."""
    limits = limits or SheetLimits.from_settings()
    limits.check_upload(len(content))
    from registry.sheets.workbooks import read_workbook, workbook_format

    file_format = workbook_format(content, file_name)
    table = read_workbook(content, file_format, limits) if file_format else read_text(content, limits)
    table.sha256 = hashlib.sha256(content).hexdigest()
    return table


def decode_text(content: bytes):
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetReadError(_("The file is UTF-16 text; save it as UTF-8 or Shift_JIS (CP932) CSV."))
    for encoding in TEXT_ENCODINGS:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
            continue
        return text, ("utf-8 (BOM)" if encoding == "utf-8-sig" else encoding)
    # Neither decodes: name the first line that is not UTF-8 (often one pasted from another file).
    first_bad = utf8_error_offset(content)
    raise SheetReadError(
        _("The file is neither UTF-8 nor Shift_JIS (CP932) text: line %(row)s is not UTF-8. "
          "Save the whole file in one of these encodings.") % {"row": content.count(b"\n", 0, first_bad) + 1},
        located=True,
    )


def utf8_error_offset(content):
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return 0


def detect_delimiter(text: str) -> str:
    sample = [line for line in text.splitlines()[:200] if line.strip()]
    counts = {delimiter: sum(line.count(delimiter) for line in sample) for delimiter in DELIMITER_NAMES}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_text(content: bytes, limits: SheetLimits) -> SheetTable:
    text, encoding = decode_text(content)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SheetReadError(_("Line %(row)s contains a NUL character: this is not a text file "
                               "(save the sheet as CSV or xlsx).") % {"row": line}, located=True)
    delimiter = detect_delimiter(text)
    # Strict: a quote must open and close a whole cell. The cell limit is checked per cell below,
    # with a message; the csv module's own limit only has to let any cell of an accepted upload through.
    csv.field_size_limit(max(limits.upload_bytes, 131072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines = text.splitlines()
    rows = []
    line_number = 1
    width = 0
    try:
        for cells in reader:
            limits.check_row_count(len(rows) + 1)
            if line_number < reader.line_num:
                check_multiline_cells(cells, line_number, delimiter, width, lines)
            cells = limits.cells(line_number, cells)
            width = width or len(cells)
            rows.append(SheetRow(line_number, cells))
            line_number = reader.line_num + 1
    except csv.Error as error:
        raise stray_quote_error(lines, line_number, delimiter) from error
    file_format = "tsv" if delimiter == "\t" else "csv"
    return SheetTable(rows=rows, file_format=file_format, encoding=encoding, delimiter=delimiter)


def stray_quote_error(lines, line_number, delimiter, column=None):
    """Where the row that could not be read begins: the cell whose opening quote never closes properly."""
    if column is None:
        line = lines[line_number - 1] if line_number <= len(lines) else ""
        starts = [index for index, cell in enumerate(line.split(delimiter), 1) if cell.startswith('"')]
        column = starts[-1] if starts else 1
    return SheetReadError(
        _("Row %(row)s, column %(column)s: a double quote (\") at the start of the cell opens a quoted cell "
          "that does not close where the cell ends. Remove the quote, or quote the whole cell and double "
          "the quotes inside it (\"\").") % {"row": line_number, "column": column},
        located=True,
    )


def check_multiline_cells(cells, line_number, delimiter, width, lines):
    """A quoted cell may hold line breaks, but not what reads as further rows of the file.

    One stray quote at the start of a cell makes a CSV reader take every following
    line into that cell, up to the next quote: a cell whose lines hold as many
    delimiters as a row has cells is rows swallowed, not text.
    """
    needed = max(1, (width - 1) // 2)
    for column, cell in enumerate(cells, 1):
        if "\n" in cell and any(part.count(delimiter) >= needed for part in cell.splitlines()[1:]):
            raise stray_quote_error(lines, line_number, delimiter, column)


DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def estimate_rows(content: bytes):
    """About how many rows the file has, without reading it: lines of a text file, the row count an xlsx
    sheet declares, the rows of an .xls or .ods as read (they declare no size; calamine reads them fast). None
    when an xlsx declares nothing, or the file is not readable: treat it as long.
    Only for deciding where to run an import; the reader enforces the real limits."""
    from registry.sheets.workbooks import OLE_MAGIC, is_ods, read_workbook

    if content.startswith(OLE_MAGIC) or content.startswith(XLSX_MAGIC) and is_ods(content, ""):
        try:
            return len(read_workbook(content, "xls" if content.startswith(OLE_MAGIC) else "ods",
                                     SheetLimits.from_settings()).rows)
        except SheetReadError:
            return None
    if not content.startswith(XLSX_MAGIC):
        return content.count(b"\n") + 1
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            counts = []
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as sheet:
                        found = DIMENSION.search(sheet.read(4096))
                    if found is None:
                        return None
                    counts.append(int(found.group(1)))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    return max(counts) if counts else None
