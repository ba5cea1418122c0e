"""Every CSV and xlsx the project hands out goes through this one writer.

* **CSV**: UTF-8 with a BOM (so Japanese Excel opens it as UTF-8), CRLF lines, streamed row by row with
  ``StreamingHttpResponse``.
* **xlsx**: one sheet written as SpreadsheetML row by row into a zip in a temporary file (``xlsx_file`` says
  why not openpyxl or XlsxWriter), streamed from there, so memory stays flat however many rows there are.
* **Cells**: text that a spreadsheet would run as a formula (``= + - @`` at the start) never becomes one: in CSV
  it gets a leading ``'``, in xlsx it is stored as an explicit text cell. Control characters that a record may
  already hold (``\\x0b`` pasted from Word, NUL …) are cleaned here, in the one place every writer passes
  through: vertical tab and form feed become a line break, the others are dropped. Numbers stay numbers.
* **Queries**: rows come from ``QuerySet.iterator()`` in chunks (one query per chunk for the rows and their
  ``select_related`` relations), and country names are looked up once per language, not per row. When every
  column names the ``fields`` it reads, rows are read with ``values_list()`` instead: no model instances (a
  third of the time of a 10,000-row export went into building them), and each column converts each distinct
  value once per download.

The survey and agreement sheet writers (openpyxl normal-mode workbooks with merged header cells) use
``write_cell`` for the same cleaning and neutralization.
"""
import csv
import itertools
import math
import operator
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable
from xml.sax.saxutils import escape

from django.db.models.query import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import get_language

from registry.parsing.text import clean_control_characters

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")
CSV_CHUNK_ROWS = 500
QUERY_CHUNK_ROWS = 2000
MEMO_ENTRIES = 4096  # distinct values remembered per column (or per file's text cells) in one download


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its key (for code and tests), its header, how to read it from a record when
    downloading, and other headers an uploaded sheet may use for it. A column that names ``fields`` (lookups
    for ``QuerySet.values()``) reads its value from the dict of those lookups instead of a model instance."""

    key: str
    label: str
    value: Callable = None
    other_labels: tuple = ()
    fields: tuple = ()


def cell_value(value):
    """A value as a cell holds it: numbers as numbers, ``None`` as empty, everything else as clean text."""
    if type(value) is str:
        return clean_control_characters(value)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return clean_control_characters(str(value))


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    value = cell_value(value)
    return "'" + value if type(value) is str and value.startswith(FORMULA_STARTS) else value


def write_cell(sheet, row, column, value):
    """Write one cell of a normal-mode openpyxl sheet; text always stays text."""
    cell = sheet.cell(row=row, column=column)
    cell.value = cell_value(value)
    if is_formula_like(cell.value):
        cell.data_type = "s"
    return cell


@lru_cache(maxsize=4096)
def _country_names(codes, language):
    from django_countries import countries

    return "、".join(str(countries.name(code) or code) for code in codes)


@lru_cache(maxsize=64)
def _choice_labels(choices, language):
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices, value):
    """The label of a value of a ``TextChoices`` class, translated once per language, not once per row."""
    return _choice_labels(choices, get_language()).get(value, value)


def country_names(countries):
    """Country codes (a list of codes or ``Country`` objects, or the stored "CN,HK") as names joined by 、."""
    if isinstance(countries, str):
        codes = tuple(code for code in countries.split(",") if code)
    else:
        codes = tuple(str(getattr(country, "code", country)) for country in countries)
    return _country_names(codes, get_language())


class Remembered(dict):
    """``convert``'s results by input, for one download: ``remembered[value]`` converts each distinct value once
    (most columns repeat: organizations, countries, forms, years, contractors), keeping up to MEMO_ENTRIES; a hit
    is a plain dictionary lookup."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __missing__(self, value):
        result = self.convert(value)
        if len(self) < MEMO_ENTRIES:
            self[value] = result
        return result


def _reader(column, position):
    """(key of a row, its converted value by key) for a column read from rows of ``values_list(*lookups)``
    (``position``: lookup → index)."""
    fields = column.fields
    key_of = operator.itemgetter(*(position[field] for field in fields))  # one value, or a tuple of several
    if len(fields) == 1:
        return key_of, Remembered(lambda value: column.value({fields[0]: value}))
    return key_of, Remembered(lambda values: column.value(dict(zip(fields, values))))


