"""Read an uploaded workbook (xlsx, xls or ods) with calamine, after checks that bound what reading it may cost.

calamine (python-calamine) reads the whole sheet before giving the first row, so the limits a streaming reader
would check row by row are checked before it runs, on what the file really holds: the archive's unpacked size
and the xlsx's shared strings, then the sheet's XML: a cell past the row or column limit (whatever the sheet
declares) and a formula whose result was not saved are refused. For an xlsx a quick byte-level proof
(``registry.sheets.xlsx_bounds``) settles the usual sheet; what it is not sure of, and every ods, gets one
streaming pass (``scan_part``) that names the row and column. An .xls
(Excel 97–2003) is bounded by its format (65,536 rows, 256 columns) and the upload limit; its rows are checked
while iterating. See docs/decisions/calamine-reader.md.
"""
import datetime
import io
import logging
import posixpath
import re
import xml.etree.ElementTree as ElementTree
import xml.parsers.expat
import zipfile

from django.utils.translation import gettext as _

from registry.sheets.tables import SheetLimits, SheetReadError, SheetRow, SheetTable, megabytes
from registry.sheets.xlsx_bounds import sheet_within_limits

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file an .xls is stored in
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
WORKBOOK_SUFFIXES = {"xlsx": "xlsx", "xlsm": "xlsx", "xls": "xls", "ods": "ods"}
SPREADSHEETML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
CELL_REFERENCE = re.compile(r"([A-Za-z]+)([0-9]+)")  # as calamine reads it: "ab12" is AB12


def workbook_format(content: bytes, file_name: str):
    """'xlsx', 'xls' or 'ods' from what the file is (its first bytes); None for a text file. A workbook's name on
    something else is refused here, before the text reader takes it for CSV."""
    if content.startswith(OLE_MAGIC):
        return "xls"
    if content.startswith(ZIP_MAGIC):
        return "ods" if is_ods(content, file_name) else "xlsx"
    named = WORKBOOK_SUFFIXES.get(file_name.lower().rpartition(".")[2]) if "." in file_name else None
    if named:
        raise SheetReadError(_("%(name)s is not a readable %(format)s file.") % {"name": file_name, "format": named})
    return None


def is_ods(content, file_name):
    """An OpenDocument spreadsheet names itself in its ``mimetype`` member; a damaged archive goes by its name."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return archive.read("mimetype").strip() == ODS_MIMETYPE
    except KeyError:
        return False
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return file_name.lower().endswith(".ods")


def read_workbook(content: bytes, file_format: str, limits: SheetLimits) -> SheetTable:
    """The rows of the sheet a user sees on opening the file (xlsx: the active sheet; xls, ods: the first)."""
    sheet_name = None
    if file_format == "xlsx":
        check_archive(content, limits, "xlsx")  # and its shared strings, before anything loads them
        sheet_name, part = xlsx_active_sheet(content)
        if not sheet_within_limits(content, part, limits):  # the quick proof of the common case, else:
            scan_part(content, part, XlsxScan(limits), "xlsx")
    elif file_format == "ods":
        check_archive(content, limits, "ods")
        scan_part(content, "content.xml", OdsScan(limits), "ods")
    return SheetTable(rows=calamine_rows(content, file_format, sheet_name, limits), file_format=file_format)


def calamine_rows(content, file_format, sheet_name, limits):
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(content)) as workbook:
            names = workbook.sheet_names
            if sheet_name is not None and sheet_name not in names:  # not the sheet the scan checked: refused
                raise unreadable(file_format, f"no sheet named {sheet_name!r}")
            sheet = workbook.get_sheet_by_name(sheet_name if sheet_name is not None else names[0])
            # Rows come from the sheet's first row; columns from its first used column.
            padding = [None] * (sheet.start[1] if sheet.start else 0)
            rows = []
            for number, values in enumerate(sheet.iter_rows(), 1):
                limits.check_row_count(number)
                shown = [value if value.__class__ is str and value else shown_value(value) for value in values]
                rows.append(SheetRow(number, limits.cells(number, padding + shown)))
            return rows
    except (CalamineError, IndexError, ValueError, OverflowError) as error:
        if isinstance(error, SheetReadError):
            raise
        raise unreadable(file_format, error) from error


def shown_value(value):
    """A cell as the openpyxl reader gave it: empty as None, 12.0 as 12, a date as a datetime at midnight."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if type(value) is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)
    return value


