"""Issue 28 part 2: the sheets clerks' office software saves (.xlsx, .xls, .ods) read by one reader, calamine.

The 2017 survey sheet saved as .xls and .ods by LibreOffice (tests/files/make_survey_2017_workbooks.py) imports
with exactly the figures of the .xlsx it was converted from; cells read as the openpyxl reader read them.
"""
import datetime
import io
import pathlib

import openpyxl
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from registry.models import Agreement, Base, BaseRoundRecord, Contractor, ImportRecord, SurveyRound
from registry.sheets.reader import SheetLimits, read_table
from registry.sheets.survey.importing import import_survey_file
from registry.survey.summary import survey_summary
from tests.support.agreement_sheets import tie_row
from tests.support.ods import ods_bytes

pytestmark = pytest.mark.django_db
FILES = pathlib.Path(__file__).resolve().parents[1] / "files"  # tests/files
ROUND = datetime.date(2017, 9, 30)


def survey_2017(extension):
    return (FILES / f"clair_overseas_bases_2017-09.{extension}").read_bytes()


def imported(extension):
    outcome = import_survey_file(survey_2017(extension), f"sheet.{extension}", ROUND)
    assert not outcome.errors, outcome.report_lines()
    return outcome


def registry_state():
    """The round's summary and every base as the registry holds it."""
    records = sorted(BaseRoundRecord.objects.values_list(
        "base__organization__name", "name", "countries", "cities", "form", "form_detail", "contractor__name",
        "established_fy", "department", "staff_dispatched", "staff_local", "reason", "activities", "url", "remarks"))
    return survey_summary(SurveyRound.objects.get(reference_date=ROUND)), records


def history_rows():
    return Base.history.count() + Contractor.history.count() + BaseRoundRecord.history.count()


@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_the_2017_sheet_saved_as_xls_or_ods_gives_exactly_the_figures_of_the_xlsx(extension):
    with transaction.atomic():
        imported("xlsx")
        from_xlsx = registry_state()
        transaction.set_rollback(True)
    outcome = imported(extension)
    assert outcome.counts == {"new": 194, "updated": 0, "unchanged": 0, "missing": 0, "errors": 0}
    state = registry_state()
    summary = state[0]
    assert (summary["organizations"], summary["bases"], summary["countries"]) == (66, 195, 15)
    assert summary["forms"] == {"a": 60, "b": 21, "c": 113, "d": 1}
    assert summary["staff"] == {"total": 336, "dispatched": 121, "local": 215}
    assert state == from_xlsx


@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_reimporting_the_xls_or_ods_changes_and_writes_nothing(extension):
    imported(extension)
    before = (history_rows(), ImportRecord.objects.count(), Contractor.objects.count())
    again = import_survey_file(survey_2017(extension), f"sheet.{extension}", ROUND)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 194) and not again.changed_anything
    assert (history_rows(), ImportRecord.objects.count(), Contractor.objects.count()) == before


def test_the_reader_says_which_format_it_read():
    assert [read_table(survey_2017(extension), f"s.{extension}").description
            for extension in ("xlsx", "xls", "ods")] == ["xlsx", "xls", "ods"]


def workbook_bytes(fill):
    workbook = openpyxl.Workbook()
    fill(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_cells_read_as_the_sheet_shows_them_and_as_openpyxl_read_them():
    """Integers saved as 12.0 come back as 12, dates as the openpyxl reader gave them (a datetime at midnight),
    times, decimals, booleans and text unchanged; a sheet starting at C3 keeps Excel's row and column numbers."""
    def fill(sheet):
        sheet["C3"] = "見出し"
        sheet["C5"], sheet["D5"], sheet["E5"] = 12, 12.5, datetime.datetime(2019, 9, 30)
        sheet["F5"], sheet["G5"], sheet["H5"] = datetime.datetime(2019, 9, 30, 10, 30), True, "ＡＢ"
        sheet["D6"] = 1234567

    content = workbook_bytes(fill)
    expected = [list(values) for values in openpyxl.load_workbook(io.BytesIO(content), read_only=True,
                                                                  data_only=True).active.iter_rows(values_only=True)]
    rows = read_table(content, "cells.xlsx").rows
    assert [row.number for row in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[4].cells == [None, None, 12, 12.5, datetime.datetime(2019, 9, 30),
                             datetime.datetime(2019, 9, 30, 10, 30), True, "ＡＢ"]
    assert [row.cells for row in rows] == [SheetLimits.from_settings().cells(n, cells)
                                           for n, cells in enumerate(expected, 1)]


def test_an_error_names_excels_row_and_column_in_a_sheet_that_starts_at_c3(settings):
    settings.SHEET_MAX_CELL_CHARS = 5

    def fill(sheet):
        sheet["C3"] = "見出し"
        sheet["D7"] = "長すぎるセルの文字"

    with pytest.raises(Exception) as refused:
        read_table(workbook_bytes(fill), "long.xlsx")
    assert "7行目、4列目" in str(refused.value)


@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_the_command_line_imports_xls_and_ods(extension, capsys):
    call_command("import_survey", str(FILES / f"clair_overseas_bases_2017-09.{extension}"),
                 "--survey-date", "2017-09-30")
    assert Base.objects.count() == 194


@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_the_admin_preview_accepts_xls_and_ods(admin_client, extension):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(reverse("admin:registry_base_import"), {
        "format": 0, "resource": 0, "survey_date": "2017-09-30",
        "import_file": SimpleUploadedFile(f"sheet.{extension}", survey_2017(extension))})
    assert response.status_code == 200, response.status_code
    assert "confirm_form" in response.context, response.context["form"].errors
    assert Base.objects.count() == 0  # a preview writes nothing


def test_a_tie_list_saved_as_ods_imports():
    from registry.sheets.agreements.plan import import_agreement_file
    from tests.support.agreement_sheets import LAYOUT

    content = ods_bytes([["友好提携・姉妹都市等一覧"], [], LAYOUT, tie_row(), tie_row(partner="ソウル特別市", country="韓国")])
    outcome = import_agreement_file(content, "ties.ods")
    assert not outcome.errors, outcome.report_lines()
    assert Agreement.objects.count() == 2


def test_a_contractor_list_saved_as_ods_imports():
    from registry.sheets.contractors import import_contractor_file

    content = ods_bytes([["id", "name", "kind", "country", "notes"], ["", "上海商務諮詢有限公司", "企業", "中国", ""]])
    outcome = import_contractor_file(content, "contractors.ods")
    assert not outcome.errors, outcome.report_lines()
    assert Contractor.objects.filter(name="上海商務諮詢有限公司", country="CN").exists()