def rows_of(columns, objects):
    if not isinstance(objects, QuerySet):
        for obj in objects:
            yield [column.value(obj) for column in columns]
        return
    if not all(column.fields for column in columns):
        for obj in objects.iterator(chunk_size=QUERY_CHUNK_ROWS):
            yield [column.value(obj) for column in columns]
        return
    lookups = list(dict.fromkeys(field for column in columns for field in column.fields))
    readers = [_reader(column, {lookup: index for index, lookup in enumerate(lookups)}) for column in columns]
    rows = objects.values_list(*lookups).iterator(chunk_size=QUERY_CHUNK_ROWS)
    while chunk := list(itertools.islice(rows, QUERY_CHUNK_ROWS)):
        # column by column: the key of each row and its value are looked up without a Python call per cell
        converted = [list(map(values.__getitem__, map(key_of, chunk))) for key_of, values in readers]
        yield from zip(*converted)


class _Echo:
    """A file-like object whose write returns what it was given, for csv.writer in a generator."""

    def write(self, value):
        return value


def csv_chunks(headers, rows):
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_cell(header) for header in headers])
    text_cell = Remembered(csv_cell)
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([text_cell[value] if type(value) is str else
                                      value if type(value) is int else csv_cell(value) for value in row]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XLSX_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOCUMENT}/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        f'<fills count="2"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill></fills>'
        f'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        f'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        f'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}
_WORKBOOK = (f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOCUMENT}"><sheets>'
             '<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_SHEET_START = (f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews><sheetData>')
_SHEET_END = "</sheetData></worksheet>"
_SHEET_NAME_FORBIDS = str.maketrans({character: "_" for character in "[]:*?/\\"})
XLSX_COMPRESSION = 1  # zlib level: the sheet's XML is very repetitive; level 1 is a third of level 6's time
XLSX_ROWS_PER_WRITE = 500


def column_letters(count):
    """A, B, …, Z, AA, AB, … for the first ``count`` columns."""
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _text_xml(value):
    """The rest of a text cell after its reference: always an inline string, never a formula."""
    text = escape(value)
    return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _xlsx_cells(values, references, row_number, text_xml):
    cells = []
    for reference, value in zip(references, values):
        value = cell_value(value)
        if type(value) is str:
            if value:
                cells.append(f'<c r="{reference}{row_number}"{text_xml[value]}')
        elif isinstance(value, float) and not math.isfinite(value):
            cells.append(f'<c r="{reference}{row_number}"{_text_xml(str(value))}')
        else:
            cells.append(f'<c r="{reference}{row_number}"><v>{value!r}</v></c>')
    return f'<row r="{row_number}">{"".join(cells)}</row>'


def xlsx_file(headers, rows, title):
    """A workbook of one sheet (header row frozen), written as SpreadsheetML straight into a zip in a temporary
    file positioned at its start: rows are written as they come, so memory stays flat.

    Written here rather than by openpyxl (write-only mode) or XlsxWriter (constant-memory mode): those build an
    object or make several calls per cell, 2.5–3 s and ~1.7 s for 10,000 rows of 23 columns on this project's
    machines, against 1.5 s asked for the whole download; the one sheet of a list needs none of their features.
    Text cells are inline strings (never formulas, so ``=…`` stays text), numbers are numbers, empty cells are
    not written; ``cell_value`` cleans every value as for CSV.
    """
    target = tempfile.TemporaryFile()
    name = clean_control_characters(str(title)).translate(_SHEET_NAME_FORBIDS)[:31].strip("'") or "Sheet"
    references = column_letters(len(headers))
    text_xml = Remembered(_text_xml)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSION) as package:
        for part, xml in XLSX_PARTS.items():
            package.writestr(part, _XML + xml)
        package.writestr("xl/workbook.xml", _XML + _WORKBOOK.format(name=escape(name, {'"': "&quot;"})))
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = [_XML, _SHEET_START, _xlsx_cells(headers, references, 1, text_xml)]
            for row_number, row in enumerate(rows, start=2):
                chunk.append(_xlsx_cells(row, references, row_number, text_xml))
                if len(chunk) >= XLSX_ROWS_PER_WRITE:
                    sheet.write("".join(chunk).encode("utf-8", "replace"))
                    chunk = []
            chunk.append(_SHEET_END)
            sheet.write("".join(chunk).encode("utf-8", "replace"))
    target.seek(0)
    return target


def download_response(file_format, headers, rows, file_name_stem, title=None):
    """The download as an HTTP response: ``file_format`` is "csv" or "xlsx"; rows are iterated once."""
    headers = [str(header) for header in headers]
    file_name = f"{file_name_stem}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            (text.encode("utf-8") for text in csv_chunks(headers, rows)), content_type=CSV_CONTENT_TYPE
        )
    else:
        response = FileResponse(xlsx_file(headers, rows, title or file_name_stem), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def export_response(file_format, columns, objects, file_name_stem, title=None):
    """A list download: one column per ``Column``, one row per object (a queryset is read in chunks)."""
    return download_response(
        file_format, [column.label for column in columns], rows_of(columns, objects), file_name_stem, title
    )