def unreadable(file_format, error):
    """The library's own words (English) go to the log, not to the user."""
    logging.getLogger(__name__).info("unreadable %s: %r", file_format, error)
    if file_format == "xlsx":
        return SheetReadError(_("The xlsx file cannot be read: it is damaged or holds parts a workbook does not. "
                                "Open it in Excel, save it again as .xlsx and import that file."))
    return SheetReadError(_("The %(format)s file cannot be read: it is damaged or is not a workbook. Open it in "
                            "the program that made it, save it again and import that file.") % {"format": file_format})


def unreadable_xlsx(error):
    return unreadable("xlsx", error)


def check_archive(content, limits, file_format):
    """Refuse a damaged archive, or one that unpacks to more than the limit (a zip bomb), before parsing."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable(file_format, error) from error
    if unpacked > limits.xlsx_uncompressed_bytes:
        raise SheetReadError(
            _("The %(format)s file unpacks to %(size)s MB; files that unpack to at most %(limit)s MB can be "
              "imported.") % {"format": file_format, "size": megabytes(unpacked, rounded_up=True),
                              "limit": megabytes(limits.xlsx_uncompressed_bytes)}
        )
    if file_format == "xlsx":
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



# -- where the sheet is ---------------------------------------------------------------------------------------

def xlsx_active_sheet(content):
    """(name, archive part) of the sheet Excel shows on opening the file, as openpyxl's ``workbook.active``."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, zipfile.BadZipFile, OSError, ElementTree.ParseError) as error:
        raise unreadable_xlsx(error) from error
    sheets = workbook.findall(f"{SPREADSHEETML}sheets/{SPREADSHEETML}sheet")
    view = workbook.find(f"{SPREADSHEETML}bookViews/{SPREADSHEETML}workbookView")
    tab = view.get("activeTab", "0") if view is not None else "0"
    active = int(tab) if re.fullmatch(r"[0-9]{1,5}", tab) else 0
    if not sheets:
        raise unreadable_xlsx("no sheet")
    names = [entry.get("name") for entry in sheets]
    if len(set(names)) < len(names):  # Excel never saves two sheets of one name: the scan and calamine could differ
        raise unreadable_xlsx("two sheets of one name")
    sheet = sheets[active] if active < len(sheets) else sheets[0]
    targets = {relation.get("Id"): relation.get("Target", "")
               for relation in relations.iter(f"{PACKAGE_RELATIONSHIPS}Relationship")}
    target = targets.get(sheet.get(f"{RELATIONSHIPS}id"), "")
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return sheet.get("name"), part


# -- one streaming pass over the sheet's XML ------------------------------------------------------------------

class StopScan(Exception):
    """The sheet ended: the rest of the part is not the sheet calamine will read."""


def scan_part(content, part, scan, file_format):
    """Stream the archive member through expat; the scan raises SheetReadError at the first cell over a limit."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(part) as stream:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except StopScan:
        return
    except SheetReadError:
        raise
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, xml.parsers.expat.ExpatError, ValueError) as error:
        raise unreadable(file_format, error) from error  # ValueError: a number attribute int() refuses (「²」)


class CellScan:
    """What both XML scans check of a cell that holds something: its row and column within the limits, and a
    formula's saved result."""

    def __init__(self, limits):
        self.limits = limits

    def check_cell(self, row, first_column, last_column, formula_without_value):
        self.limits.check_row_count(row)
        if last_column > self.limits.columns:
            raise SheetReadError(_("Row %(row)s has more than %(limit)s columns; a sheet may have at most %(limit)s.")
                                 % {"row": row, "limit": self.limits.columns}, located=True)
        if formula_without_value:
            raise SheetReadError(
                _("Row %(row)s, column %(column)s: the cell holds a formula whose result was not saved "
                  "in the file. Open the file in Excel and save it again (or paste the values).")
                % {"row": row, "column": first_column},
                located=True,
            )

    def text(self, data):
        pass


