"""/agreements/ and /contractors/: filters (signing-date precision, active/ended), base counts, scope, exports."""
import datetime

import pytest
from django.urls import reverse

from registry.staff.columns import AGREEMENT_COLUMNS, CONTRACTOR_COLUMNS
from registry.models import Agreement, AgreementRenewal, AgreementType, Contractor, Partner
from registry.parsing.dates import Precision
from registry.core.permissions import Role
from tests.support.factories import make_base, make_contractor
from tests.support.lists_helpers import csv_rows, xlsx_rows
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db
AGREEMENTS = reverse("registry:agreement_list")
CONTRACTORS = reverse("registry:contractor_list")
TODAY = datetime.date.today()


def agreement(organization, partner_name, country, signed=None, precision=Precision.UNKNOWN, **fields):
    partner = Partner.objects.create(name_ja=partner_name, country=country)
    values = {"agreement_type": AgreementType.SISTER_CITY, "signed_on": signed, "signed_precision": precision}
    values.update(fields)
    return Agreement.objects.create(organization=organization, partner=partner, **values)


@pytest.fixture
def agreements(organization):
    fukuoka, kitakyushu, osaka = organization("福岡県"), organization("北九州市"), organization("大阪府")
    ended = agreement(osaka, "上海市", "CN", datetime.date(1980, 11, 21), Precision.DAY,
                      ends_on=datetime.date(2000, 3, 31), agreement_type=AgreementType.FRIENDSHIP)
    renewed = agreement(kitakyushu, "大連市", "CN", datetime.date(1985, 6, 1), Precision.MONTH,
                        ends_on=datetime.date(2001, 3, 31), fields="港湾、環境")
    AgreementRenewal.objects.create(agreement=renewed, valid_until=TODAY + datetime.timedelta(days=365))
    return {
        "year_1980": agreement(fukuoka, "釜山広域市", "KR", datetime.date(1980, 1, 1), Precision.YEAR,
                               fields="経済、観光"),
        "day_1980": ended,
        "month_1985": renewed,
        "day_1989": agreement(fukuoka, "広東省", "CN", datetime.date(1989, 12, 31), Precision.DAY,
                              agreement_type=AgreementType.MOU),
        "unknown": agreement(osaka, "ワシントン州", "US", notes="締結日不明"),
    }


def partners(client, query=""):
    response = client.get(AGREEMENTS + query)
    assert response.status_code == 200
    return {a.partner.name_ja for a in response.context["object_list"]}


def expect(agreements, *keys):
    return {agreements[key].partner.name_ja for key in keys}


@pytest.mark.parametrize(
    "query, keys",
    [
        ("", ["year_1980", "day_1980", "month_1985", "day_1989", "unknown"]),
        ("?signed_from=1980&signed_to=1989", ["year_1980", "day_1980", "month_1985", "day_1989"]),
        ("?signed_from=1980&signed_to=1980", ["year_1980", "day_1980"]),  # year precision 1980 is in 1980..1980
        ("?signed_from=S55&signed_to=S55", ["year_1980", "day_1980"]),  # era years
        ("?signed_from=1980-06", ["day_1980", "month_1985", "day_1989"]),  # "some time in 1980" may be before June
        ("?signed_to=1985-05", ["year_1980", "day_1980"]),
        ("?signed_to=1985-06", ["year_1980", "day_1980", "month_1985"]),  # June 1985 lies within ..June 1985
        ("?signed_to=1985-06-15", ["year_1980", "day_1980"]),  # but not within ..15 June 1985
        ("?signed_from=H1", ["day_1989"]),
        ("?state=active", ["year_1980", "month_1985", "day_1989", "unknown"]),  # a renewal keeps it running
        ("?state=ended", ["day_1980"]),
        ("?partner__country=CN", ["day_1980", "month_1985", "day_1989"]),
        ("?agreement_type=friendship&agreement_type=mou", ["day_1980", "day_1989"]),
        ("?fields=環境", ["month_1985"]),
        ("?q=釜山", ["year_1980"]),
        ("?q=不明", ["unknown"]),
    ],
)
def test_agreement_filters(admin_client, agreements, query, keys):
    assert partners(admin_client, query) == expect(agreements, *keys)


def test_unknown_dates_match_no_range(admin_client, agreements):
    assert "ワシントン州" not in partners(admin_client, "?signed_from=1800&signed_to=2100")


def test_agreement_prefecture_and_organization(admin_client, agreements, organization):
    fukuoka = organization("福岡県")
    assert partners(admin_client, f"?prefecture={fukuoka.pk}") == expect(
        agreements, "year_1980", "month_1985", "day_1989"
    )
    assert partners(admin_client, f"?organization={fukuoka.pk}") == expect(agreements, "year_1980", "day_1989")


