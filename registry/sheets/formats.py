"""Sheets as import-export formats: our reader in, the sheet kind's own layout out (each kind's ``layout``
derives its format from ``SheetFormat``)."""
from import_export.formats.base_formats import Format

from registry.core.downloads import XLSX_CONTENT_TYPE


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


