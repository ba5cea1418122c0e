"""A small OpenDocument spreadsheet writer for tests: an .ods is a zip of ``mimetype`` and ``content.xml``."""
import io
import zipfile
from xml.sax.saxutils import escape

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
              'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2"')
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>')


def cell(value):
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def row(values):
    return "<table:table-row>" + "".join(cell(value) for value in values) + "</table:table-row>"


def content_xml(rows_xml):
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}><office:body>'
            f'<office:spreadsheet><table:table table:name="Sheet1">{rows_xml}</table:table>'
            '</office:spreadsheet></office:body></office:document-content>')


def ods_bytes(rows=(), rows_xml=None):
    """The rows (lists of str / int / None) as an .ods; or ``rows_xml``, the table's rows written by hand."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE)  # first and stored, as the format asks
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("content.xml", content_xml(rows_xml if rows_xml is not None else
                                                    "".join(row(values) for values in rows)))
    return buffer.getvalue()