class XlsxScan(CellScan):
    """A cell's place is its reference (``<c r>``), as calamine places it; a cell without one follows the cell
    before it in its row (``<row r>``, or the row after the one before). A cell is bounded when calamine would
    keep it: with a value element (``<v>``, even blank; ``<is>``) or a formula (``<f>``); a formula must have a
    saved result (inline text, or ``<v>`` with text)."""

    def __init__(self, limits):
        super().__init__(limits)
        self.row = self.column = self.cell_row = 0
        self.formula = self.value = self.kept = self.in_value = False

    def start(self, name, attributes):
        name = name.rpartition(" ")[2]
        if name == "c":
            self.cell_row, self.column = cell_place(attributes.get("r"), self.row, self.column + 1)
            self.formula = self.value = self.kept = False
        elif name == "row":
            reference = attributes.get("r", "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = 0
        elif name == "v":
            self.in_value = self.kept = True
        elif name == "f":
            self.formula = self.kept = True
        elif name == "is":
            self.value = self.kept = True

    def text(self, data):
        if self.in_value and data.strip():
            self.value = True

    def end(self, name):
        name = name.rpartition(" ")[2]
        if name == "v":
            self.in_value = False
        elif name == "c" and self.kept:
            self.check_cell(self.cell_row, self.column, self.column, self.formula and not self.value)
        elif name == "sheetData":
            raise StopScan


def cell_place(reference, row, following):
    """(row, column) of a cell reference ("AB12" → (12, 28)); a cell without one is in ``row``, at ``following``."""
    found = CELL_REFERENCE.fullmatch(reference or "")
    if not found:
        return row, following
    number = 0
    for letter in found.group(1).upper():
        number = number * 26 + ord(letter) - 64
    return int(found.group(2)), number


class OdsScan(CellScan):
    """The first table of content.xml, with its repeats expanded by arithmetic: a row or cell repeated a million
    times counts as a million rows or cells, but only where it holds something (LibreOffice ends every sheet with
    repeated empty rows). A cell holds something with a value type, text or a formula; a formula without a value
    type has no saved result."""

    def __init__(self, limits):
        super().__init__(limits)
        self.depth = 0  # tables entered: only the first, outermost one is the sheet
        self.next_row = 1
        self.row_repeat = 1
        self.column = 0
        self.cell = None  # (first column, last column, formula, value) of the cell being read

    def start(self, name, attributes):
        if name == ODS_TABLE + "table":
            self.depth += 1
        elif self.depth != 1:
            return
        elif name == ODS_TABLE + "table-row":
            self.row_repeat = repeat(attributes, "number-rows-repeated")
            self.column = 0
        elif name in (ODS_TABLE + "table-cell", ODS_TABLE + "covered-table-cell"):
            first = self.column + 1
            self.column += repeat(attributes, "number-columns-repeated")
            self.cell = [first, self.column, ODS_TABLE + "formula" in attributes,
                         ODS_OFFICE + "value-type" in attributes]
        elif name.startswith(ODS_TEXT) and self.cell is not None:
            self.cell[3] = self.cell[3] or not self.cell[2]  # text in a formula cell is not a saved result

    def end(self, name):
        if name == ODS_TABLE + "table":
            self.depth -= 1
            if self.depth == 0:
                raise StopScan
        elif self.depth != 1:
            return
        elif name in (ODS_TABLE + "table-cell", ODS_TABLE + "covered-table-cell"):
            first, last, formula, value = self.cell
            if formula or value:
                self.check_cell(self.next_row + self.row_repeat - 1 if value else self.next_row, first, last,
                                formula and not value)
            self.cell = None
        elif name == ODS_TABLE + "table-row":
            self.next_row += self.row_repeat


def repeat(attributes, name):
    value = attributes.get(ODS_TABLE + name, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1
