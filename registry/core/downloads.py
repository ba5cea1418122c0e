"""Every CSV and xlsx the project hands out goes through this one writer.

* **CSV**: UTF-8 with a BOM (so Japanese Excel opens it as UTF-8), CRLF lines, streamed row by row with
  ``StreamingHttpResponse``.
* **xlsx**: one sheet written row by row by XlsxWriter in constant-memory mode into a temporary file, streamed
  from there, so memory stays flat however many rows there are.
* **Cells**: text that a spreadsheet would run as a formula (``= + - @`` at the start) never becomes one: in CSV
  it gets a leading ``'``, in xlsx it is always written as a string cell. Control characters that a record may
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
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import xlsxwriter
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


# Text stays text: XlsxWriter would otherwise turn "=…", "http…" and "12" into formulas, links and numbers.
XLSX_OPTIONS = {
    "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
}
_SHEET_NAME_FORBIDS = str.maketrans({character: "_" for character in "[]:*?/\\"})


def sheet_name(title):
    """A sheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters, no apostrophe at either end."""
    return clean_control_characters(str(title)).translate(_SHEET_NAME_FORBIDS)[:31].strip("'") or "Sheet"


def _xlsx_cell_writer(sheet):
    """``write(row, column, value)`` for one sheet: text (cleaned once per distinct value) always as a string
    cell, never a formula or link; numbers as numbers; NaN and infinities as their text; empty cells skipped."""
    text_cell = Remembered(cell_value)
    write_string, write_number = sheet.write_string, sheet.write_number

    def write(row, column, value):
        value = text_cell[value] if type(value) is str else cell_value(value)
        if type(value) is str:
            if value:
                write_string(row, column, value)
        elif isinstance(value, float) and not math.isfinite(value):
            write_string(row, column, str(value))
        else:
            write_number(row, column, value)

    return write


def xlsx_file(headers, rows, title):
    """A workbook of one sheet (header row frozen) written by XlsxWriter in constant-memory mode into a temporary
    file positioned at its start: each row goes to disk as soon as the next begins, so memory stays flat."""
    target = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(target, XLSX_OPTIONS)
    sheet = workbook.add_worksheet(sheet_name(title))
    sheet.freeze_panes(1, 0)
    write = _xlsx_cell_writer(sheet)
    for row_number, row in enumerate(itertools.chain([headers], rows)):
        for column, value in enumerate(row):
            write(row_number, column, value)
    workbook.close()
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
