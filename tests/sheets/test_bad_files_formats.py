"""Issue 28: the hostile-file corpus grows with .xls and .ods: broken files, bombs and a wrong name, each
refused through the command with its Japanese message and every table left as it was."""
import io
import zipfile

import pytest

from tests.files.make_survey_2017_workbooks import TARGET
from tests.support.ods import content_xml, ods_bytes
from tests.support.sheets import HEADER, SUBHEADER, TITLE, base_row
from tests.sheets.test_bad_files import fingerprint, filled_registry  # noqa: F401 - the module's registry fixture
from tests.sheets.test_bad_files_bounds import import_refused

XLS_2017 = TARGET / "clair_overseas_bases_2017-09.xls"
ODS_2017 = TARGET / "clair_overseas_bases_2017-09.ods"


def survey_ods(rows_xml=""):
    """The survey header, one good row, then rows written by hand."""
    from tests.support.ods import row

    head = "".join(row(values) for values in ([TITLE], [], HEADER, SUBHEADER, base_row(number="1")))
    return ods_bytes(rows_xml=head + rows_xml)


def ods_zip_bomb():
    """content.xml padded to 210 MB unpacked (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        with archive.open("content.xml", "w", force_zip64=True) as member:
            member.write(content_xml("").replace("</office:document-content>", "").encode())
            for _ in range(210):
                member.write(b" " * 1_000_000)
            member.write(b"</office:document-content>")
    return buffer.getvalue()


REPEATED_ROWS = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string">'
                 '<text:p>x</text:p></table:table-cell></table:table-row>')
REPEATED_COLUMNS = ('<table:table-row><table:table-cell table:number-columns-repeated="5000" '
                    'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
FORMULA_WITHOUT_VALUE = '<table:table-row><table:table-cell table:formula="of:=[.L6]+[.M6]"/></table:table-row>'

def xlsx_with_workbook_xml(change):
    """A two-sheet survey xlsx whose xl/workbook.xml is rewritten by ``change`` (as only a crafted file is)."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in ([TITLE], [], HEADER, SUBHEADER, base_row(number="1")):
        book.active.append(row)
    book.create_sheet("Sheet2").append(["x"])
    saved = io.BytesIO()
    book.save(saved)
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, change(data.decode()).encode() if item.filename == "xl/workbook.xml" else data)
    return rebuilt.getvalue()


def active_tab(value):
    return lambda xml: xml.replace('activeTab="0"', f'activeTab="{value}"', 1)


CORPUS = {
    "two-sheets-of-one-name-xlsx": ("sheet.xlsx", lambda: xlsx_with_workbook_xml(
        lambda xml: active_tab("1")(xml.replace('name="Sheet2"', 'name="Sheet"'))), "xlsxファイルを読み込めません"),
    "superscript-repeat-ods": ("sheet.ods", lambda: survey_ods(REPEATED_ROWS.replace('"1000000"', '"²"')),
                               "odsファイルを読み込めません"),
    "truncated-xls": ("sheet.xls", lambda: XLS_2017.read_bytes()[:20_000], "xlsファイルを読み込めません"),
    "ole-header-only-xls": ("sheet.xls", lambda: XLS_2017.read_bytes()[:512], "xlsファイルを読み込めません"),
    "text-named-xls": ("sheet.xls", lambda: "\t".join(HEADER).encode(), "xlsファイルとして読み込めません"),
    "text-named-ods": ("sheet.ods", lambda: "\t".join(HEADER).encode(), "odsファイルとして読み込めません"),
    "truncated-ods": ("sheet.ods", lambda: ODS_2017.read_bytes()[:30_000], "odsファイルを読み込めません"),
    "ods-without-content": ("sheet.ods", lambda: ods_without_content(), "odsファイルを読み込めません"),
    "zip-bomb-ods": ("sheet.ods", ods_zip_bomb, "展開すると"),
    "million-repeated-rows-ods": ("sheet.ods", lambda: survey_ods(REPEATED_ROWS), "50,000行"),
    "5000-repeated-columns-ods": ("sheet.ods", lambda: survey_ods(REPEATED_COLUMNS), "200列を超えています"),
    "formula-without-value-ods": ("sheet.ods", lambda: survey_ods(FORMULA_WITHOUT_VALUE), "6行目、1列目"),
}


def ods_without_content():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
    return buffer.getvalue()


def refused(tmp_path, capsys, file_name, content):
    return import_refused(tmp_path, capsys, content, file_name)


@pytest.mark.parametrize("key", list(CORPUS))
def test_each_bad_xls_or_ods_is_refused_with_its_message_and_changes_nothing(db, filled_registry, tmp_path,  # noqa: F811
                                                                             capsys, key):
    file_name, build, words = CORPUS[key]
    before = fingerprint()
    printed = refused(tmp_path, capsys, file_name, build())
    assert words in printed, printed[-2000:]
    assert "Traceback" not in printed and "Calamine" not in printed
    assert fingerprint() == before


@pytest.mark.parametrize("path", [XLS_2017, ODS_2017], ids=["xls", "ods"])
def test_an_xls_or_ods_over_the_row_limit_is_refused_and_changes_nothing(db, filled_registry, tmp_path,  # noqa: F811
                                                                         capsys, settings, path):
    settings.SHEET_MAX_ROWS = 100
    before = fingerprint()
    printed = refused(tmp_path, capsys, path.name, path.read_bytes())
    assert "100行を超えています" in printed, printed[-2000:]
    assert fingerprint() == before


def test_an_active_tab_that_is_no_number_opens_the_first_sheet():
    """「²」 passes str.isdigit() but not int(): the reader takes the first sheet, as Excel would, and no error."""
    from registry.sheets.reader import read_table

    table = read_table(xlsx_with_workbook_xml(active_tab("²")), "sheet.xlsx")
    assert table.rows[0].cells[0] == TITLE
