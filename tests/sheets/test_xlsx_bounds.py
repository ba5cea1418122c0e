"""The quick proof that an xlsx sheet is within the limits (registry/sheets/xlsx_bounds.py) answers yes only when
the exact scan would pass and calamine would keep every cell within the limits; whatever it is not sure of goes to
the exact scan, which refuses what calamine would place too far away, however the file writes it."""
import io
import random
import time
import zipfile

import pytest
from django.utils import translation

from registry.sheets.reader import SheetLimits, SheetReadError, read_table
from registry.sheets.workbooks import XlsxScan, scan_part
from registry.sheets.xlsx_bounds import sheet_within_limits
from tests.files.make_survey_2017_workbooks import TARGET
from tests.sheets.test_bad_files import good_rows, survey_xlsx, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SMALL = SheetLimits(upload_bytes=20_000_000, rows=20, columns=10, cell_chars=10_000,
                    xlsx_uncompressed_bytes=200_000_000)


def with_sheet_data(rows_xml, content=None, encoding=None):
    """A survey xlsx whose sheet ends with ``rows_xml`` (after its own good rows), its XML re-encoded if asked."""
    content = content or survey_xlsx(good_rows(2))
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data = data.replace(b"</sheetData>", rows_xml.encode() + b"</sheetData>")
                if encoding:
                    data = (f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
                            + data.removeprefix(b'<?xml version="1.0" encoding="UTF-8"?>')).decode().encode(encoding)
            target.writestr(info.filename, data)
    return buffer.getvalue()


def proven(content, limits=None):
    return sheet_within_limits(content, SHEET, limits or SheetLimits.from_settings())


def refused_with(content):
    with translation.override("ja"), pytest.raises(SheetReadError) as refused:
        read_table(content, "sheet.xlsx")
    return str(refused.value)


def text_cell(reference):
    return f'<c r="{reference}" t="inlineStr"><is><t>x</t></is></c>'


def test_the_usual_sheets_are_proven_without_the_exact_scan():
    import xlsxwriter

    from tests.support import sheets

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as book:  # as Excel saves a sheet whose 計 column is a formula
        sheet = book.add_worksheet()
        for number, row in enumerate(sheets.sheet_rows(good_rows(3), with_summary=False)):
            sheet.write_row(number, 0, row)
            if number >= 4:
                sheet.write_formula(number, 10, f"=L{number + 1}+M{number + 1}", None, 3)
    for content in (survey_xlsx(good_rows(3)), sheets.as_xlsx(good_rows(3)), buffer.getvalue(),
                    (TARGET / "clair_overseas_bases_2017-09.xlsx").read_bytes()):
        assert proven(content)
    assert read_table(buffer.getvalue(), "sheet.xlsx").rows[4].cells[10] == 3


# Files the quick proof is not sure of, each refused by the exact scan as calamine would read it.
HOSTILE = {
    # calamine places a cell by its own reference, whatever its row says
    "reference-past-the-rows-in-row-7": (f'<row r="7">{text_cell("A1048576")}</row>', "50,000行"),
    "lowercase-reference": (f'<row r="7">{text_cell("xfd7")}</row>', "200列"),
    "blank-value-far-away": ('<row r="1048576"><c r="A1048576"><v> </v></c></row>', "50,000行"),
    "empty-text-far-away": ('<row r="7"><c r="XFD7" t="str"><v></v></c></row>', "200列"),
    "prefixed-cell": (f'<row r="7"><x:c xmlns:x="{MAIN}" r="XFD7" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>'
                      "</row>", "200列"),
    "cells-without-references": ('<row r="7">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 201 + "</row>",
                                 "200列"),
    "second-reference-attribute": ('<row r="7"><c r="A7" r="XFD1048576"><v>1</v></c></row>',
                                   "xlsxファイルを読み込めません"),
    "formula-with-blank-entity-value": ('<row r="7"><c r="K7"><f>L7+M7</f><v>&#32;</v></c></row>', "7行目、11列目"),
    "formula-with-empty-value": ('<row r="7"><c r="K7"><f>L7+M7</f><v/></c></row>', "7行目、11列目"),
}


@pytest.mark.parametrize("key", list(HOSTILE))
def test_what_the_proof_is_not_sure_of_the_exact_scan_refuses(key):
    rows_xml, words = HOSTILE[key]
    content = with_sheet_data(rows_xml)
    assert not proven(content)
    started = time.monotonic()
    assert words in refused_with(content)
    assert time.monotonic() - started < 5


