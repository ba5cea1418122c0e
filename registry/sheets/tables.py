"""What a read sheet is (rows of cleaned cells) and how much of a file is read: shared by the text reader
(``reader``) and the workbook reader (``workbooks``), which the reader calls."""
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from registry.parsing.text import clean_control_characters, has_control_characters


WORKBOOK_FORMATS = ("xlsx", "xls", "ods")


DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon"}


class SheetReadError(ValueError):
    """The file cannot be read as a sheet. ``located``: the message itself names the row (and column) it is
    about, as the user reads it (「7行目、15列目：…」), so nobody prefixes another location."""

    def __init__(self, message, *, located=False):
        super().__init__(message)
        self.located = located


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