def test_agreement_export_is_the_filtered_rows(admin_client, agreements):
    rows = csv_rows(admin_client.get(AGREEMENTS + "?signed_from=1980&signed_to=1980&export=csv"))
    keys = [column.key for column in AGREEMENT_COLUMNS]
    assert rows[0] == [str(column.label) for column in AGREEMENT_COLUMNS]
    assert sorted(row[keys.index("partner")] for row in rows[1:]) == ["上海市", "釜山広域市"]
    assert {row[keys.index("signed")] for row in rows[1:]} == {"1980年", "1980年11月21日"}
    rows, _sheet = xlsx_rows(admin_client.get(AGREEMENTS + "?state=ended&export=xlsx"))
    assert [row[keys.index("ends")] for row in rows[1:]] == ["2000-03-31"]


def test_clerk_sees_only_their_agreements(client, agreements, organization):
    client.force_login(make_user(Role.CLERK, organization("大阪府")))
    assert partners(client) == expect(agreements, "day_1980", "unknown")
    assert partners(client, f"?prefecture={organization('福岡県').pk}") == set()


# -- contractors ---------------------------------------------------------------------------


@pytest.fixture
def contractors(organization):
    agent = make_contractor("株式会社ソウル代理", country="KR")
    agency = make_contractor("韓国観光公社", kind=Contractor.Kind.HOST_AGENCY, country="KR")
    idle = make_contractor("=HYPERLINK(\"x\")商会", country="CN", notes="拠点なし")
    fukuoka, osaka = organization("福岡県"), organization("大阪府")
    make_base(fukuoka, 1, form="c", contractor=agent)
    make_base(fukuoka, 2, form="b", host_agency=agency)
    make_base(osaka, 1, form="c", contractor=agent)
    make_base(osaka, 2, form="c", contractor=agent)
    return {"agent": agent, "agency": agency, "idle": idle}


def counts(client, query=""):
    response = client.get(CONTRACTORS + query)
    assert response.status_code == 200
    return {c.name: c.base_count for c in response.context["object_list"]}


def test_contractors_with_the_number_of_bases_each_runs(admin_client, contractors):
    assert counts(admin_client) == {"株式会社ソウル代理": 3, "韓国観光公社": 1, '=HYPERLINK("x")商会': 0}


@pytest.mark.parametrize(
    "query, names",
    [
        ("?kind=host_agency", {"韓国観光公社"}),
        ("?country=KR", {"株式会社ソウル代理", "韓国観光公社"}),
        ("?q=拠点なし", {'=HYPERLINK("x")商会'}),
        ("?q=ソウル", {"株式会社ソウル代理"}),
    ],
)
def test_contractor_filters(admin_client, contractors, query, names):
    assert set(counts(admin_client, query)) == names


def test_contractors_by_organization_served(admin_client, contractors, organization):
    assert set(counts(admin_client, f"?organization={organization('福岡県').pk}")) == {"株式会社ソウル代理", "韓国観光公社"}
    assert set(counts(admin_client, f"?organization={organization('大阪府').pk}")) == {"株式会社ソウル代理"}


def test_clerk_counts_only_their_own_bases(client, contractors, organization):
    client.force_login(make_user(Role.CLERK, organization("大阪府")))
    assert counts(client)["株式会社ソウル代理"] == 2
    assert counts(client)["韓国観光公社"] == 0


def test_contractor_export_escapes_formula_names(admin_client, contractors):
    keys = [column.key for column in CONTRACTOR_COLUMNS]
    rows = csv_rows(admin_client.get(CONTRACTORS + "?country=CN&export=csv"))
    assert [row[keys.index("name")] for row in rows[1:]] == ["'=HYPERLINK(\"x\")商会"]
    rows, sheet = xlsx_rows(admin_client.get(CONTRACTORS + "?country=CN&export=xlsx"))
    assert len(rows) == 2 and sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.cell(row=2, column=1).value == '=HYPERLINK("x")商会'
    rows, _sheet = xlsx_rows(admin_client.get(CONTRACTORS + "?sort=-base_count&export=xlsx"))
    assert [row[keys.index("base_count")] for row in rows[1:]] == [3, 1, 0]


@pytest.mark.parametrize("url", [
    "/agreements/?signed_to=9999", "/agreements/?signed_to=9999-12-31", "/agreements/?signed_to=0001-01-01",
    "/agreements/?export=csv&signed_to=9999",
])
def test_no_server_error(url):
    response = client_for(make_user(Role.CLERK, "大阪府")).get(url)
    assert response.status_code < 500
