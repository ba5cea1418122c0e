"""Every download (list pages, change log) goes through registry.core.downloads: streamed, formulas never live,
control characters already stored never break a file, a constant number of queries."""
import csv
import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.core.downloads import country_names
from registry.parsing.text import clean_control_characters
from registry.staff.columns import BASE_COLUMNS
from registry.core.history import change_context
from registry.models import Base
from tests.support.factories import make_base
from tests.support.lists_helpers import body, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db
BASES = reverse("registry:base_list")
HISTORY_CSV = reverse("registry:history_export", args=["csv"])
HISTORY_XLSX = reverse("registry:history_export", args=["xlsx"])
SOFT_BREAK = "一行目\x0b二行目\x1b\x7f"  # Word's soft line break, an escape and a delete, as pasted
FORMULA = '=HYPERLINK("http://evil.example/","開く")'
KEYS = [column.key for column in BASE_COLUMNS]


@pytest.fixture
def hostile_base(organization):
    with change_context(reason="@SUM(1+1)*cmd|' /C calc'!A0"):
        return make_base(organization("大阪府"), 1, name=FORMULA, remarks=SOFT_BREAK, department="+81-6-0000")


def test_cleaning_turns_soft_breaks_into_line_breaks_and_drops_other_control_characters():
    assert clean_control_characters(SOFT_BREAK) == "一行目\n二行目"
    assert clean_control_characters("タブ\tと\r\n改行") == "タブ\tと\r\n改行"


def test_list_exports_cope_with_control_characters_already_stored(admin_client, hostile_base):
    rows, sheet = xlsx_rows(admin_client.get(BASES + "?export=xlsx"))
    assert rows[1][KEYS.index("remarks")] == "一行目\n二行目"
    name_cell = sheet.cell(row=2, column=KEYS.index("name") + 1)
    assert name_cell.value == FORMULA and name_cell.data_type == "s"
    rows = csv_rows(admin_client.get(BASES + "?export=csv"))
    assert rows[1][KEYS.index("remarks")] == "一行目\n二行目"
    assert rows[1][KEYS.index("name")] == "'" + FORMULA
    assert rows[1][KEYS.index("department")] == "'+81-6-0000"


def test_change_log_xlsx_keeps_formulas_as_text_and_opens_with_control_characters(admin_client, hostile_base):
    response = admin_client.get(HISTORY_XLSX)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    formula_like = [cell for cell in cells if cell.value.startswith(("=", "+", "-", "@"))]
    assert {cell.value for cell in formula_like} >= {"@SUM(1+1)*cmd|' /C calc'!A0"}
    assert any(FORMULA in cell.value for cell in cells)
    assert all(cell.data_type == "s" for cell in formula_like)
    assert not any("\x0b" in cell.value or "\x1b" in cell.value for cell in cells)


