"""Issue 16: a corpus of hostile and broken files, built here, each refused with a clear Japanese message.

Every file goes through the command a user runs (``import_survey`` or ``import_agreements``) over a
registry holding the real 2017 survey and a tie; each must exit 1 with its message and leave every
table exactly as it was (row counts and content, history included).
"""
import csv
import datetime
import hashlib
import io
import re
import time
import zipfile

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import transaction

from registry.sheets.agreements.plan import import_agreement_file
from registry.sheets.survey.importing import import_survey_file
from tests.support import agreement_sheets, sheets
from tests.conftest import SURVEY_2017

ROWS_2017 = SURVEY_2017.read_text(encoding="utf-8").splitlines()


def survey_tsv(rows, **kwargs):
    return sheets.as_text(rows, **kwargs)


def good_rows(count=2):
    return [sheets.base_row(number=str(n), name=f"事務所{n}") for n in range(1, count + 1)]


def xlsx_bytes(rows, edit=None):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def survey_xlsx(rows, edit=None):
    return xlsx_bytes([[sheets.TITLE], [], sheets.HEADER, sheets.SUBHEADER, *rows], edit)


def rewrite_part(content, part, change):
    """The same xlsx with one archive member rewritten (e.g. a forged <dimension>)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return buffer.getvalue()


def forged_dimension(content):
    return rewrite_part(content, "xl/worksheets/sheet1.xml",
                        lambda xml: re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml))


def zip_bomb():
    """A small xlsx whose worksheet unpacks to 210 MB of padding."""
    content = survey_xlsx(good_rows())
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with target.open(info.filename, "w", force_zip64=True) as member:
                    member.write(source.read(info.filename).replace(b"</worksheet>", b""))
                    padding = b" " * 1_000_000
                    for _ in range(210):
                        member.write(padding)
                    member.write(b"</worksheet>")
            else:
                target.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()


def with_formula_without_value(sheet):
    sheet["K6"] = "=L6+M6"  # openpyxl writes the formula and no saved result, as some tools do


def tsv_lines(*lines):
    return ("\n".join(lines) + "\n").encode("utf-8")


def header_tsv():
    return "\t".join(sheets.HEADER)


def stray_quote_swallowing():
    """The issue's case: an opening quote in one cell, and the file's next quote 40 rows later ends a cell."""
    rows = good_rows(40)
    rows[1][14] = '"ビジネス支援'                # opens a quote that is never closed in this cell
    rows[38][16] = '備考の終わり"'               # the next quote closes it, at the end of a cell
    return survey_tsv(rows)


def stray_quote_at_eof():
    rows = good_rows(3)
    rows[2][14] = '"最後の行'
    return survey_tsv(rows, with_summary=False)


def stray_quote_mid_file():
    rows = good_rows(5)
    rows[1][14] = '"引用'
    rows[3][16] = '彼は"はい"と言った'
    return survey_tsv(rows)


def many_columns_csv():
    row = sheets.base_row() + [f"列{n}" for n in range(5000 - len(sheets.HEADER))]
    return survey_tsv([row])


def many_columns_xlsx():
    return survey_xlsx([sheets.base_row() + ["x"] * 4983])


def many_rows():
    return survey_tsv([sheets.base_row(number=str(n), name=f"事務所{n}") for n in range(1, 50_002)],
                      with_summary=False)


def far_away_row():
    return survey_xlsx(good_rows(), edit=lambda sheet: sheet.cell(row=1_048_576, column=1, value="x"))


def mixed_encodings():
    utf8 = sheets.as_text(good_rows(2), with_summary=False)
    cp932_line = "\t".join(sheets.base_row(number="3", name="東京事務所")).encode("cp932")
    return utf8 + cp932_line + b"\n"


def header_only_ties():
    return agreement_sheets.as_text([])


def tie_with_stray_quote():
    rows = [agreement_sheets.tie_row(partner=f"都市{n}") for n in range(1, 20)]
    rows[2][-1] = '"備考'
    rows[15][-1] = '終わり"'
    return agreement_sheets.as_text(rows)


def agreement_zip_bomb():
    return zip_bomb()


def survey_serial_dates():
    return survey_tsv([sheets.base_row(number="1", year="37500"), sheets.base_row(number="2", year="45000.5")])


def duplicate_rows():
    return survey_tsv([sheets.base_row(number="1"), sheets.base_row(number="1")])


def truncated_xlsx():
    content = survey_xlsx(good_rows(30))
    return content[: len(content) // 2]


def zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "これはxlsxではありません")
    return buffer.getvalue()


def huge_cell():
    return survey_tsv([sheets.base_row(activities="あ" * 1_000_000)])


def oversized_upload():
    return survey_tsv(good_rows(2)) + b"#" * 20_000_001


def png_file():
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


CORPUS = {
    # id: (command, file name, builder, words the message must contain)
    "truncated-xlsx": ("survey", "sheet.xlsx", truncated_xlsx, "xlsxファイルを読み込めません"),
    "zip-bomb": ("survey", "sheet.xlsx", zip_bomb, "展開すると"),
    "zip-bomb-ties": ("agreements", "ties.xlsx", agreement_zip_bomb, "展開すると"),
    "dimension-bomb-header-only": ("survey", "sheet.xlsx", lambda: forged_dimension(survey_xlsx([])), "データ行がありません"),
    "row-at-1048576": ("survey", "sheet.xlsx", far_away_row, "50,000行"),
    "zip-not-a-workbook": ("survey", "sheet.xlsx", zip_without_workbook, "xlsxファイルを読み込めません"),
    "xlsx-name-text-content": ("survey", "sheet.xlsx", lambda: survey_tsv(good_rows()), "xlsx"),
    "stray-quote-swallows-rows": ("survey", "sheet.tsv", stray_quote_swallowing, "7行目、15列目"),
    "stray-quote-at-end": ("survey", "sheet.tsv", stray_quote_at_eof, "8行目、15列目"),
    "stray-quote-then-inner-quotes": ("survey", "sheet.tsv", stray_quote_mid_file, "7行目、15列目"),
    "stray-quote-ties": ("agreements", "ties.tsv", tie_with_stray_quote, "6行目"),
    "nul-byte": ("survey", "sheet.tsv", lambda: survey_tsv(good_rows()).replace("事務所2".encode(), b"\x00"), "NUL"),
    "utf-16": ("survey", "sheet.csv", lambda: survey_tsv(good_rows()).decode().encode("utf-16"), "UTF-16"),
    "mixed-encodings": ("survey", "sheet.tsv", mixed_encodings, "8行目"),
    "binary-png": ("survey", "sheet.csv", png_file, "UTF-8"),
    "formula-without-value": ("survey", "sheet.xlsx",
                              lambda: survey_xlsx(good_rows(), with_formula_without_value), "数式"),
    "header-only-survey": ("survey", "sheet.tsv", lambda: survey_tsv([], with_summary=False), "データ行がありません"),
    "header-only-ties": ("agreements", "ties.tsv", header_only_ties, "データ行がありません"),
    "title-only": ("survey", "sheet.tsv", lambda: tsv_lines(sheets.TITLE), "見出し行"),
    "empty-file": ("survey", "sheet.csv", lambda: b"", "見出し行"),
    "blank-lines-only": ("survey", "sheet.csv", lambda: b"\n \n\t\n", "見出し行"),
    "5000-columns-text": ("survey", "sheet.tsv", many_columns_csv, "200"),
    "5000-columns-xlsx": ("survey", "sheet.xlsx", many_columns_xlsx, "200"),
    "50001-rows": ("survey", "sheet.tsv", many_rows, "50,000行"),
    "1mb-cell": ("survey", "sheet.tsv", huge_cell, "1,000,000文字"),
    "over-20mb": ("survey", "sheet.tsv", oversized_upload, "20 MB"),
    "excel-serial-years": ("survey", "sheet.tsv", survey_serial_dates, "⑥設置年度"),
    "duplicate-rows": ("survey", "sheet.tsv", duplicate_rows, "拠点No"),
    "survey-sheet-as-ties": ("agreements", "ties.tsv", lambda: survey_tsv(good_rows()), "見出し行"),
}


def test_the_corpus_has_at_least_25_files():
    assert len(CORPUS) >= 25


# --- the registry every bad file meets --------------------------------------------------------------

@pytest.fixture(scope="module")
def filled_registry(django_db_setup, django_db_blocker):
    """The 2017 survey and a tie, built once for the module and rolled back at its end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            outcome = import_survey_file(SURVEY_2017.read_bytes(), SURVEY_2017.name, datetime.date(2017, 9, 30))
            assert not outcome.errors
            outcome = import_agreement_file(agreement_sheets.as_text([agreement_sheets.tie_row()]), "ties.tsv")
            assert not outcome.errors
            yield
            transaction.set_rollback(True)


