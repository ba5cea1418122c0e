"""/bases/: each filter, sorting, paging, scope, exports of exactly the filtered rows, constant query counts."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.staff.columns import BASE_COLUMNS
from registry.models import BaseStatus, Contractor, JointOffice
from registry.core.permissions import Role
from tests.support.factories import make_base, make_contractor
from tests.support.lists_helpers import csv_rows, xlsx_rows
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db
URL = reverse("registry:base_list")
KEYS = [column.key for column in BASE_COLUMNS]
NAME, REASON, COUNTRIES, STAFF_TOTAL = (KEYS.index(key) for key in ("name", "reason", "countries", "staff_total"))


@pytest.fixture
def bases(organization):
    """Bases across regions; keys name them for the assertions."""
    agency = make_contractor("韓国観光公社", kind=Contractor.Kind.HOST_AGENCY)
    agent = make_contractor("株式会社ソウル代理", country="KR")
    joint = JointOffice.objects.create(name="九州共同事務所")
    return {
        "fukuoka": make_base(organization("福岡県"), 1, name="福岡県ソウル事務所", countries=["KR"], cities="ソウル",
                             form="b", host_agency=agency, established_fy=2013, staff_dispatched=2, staff_local=1,
                             joint_office=joint),
        "kitakyushu": make_base(organization("北九州市"), 1, name="北九州市大連事務所", countries=["CN"], cities="大連",
                                form="c", contractor=agent, established_fy=2014, staff_local=1,
                                remarks="経済交流の窓口"),
        "okinawa": make_base(organization("沖縄県"), 1, name="沖縄県台北事務所", countries=["TW"], cities="台北",
                             form="a", established_fy=1990, staff_dispatched=1, staff_local=4, joint_office=joint),
        "hokkaido": make_base(organization("北海道"), 1, name="北海道上海事務所", countries=["CN", "KR"],
                              cities="上海、ソウル", form="c", contractor=agent, established_fy=2000),
        "sapporo": make_base(organization("札幌市"), 1, name="札幌市瀋陽事務所", countries=["CN"], cities="瀋陽",
                             form="d", established_fy=2019, staff_dispatched=3),
        "osaka": make_base(organization("大阪府"), 1, name="大阪府ホーチミン事務所", countries=["VN"],
                           cities="ホーチミン", form="c", contractor=agent, established_fy=2015,
                           status=BaseStatus.CLOSED, closed_on="2020-03-31", reason="=危険な式"),
    }


def names(client, query=""):
    response = client.get(URL + query)
    assert response.status_code == 200
    return {base.name for base in response.context["object_list"]}


def expect(bases, *keys):
    return {bases[key].name for key in keys}


def test_no_filter_lists_every_base_with_the_count(admin_client, bases):
    response = admin_client.get(URL)
    assert response.context["result_count"] == 6
    assert '<span class="count">6 件</span>' in response.content.decode()


@pytest.mark.parametrize(
    "query, keys",
    [
        ("?region=kyushu", ["fukuoka", "kitakyushu", "okinawa"]),
        ("?region=hokkaido", ["hokkaido", "sapporo"]),  # a city counts under its prefecture's region
        ("?region=kinki", ["osaka"]),
        ("?region=tohoku", []),
        ("?established_from=H25", ["fukuoka", "kitakyushu", "sapporo", "osaka"]),
        ("?established_from=平成25年度&established_to=H26", ["fukuoka", "kitakyushu"]),
        ("?established_to=1999", ["okinawa"]),
        ("?established_from=令和元年度", ["sapporo"]),
        ("?region=kyushu&established_from=H25", ["fukuoka", "kitakyushu"]),
        ("?countries=KR", ["fukuoka", "hokkaido"]),  # a base in several countries matches each
        ("?countries=CN&form=c", ["kitakyushu", "hokkaido"]),
        ("?form=b&form=d", ["fukuoka", "sapporo"]),
        ("?cities=ソウル", ["fukuoka", "hokkaido"]),
        ("?status=closed", ["osaka"]),
        ("?status=active&form=c", ["kitakyushu", "hokkaido"]),
        ("?staff_min=3", ["fukuoka", "okinawa", "sapporo"]),  # staff total is dispatched + local
        ("?staff_min=1&staff_max=3", ["fukuoka", "kitakyushu", "sapporo"]),
        ("?q=経済交流", ["kitakyushu"]),  # remarks
        ("?q=危険", ["osaka"]),  # reasons
        ("?q=台北", ["okinawa"]),  # names and cities
        ("?q=札幌", ["sapporo"]),  # organization names
        ("?organization__kind=designated_city", ["kitakyushu", "sapporo"]),
    ],
)
def test_each_filter(admin_client, bases, query, keys):
    assert names(admin_client, query) == expect(bases, *keys)


def test_prefecture_includes_its_cities(admin_client, bases, organization):
    fukuoka = organization("福岡県")
    assert names(admin_client, f"?prefecture={fukuoka.pk}") == expect(bases, "fukuoka", "kitakyushu")
    assert names(admin_client, f"?organization={fukuoka.pk}") == expect(bases, "fukuoka")


def test_contractor_matches_contractor_or_host_agency(admin_client, bases):
    agency = Contractor.objects.get(name="韓国観光公社")
    agent = Contractor.objects.get(name="株式会社ソウル代理")
    assert names(admin_client, f"?contractor={agency.pk}") == expect(bases, "fukuoka")
    assert names(admin_client, f"?contractor={agent.pk}") == expect(bases, "kitakyushu", "hokkaido", "osaka")


def test_joint_office(admin_client, bases):
    joint = JointOffice.objects.get()
    assert names(admin_client, f"?joint_office={joint.pk}") == expect(bases, "fukuoka", "okinawa")


@pytest.mark.parametrize("query", ["?established_from=X99", "?established_from=H40", "?countries=ZZ", "?region=mars"])
def test_invalid_filter_shows_the_error_and_no_rows_rather_than_everything(admin_client, bases, query):
    response = admin_client.get(URL + query)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    assert response.context["filter"].errors
    assert admin_client.get(URL + query + "&export=csv").status_code == 400


def test_sorting_by_a_derived_column_both_ways(admin_client, bases):
    response = admin_client.get(URL + "?sort=-staff_total&status=active")
    staff = [base.staff_dispatched + base.staff_local for base in response.context["object_list"]]
    assert staff == sorted(staff, reverse=True) and staff[0] == 5
    response = admin_client.get(URL + "?sort=established_fy")
    years = [base.established_fy for base in response.context["object_list"]]
    assert years == sorted(years)


def test_fifty_to_a_page_and_pages_keep_the_filter(admin_client, organization):
    osaka = organization("大阪府")
    for number in range(1, 56):
        make_base(osaka, number, countries=["KR"] if number % 2 else ["CN"])
    first = admin_client.get(URL + "?countries=KR")
    assert first.context["result_count"] == 28
    assert len(first.context["object_list"]) == 28
    response = admin_client.get(URL)
    assert response.context["result_count"] == 55 and len(response.context["object_list"]) == 50
    second = admin_client.get(URL + "?page=2")
    assert len(second.context["object_list"]) == 5


def test_pages_sorted_by_another_tables_column_hold_every_base_once_in_order(admin_client, organization):
    """Pages are read keys first (registry/core/paging.py): page after page, the list is the whole sort, no base
    twice or missing, ties broken by organization and number."""
    contractors = [make_contractor(name) for name in ("株式会社C", "株式会社A", "株式会社B")]
    for number in range(1, 71):
        make_base(organization("大阪府" if number % 3 else "京都府"), number, form="c",
                  contractor=contractors[number % 3])
    seen = []
    for page in (1, 2):
        seen += admin_client.get(URL + f"?sort=contractor&page={page}").context["object_list"]
    assert len(seen) == 70 and len({base.pk for base in seen}) == 70
    key = [(base.contractor.name, base.organization.code, base.number) for base in seen]
    assert key == sorted(key)
    descending = admin_client.get(URL + "?sort=-contractor").context["object_list"]
    assert [base.contractor.name for base in descending[:3]] == ["株式会社C"] * 3


def test_clerk_sees_only_their_organizations_whatever_the_parameters(client, bases, organization):
    clerk = make_user(Role.CLERK, organization("福岡県"))
    client.force_login(clerk)
    assert names(client) == expect(bases, "fukuoka")
    assert names(client, "?region=kinki") == set()
    response = client.get(URL + f"?organization={organization('大阪府').pk}")
    assert list(response.context["object_list"]) == []  # not a choice for this clerk
    rows = csv_rows(client.get(URL + "?export=csv"))
    assert [row[4] for row in rows[1:]] == ["福岡県ソウル事務所"]


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_csv_export_contains_exactly_the_filtered_rows_and_escapes_formulas(admin_client, bases):
    response = admin_client.get(URL + "?countries=CN&sort=-staff_total&page=1&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == [str(column.label) for column in BASE_COLUMNS]
    assert [row[NAME] for row in rows[1:]] == ["札幌市瀋陽事務所", "北九州市大連事務所", "北海道上海事務所"]  # page order
    closed = csv_rows(admin_client.get(URL + "?status=closed&export=csv"))
    assert closed[1][REASON] == "'=危険な式"
    assert closed[1][COUNTRIES] == "ベトナム"


def test_xlsx_export_contains_exactly_the_filtered_rows_as_text(admin_client, bases):
    rows, sheet = xlsx_rows(admin_client.get(URL + "?region=kyushu&export=xlsx"))
    assert sorted(row[NAME] for row in rows[1:]) == sorted(expect(bases, "fukuoka", "kitakyushu", "okinawa"))
    assert [row[STAFF_TOTAL] for row in rows[1:]] == [3, 1, 5]  # numbers stay numbers
    rows, sheet = xlsx_rows(admin_client.get(URL + "?q=危険&export=xlsx"))
    assert len(rows) == 2
    reason_cell = sheet.cell(row=2, column=REASON + 1)
    assert reason_cell.value == "=危険な式" and reason_cell.data_type == "s"


def list_queries(client, url):
    cache.clear()  # the countries in use are cached for a minute: count them each time
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [URL, URL + "?countries=CN&sort=contractor", reverse("registry:contractor_list"),
                                 reverse("registry:agreement_list")])
def test_query_count_does_not_grow_with_rows(admin_client, organization, url):
    from tests.admin.test_admin_pages import seed_rows

    joint = JointOffice.objects.create(name="共同事務所")
    seed_rows(organization("大阪府"), 2)
    make_base(organization("北九州市"), 1, joint_office=joint, host_agency=make_contractor("受入機関"))
    few = list_queries(admin_client, url)
    seed_rows(organization("福岡県"), 30)
    for number in range(2, 12):
        make_base(organization("北九州市"), number, joint_office=joint, host_agency=Contractor.objects.get(name="受入機関"))
    many = list_queries(admin_client, url)
    assert many == few


def test_filter_form_offers_countries_in_use_and_searches_organizations_and_contractors(admin_client, bases,
                                                                                      organization):
    response = admin_client.get(URL)
    form = response.context["filter"].form
    assert {code for code, _name in form.fields["countries"].choices if code} == {"KR", "CN", "TW", "VN"}
    html = response.content.decode()
    assert 'data-model-name="base" data-field-name="organization"' in html
    assert 'data-model-name="base" data-field-name="contractor"' in html
    assert f'<option value="{organization("北九州市").pk}"' not in html  # no option per organization
    selected = admin_client.get(URL + f"?organization={organization('北九州市').pk}").content.decode()
    assert f'<option value="{organization("北九州市").pk}" selected>北九州市（福岡県）</option>' in selected


def autocomplete_names(client, field_name, term):
    response = client.get(reverse("admin:autocomplete"), {"app_label": "registry", "model_name": "base",
                                                           "field_name": field_name, "term": term})
    assert response.status_code == 200
    return {item["text"] for item in response.json()["results"]}


def test_list_filter_autocomplete_offers_what_each_role_may_see(client, bases, organization):
    client.force_login(make_user(Role.SUPERVISOR))  # reads everything, edits nothing
    assert autocomplete_names(client, "organization", "福岡") == {"福岡県", "福岡市（福岡県）"}
    assert autocomplete_names(client, "contractor", "ソウル") == {"株式会社ソウル代理"}
    client.force_login(make_user(Role.CLERK, organization("北九州市")))
    assert autocomplete_names(client, "organization", "") == {"北九州市（福岡県）"}


@pytest.mark.parametrize("term, keys", [("韓国観光", ["fukuoka"]), ("ソウル代理", ["kitakyushu", "hokkaido", "osaka"]),
                                        ("経済交流", ["kitakyushu"]), ("札幌", ["sapporo"]), ("危険", ["osaka"])])
def test_admin_search_is_the_list_search(admin_client, bases, term, keys):
    """Host agency and contractor names, the organization's name and the base's own text, in both places."""
    admin_rows = admin_client.get(reverse("admin:registry_base_changelist"), {"q": term}).context["cl"].result_list
    assert {base.name for base in admin_rows} == names(admin_client, f"?q={term}") == expect(bases, *keys)


def test_base_autocomplete_queries_do_not_grow_with_results(admin_client, organization):
    url = reverse("admin:autocomplete")
    params = {"app_label": "registry", "model_name": "agreement", "field_name": "bases", "term": "テスト"}
    make_base(organization("大阪府"), 1)
    with CaptureQueriesContext(connection) as few:
        assert len(admin_client.get(url, params).json()["results"]) == 1
    for number in range(2, 15):
        make_base(organization("福岡県"), number)
    with CaptureQueriesContext(connection) as many:
        assert len(admin_client.get(url, params).json()["results"]) == 14
    assert len(many) == len(few)


def test_filtering_by_several_forms_lists_each_base_once_without_distinct(admin_client, bases):
    """Several choices of a one-valued field: each base once, and no DISTINCT over every exported column."""
    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(admin_client.get(URL + "?form=c&form=d&status=active&export=csv"))
    assert sorted(row[NAME] for row in rows[1:]) == sorted(expect(bases, "kitakyushu", "hokkaido", "sapporo"))
    exported = [query["sql"] for query in queries if '"registry_base"."name"' in query["sql"]]
    assert exported and not [sql for sql in exported if "DISTINCT" in sql]