def test_change_log_csv_neutralizes_formulas(admin_client, hostile_base):
    text = body(admin_client.get(HISTORY_CSV)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert not any("\x0b" in cell for cell in cells)


def test_downloads_are_streamed(admin_client, hostile_base):
    for url in (BASES + "?export=csv", BASES + "?export=xlsx", HISTORY_CSV, HISTORY_XLSX):
        assert admin_client.get(url).streaming, url


def download_queries(client, url):
    cache.clear()  # the countries in use are cached for a minute: count them each time
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body(response)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_list_export_queries_do_not_grow_with_rows(admin_client, organization, export_format):
    osaka = organization("大阪府")
    make_base(osaka, 1, countries=["CN", "HK"])
    few = download_queries(admin_client, f"{BASES}?export={export_format}")
    for number in range(2, 60):
        make_base(organization("福岡県" if number % 2 else "大阪府"), number, countries=["KR", "US"][: number % 2 + 1])
    assert download_queries(admin_client, f"{BASES}?export={export_format}") == few


def test_country_names_accept_codes_objects_or_the_stored_text(organization):
    base = make_base(organization("大阪府"), 1, countries=["CN", "HK"])
    assert country_names(base.countries) == country_names("CN,HK") == country_names(["CN", "HK"]) == "中国、香港"


def sheet_texts(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]


def test_survey_and_agreement_sheets_cope_with_control_characters_already_stored(hostile_base, organization):
    from registry.models import Agreement, AgreementType, Partner
    from registry.sheets.agreements.resource import export_agreements_xlsx
    from registry.sheets.survey.export import export_survey_xlsx

    cells = sheet_texts(export_survey_xlsx(Base.objects.all()))
    assert "一行目\n二行目" in [cell.value for cell in cells]
    assert all(cell.data_type == "s" for cell in cells if cell.value.startswith(("=", "+", "-", "@")))
    partner = Partner.objects.create(name_ja="上海市", country="CN")
    Agreement.objects.create(organization=organization("大阪府"), partner=partner,
                             agreement_type=AgreementType.FRIENDSHIP, notes=SOFT_BREAK, fields=FORMULA)
    cells = sheet_texts(export_agreements_xlsx(Agreement.objects.all()))
    assert "一行目\n二行目" in [cell.value for cell in cells]
    assert [cell.data_type for cell in cells if cell.value == FORMULA] == ["s"]


def test_base_export_rows_read_without_instances_say_what_the_records_say(admin_client, organization):
    """The base download reads plain values (no model instances): every cell must still be what the record's own
    relations and properties give (organization, home prefecture of a city, contractor, joint office, labels)."""
    from registry.models import BaseStatus, JointOffice
    from registry.parsing.eras import format_fiscal_year
    from tests.support.factories import make_contractor

    contractor, host = make_contractor("ジェトロ"), make_contractor("現地法人")
    office = JointOffice.objects.create(name="共同事務所")
    city = make_base(organization("北九州市"), 3, countries=["KR", "TW"], contractor=contractor, host_agency=host,
                     joint_office=office, established_fy=1990, staff_dispatched=2, staff_local=3, form="c")
    prefecture = make_base(organization("大阪府"), 1, status=BaseStatus.CLOSED,
                           closed_on=datetime.date(2019, 3, 31))
    rows = csv_rows(admin_client.get(BASES + "?export=csv&sort=organization"))
    by_number = {row[KEYS.index("number")]: dict(zip(KEYS, row)) for row in rows[1:]}
    for base in (city, prefecture):
        row = by_number[str(base.number)]
        assert row["organization"] == base.organization.name
        assert row["prefecture"] == base.organization.home_prefecture.name
        assert row["countries"] == country_names(base.countries)
        assert row["form"] == base.get_form_display() and row["status"] == base.get_status_display()
        assert row["contractor"] == (str(base.contractor) if base.contractor else "")
        assert row["host_agency"] == (str(base.host_agency) if base.host_agency else "")
        assert row["joint_office"] == (str(base.joint_office) if base.joint_office else "")
        assert row["established_fy"] == format_fiscal_year(base.established_fy)
        assert row["staff_total"] == str(base.staff_total)
        assert row["closed_on"] == (base.closed_on.isoformat() if base.closed_on else "")
    assert by_number["3"]["prefecture"] == "福岡県" and by_number["3"]["staff_total"] == "5"
    assert by_number["1"]["closed_on"] == "2019-03-31" and by_number["1"]["contractor"] == ""


def test_xlsx_package_is_well_formed_with_a_frozen_header_typed_cells_and_awkward_text():
    """The list xlsx is written by hand (registry.core.downloads.xlsx_file): every part must parse as XML, the sheet
    must keep its title, its frozen header, numbers as numbers and any text (markup, quotes, leading spaces,
    formulas, control characters) exactly as the record says."""
    import zipfile
    from xml.dom import minidom

    from registry.core.downloads import download_response

    awkward = ['<b>"株式会社&A"</b>', "  前後に空白  ", "=1+1", SOFT_BREAK, "", None, 12, 2.5, 0]
    rows = [awkward, ["二行目"] + [None] * 8] + [[f"行{n}", n] for n in range(3, 30)]
    headers = [f"列{n}" for n in range(1, 10)]
    content = body(download_response("xlsx", headers, iter(rows), "bases", title='一覧/[2019]:*?"'))
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert package.testzip() is None
        for name in package.namelist():
            minidom.parseString(package.read(name))  # raises on malformed XML
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == '一覧__2019____"'  # characters Excel forbids in a sheet name become _
    assert sheet.freeze_panes == "A2"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == headers
    assert values[1] == ['<b>"株式会社&A"</b>', "  前後に空白  ", "=1+1", "一行目\n二行目", None, None, 12, 2.5, 0]
    assert [cell.data_type for cell in sheet[2]][:4] == ["s"] * 4 and sheet.cell(2, 7).data_type == "n"
    assert values[2][0] == "二行目" and values[-1][:2] == ["行29", 29] and len(values) == 30