def fingerprint():
    """Every row of every table of the project (history included), as one digest per table."""
    digests = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in ("registry", "auth", "contenttypes"):
            continue
        rows = model._default_manager.order_by("pk")
        digests[model._meta.label] = (rows.count(), hashlib.sha256(
            serializers.serialize("json", rows).encode()).hexdigest())
    return digests


@pytest.mark.parametrize("key", list(CORPUS))
def test_each_bad_file_is_refused_with_a_clear_message_and_changes_nothing(db, filled_registry, tmp_path, key,
                                                                             capsys):
    command, file_name, build, words = CORPUS[key]
    path = tmp_path / file_name
    path.write_bytes(build())
    before = fingerprint()
    arguments = ["import_survey", str(path), "--survey-date", "2019-09-30"] if command == "survey" else [
        "import_agreements", str(path)]
    started = time.monotonic()
    with pytest.raises(SystemExit) as stopped:
        call_command(*arguments)
    elapsed = time.monotonic() - started
    output = capsys.readouterr()
    printed = output.out + output.err
    assert stopped.value.code == 1
    assert words in printed, printed[-2000:]
    assert "Traceback" not in printed and "_csv.Error" not in printed
    assert fingerprint() == before
    assert elapsed < 60, f"{key} took {elapsed:.0f} s"


