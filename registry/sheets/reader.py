"""Read an uploaded sheet (xlsx, csv or tsv in any of the encodings Japanese offices use) into rows.

Rows keep the number the user sees in the file (Excel's row number, the line
of a text file) so that every message can point at them.
"""
import csv
import hashlib
import io
import logging
import math
import re
import xml.parsers.expat
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from registry.parsing.text import clean_control_characters, label_key

XLSX_MAGIC = b"PK\x03\x04"
# A formula element (<f>, <x:f …>, <f/>): a sheet's formulas live only in such elements.
FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
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
        if self.file_format == "xlsx":
            return "xlsx"
        return f"{self.file_format}, {self.encoding}, {DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}"


def read_table(content: bytes, file_name: str = "", limits: SheetLimits = None) -> SheetTable:
    """The file's rows, or a SheetReadError saying in Japanese what is wrong and where."""
    limits = limits or SheetLimits.from_settings()
    limits.check_upload(len(content))
    if content.startswith(XLSX_MAGIC):
        table = read_xlsx(content, limits)
    elif file_name.lower().endswith((".xlsx", ".xlsm")):
        raise SheetReadError(_("%(name)s is not a readable xlsx file.") % {"name": file_name})
    else:
        table = read_text(content, limits)
    table.sha256 = hashlib.sha256(content).hexdigest()
    return table


def read_xlsx(content: bytes, limits: SheetLimits) -> SheetTable:
    """Stream the active sheet (read-only), stopping at the limits whatever the file declares."""
    check_archive(content, limits)  # and its shared strings, before openpyxl loads them all
    formulas = formula_cells(content, limits) if may_hold_formulas(content) else set()
    workbook = open_workbook(content, data_only=True)
    try:
        sheet = workbook.active
        rows = []
        for number, values, in enumerate(bounded_rows(sheet, limits), 1):
            cells = limits.cells(number, list(values))
            for column, cell in enumerate(cells, 1):
                if cell is None and (number, column) in formulas:
                    raise SheetReadError(
                        _("Row %(row)s, column %(column)s: the cell holds a formula whose result was not saved "
                          "in the file. Open the file in Excel and save it again (or paste the values).")
                        % {"row": number, "column": column},
                        located=True,
                    )
            rows.append(SheetRow(number, cells))
    except SheetReadError:
        raise
    except Exception as error:  # a part of the archive that breaks only while streaming
        raise unreadable_xlsx(error) from error
    finally:
        workbook.close()
    return SheetTable(rows=rows, file_format="xlsx")


def unreadable_xlsx(error):
    """The library's own words (English, e.g. 「limit on input amplification factor」) go to the log, not to the
    user."""
    logging.getLogger(__name__).info("unreadable xlsx: %r", error)
    return SheetReadError(_("The xlsx file cannot be read: it is damaged or holds parts a workbook does not. "
                            "Open it in Excel, save it again as .xlsx and import that file."))


def check_archive(content, limits):
    """Refuse a damaged archive, or one that unpacks to more than the limit (a zip bomb), before parsing."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable_xlsx(error) from error
    if unpacked > limits.xlsx_uncompressed_bytes:
        raise SheetReadError(
            _("The xlsx file unpacks to %(size)s MB; files that unpack to at most %(limit)s MB can be imported.")
            % {"size": megabytes(unpacked, rounded_up=True), "limit": megabytes(limits.xlsx_uncompressed_bytes)}
        )
    check_shared_strings(content, limits)


def check_shared_strings(content, limits):
    """Refuse a table of shared strings larger than the limits (a million unused strings fit in 2.6 MB of xlsx
    and would take openpyxl 45 s and 256 MB to load): its unpacked size as the archive declares it, then, while
    streaming it, the strings themselves (the table's ``count`` attributes are the file's word, not checked) and
    the bytes actually unpacked. The table is the part the package's manifest names, as openpyxl finds it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        name = shared_strings_part(archive)
        if name is None:
            return
        try:
            declared = archive.getinfo(name).file_size
        except KeyError:
            return  # no such part: openpyxl's own reading says what is wrong
        if declared > limits.shared_strings_bytes:
            raise shared_strings_error(limits)
        try:
            with archive.open(name) as part:
                count_shared_strings(part, limits)
        except (zipfile.BadZipFile, OSError, EOFError, xml.parsers.expat.ExpatError) as error:
            raise unreadable_xlsx(error) from error


def shared_strings_part(archive):
    """The archive's name of the shared strings part, from the package manifest (None when it names none)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    try:
        manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    except Exception:  # noqa: BLE001 - a damaged manifest: openpyxl's own reading says what is wrong
        return None
    found = manifest.find(SHARED_STRINGS)
    return found.PartName[1:] if found is not None else None


class TooManySharedStrings(Exception):
    pass


def count_shared_strings(part, limits):
    """Stream the part through expat, counting string items (``si``, whatever their prefix) and bytes; stop at
    the first over either limit."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    count = unpacked = 0

    def start(name, _attributes):
        nonlocal count
        if name.rpartition(" ")[2] == "si":
            count += 1
            if count > limits.shared_strings:
                raise TooManySharedStrings

    parser.StartElementHandler = start
    try:
        while chunk := part.read(1 << 20):
            unpacked += len(chunk)
            if unpacked > limits.shared_strings_bytes:
                raise TooManySharedStrings
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except TooManySharedStrings:
        raise shared_strings_error(limits) from None


def shared_strings_error(limits):
    return SheetReadError(
        _("The xlsx file holds more shared text than a sheet can use: at most %(count)s different texts "
          "(%(size)s MB) can be imported. Copy the sheet's cells into a new workbook and save it again.")
        % {"count": f"{limits.shared_strings:,}", "size": megabytes(limits.shared_strings_bytes)}
    )


def open_workbook(content, data_only):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise unreadable_xlsx(error) from error


def bounded_rows(sheet, limits):
    """Rows as stored, ignoring the sheet's declared size (a 5 KB file may declare A1:XFD1048576)."""
    sheet.reset_dimensions()
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=limits.columns + 1), 1):
        limits.check_row_count(number)
        yield values


def may_hold_formulas(content):
    """False when no part of the archive (whatever its name) has a formula element: then no cell needs the second
    reading that ``formula_cells`` takes, about as long as reading the values. True when in doubt."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for info in archive.infolist():
                with archive.open(info) as part:
                    tail = b""
                    while chunk := part.read(1 << 20):
                        if FORMULA_ELEMENT.search(tail + chunk):
                            return True
                        tail = chunk[-64:]  # an element cut between two chunks
    except Exception:  # a damaged part: the readings that follow say what is wrong with it
        return True
    return False


def formula_cells(content, limits):
    """(row, column) of every formula cell: read for values, a formula without a saved result reads as empty."""
    workbook = open_workbook(content, data_only=False)
    try:
        found = set()
        for number, values in enumerate(bounded_rows(workbook.active, limits), 1):
            found.update((number, column) for column, value in enumerate(values, 1)
                         if isinstance(value, str) and value.startswith("="))
        return found
    except SheetReadError:
        raise
    except Exception as error:
        raise unreadable_xlsx(error) from error
    finally:
        workbook.close()


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
    sheet declares. None when an xlsx declares nothing (or is not a readable archive): treat it as long.
    Only for deciding where to run an import; the reader enforces the real limits."""
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