def test_a_sheet_in_utf16_goes_to_the_exact_scan():
    content = with_sheet_data(f'<row r="7">{text_cell("XFD7")}</row>', encoding="utf-16")
    assert not proven(content)
    assert "200列" in refused_with(content)


@pytest.mark.parametrize("rows_xml", [
    f'<row r="7"><!-- {text_cell("XFD1048576")} --></row>',
    '<row r="7"><c r="K7"><f>1+1</f><v><![CDATA[2]]></v></c></row>',
], ids=["commented-out-cell", "cdata-value"])
def test_what_the_proof_is_not_sure_of_still_reads_when_it_is_fine(db, rows_xml):
    content = with_sheet_data(rows_xml)
    assert not proven(content)
    assert len(read_table(content, "sheet.xlsx").rows) >= 6


# -- the proof never says yes where the exact scan or calamine would not -------------------------------------

REFERENCES = ["A{row}", "B{row}", "J{row}"] * 15 + ["K{row}", "a{row}", "AB{row}", "A{far}", "XFD{row}", "A0{row}",
                                                   None]
CONTENTS = ["<v>1</v>", "<is><t>x</t></is>", ""] * 4 + [
    "<v> </v>", "<v/>", "<v></v>", "<f>1</f>", "<f>1</f><v>2</v>", "<f>1</f><v>&#32;</v>", "<f>1</f><v>\u3000</v>",
    '<f t="shared" si="0"/><v>3</v>']
EXTRAS = ["", ' s="1"', ' t="str"'] * 15 + [' x="1"', ' r="XFD1"', "  "]


def random_cell(chance, row):
    reference = chance.choice(REFERENCES)
    attributes = "" if reference is None else ' r="' + reference.format(row=row, far=chance.choice([20, 21, 999])) + '"'
    attributes += chance.choice(EXTRAS)
    name = chance.choice(["c"] * 20 + ["x:c"])
    space = f' xmlns:x="{MAIN}"' if name == "x:c" else ""
    body = chance.choice(CONTENTS)
    return f"<{name}{space}{attributes}>{body}</{name}>" if body else f"<{name}{space}{attributes}/>"


def random_sheet(chance):
    rows = []
    for number in range(chance.randint(1, 3)):
        row = chance.choice([2 + number] * 4 + [19, 20, 21])
        cells = "".join(random_cell(chance, row) for _ in range(chance.randint(1, 3)))
        rows.append(f'<row r="{row}">{cells}</row>' if chance.random() < 0.9 else f"<row>{cells}</row>")
    return "".join(rows) + ("<!-- c -->" if chance.random() < 0.05 else "")


def exact_scan_passes(content, limits):
    try:
        scan_part(content, SHEET, XlsxScan(limits), "xlsx")
    except SheetReadError:
        return False
    return True


def calamine_end(content):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).end


def test_a_yes_from_the_proof_is_a_yes_from_the_exact_scan_and_from_calamine():
    chance = random.Random(28)
    yes = no = 0
    base = xlsx_bytes([["x"]])
    for _ in range(500):
        rows_xml = random_sheet(chance)
        content = with_sheet_data(rows_xml, base)
        if not proven(content, SMALL):
            no += 1
            continue
        yes += 1
        assert exact_scan_passes(content, SMALL), rows_xml
        end = calamine_end(content)
        assert end is None or (end[0] < SMALL.rows and end[1] < SMALL.columns), (rows_xml, end)
    assert yes > 60 and no > 200, (yes, no)


def test_the_exact_scan_bounds_every_cell_calamine_keeps():
    """Whatever the proof says, a file the exact scan lets through is kept within the limits by calamine."""
    chance = random.Random(2028)
    base = xlsx_bytes([["x"]])
    for _ in range(300):
        rows_xml = random_sheet(chance)
        content = with_sheet_data(rows_xml, base)
        if not exact_scan_passes(content, SMALL):
            continue
        try:
            end = calamine_end(content)
        except Exception:  # noqa: BLE001 - calamine refuses the file: nothing kept
            continue
        assert end is None or (end[0] < SMALL.rows and end[1] < SMALL.columns), (rows_xml, end)


def test_the_proof_stops_where_calamine_stops_reading():
    after = with_sheet_data("</sheetData><sheetData>" + f'<row r="9">{text_cell("XFD9")}</row>')
    assert proven(after)  # a second sheetData is not read by calamine either
    assert calamine_end(after)[1] < 200 and len(read_table(after, "sheet.xlsx").rows) == 6