@pytest.mark.parametrize("key, printed", [
    ("stray-quote-swallows-rows", "7行目、15列目："),  # the reader names the row and column itself
    ("nul-byte", "7行目にNUL文字があります"),
    ("utf-16", "ファイルがUTF-16です"),  # about the whole file: the message alone, no 「row -, column -」
])
def test_the_command_names_each_errors_location_once(db, tmp_path, capsys, key, printed):
    command, file_name, build, _words = CORPUS[key]
    path = tmp_path / file_name
    path.write_bytes(build())
    with pytest.raises(SystemExit):
        call_command("import_survey", str(path), "--survey-date", "2019-09-30")
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(printed), errors


@pytest.mark.parametrize("key", ["5000-columns-text", "5000-columns-xlsx"])
def test_too_many_columns_quotes_the_limit_not_a_count_the_reader_cut_short(db, tmp_path, capsys, key):
    """An xlsx row is read only one column past the limit: the message says "more than", never "201 columns"."""
    _command, file_name, build, _words = CORPUS[key]
    path = tmp_path / file_name
    path.write_bytes(build())
    with pytest.raises(SystemExit):
        call_command("import_survey", str(path), "--survey-date", "2019-09-30")
    error = capsys.readouterr().err
    assert "列が200列を超えています" in error and "201" not in error, error


def test_control_characters_in_cells_are_cleaned_on_import(db):
    rows = [sheets.base_row(number="1", name="制御文字事務所", remarks="一行目\x0b二行目\x1b", activities="支援\x07")]
    outcome = import_survey_file(survey_tsv(rows), "sheet.tsv", datetime.date(2019, 9, 30))
    assert not outcome.errors, outcome.report_lines()
    from registry.models import Base

    base = Base.objects.get(name="制御文字事務所")
    assert (base.remarks, base.activities) == ("一行目\n二行目", "支援")


def test_a_forged_dimension_costs_nothing_when_the_rows_are_fine(db):
    content = forged_dimension(survey_xlsx(good_rows()))
    assert b'<dimension ref="A1:XFD1048576"/>' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    started = time.monotonic()
    outcome = import_survey_file(content, "sheet.xlsx", datetime.date(2019, 9, 30), dry_run=True)
    assert not outcome.errors and time.monotonic() - started < 10


def test_a_properly_quoted_multiline_cell_still_reads(db):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    for cells in sheets.sheet_rows([sheets.base_row(number="1", name="引用事務所", remarks='一行目\n二行目 "引用"')]):
        writer.writerow(cells)
    outcome = import_survey_file(buffer.getvalue().encode(), "sheet.tsv", datetime.date(2019, 9, 30))
    assert not outcome.errors, outcome.report_lines()
    from registry.models import Base

    assert Base.objects.get(name="引用事務所").remarks == '一行目\n二行目 "引用"'
