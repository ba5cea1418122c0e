"""Issue 26, second hardening pass: a search that matched private notes, NUL bytes in filters, formulas in open
data, the portal's cache keys and the wording of import messages."""
import datetime

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import Agreement, AgreementType, Partner
from registry.core.permissions import Role
from registry.survey import lifecycle
from tests.support.factories import make_base
from tests.support.published import publish
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db

SECRET = "暗証番号4711"
ROUND_DAY = datetime.date(2019, 9, 30)


def logged_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# -- 1. a search matches only what the caller may read ------------------------------------------------------


@pytest.fixture
def noted_ties(organization):
    """Two ties whose only trace of SECRET is their (non-public) notes: one of 大阪府, one of 札幌市."""
    partner = Partner.objects.create(name_ja="上海市", country="CN", kind="city")
    return [Agreement.objects.create(organization=organization(code), partner=partner,
                                     agreement_type=AgreementType.FRIENDSHIP, notes=f"連絡先 {SECRET}")
            for code in ("270008", "011002")]


@pytest.fixture
def callers():
    return {
        "anonymous": Client(raise_request_exception=False),
        "osaka_clerk": logged_in(make_user(Role.CLERK, "270008", username="osaka_clerk")),
        "supervisor": logged_in(make_user(Role.SUPERVISOR, username="searching_supervisor")),
    }


@pytest.mark.parametrize("caller, expected", [("anonymous", 0), ("osaka_clerk", 1), ("supervisor", 2)])
def test_the_api_search_matches_notes_only_where_the_caller_reads_them(noted_ties, callers, caller, expected):
    """All ties are public, their notes are not: an anonymous count must not reveal a note's text, a clerk
    finds the notes of their own organization's ties only, a supervisor all of them."""
    body = callers[caller].get("/api/v1/agreements/", {"q": SECRET}).json()
    assert body["count"] == expected
    assert callers[caller].get("/api/v1/agreements/", {"q": "上海市"}).json()["count"] == 2  # public text


@pytest.mark.parametrize("caller, expected", [("osaka_clerk", 1), ("supervisor", 2)])
def test_the_list_page_and_the_admin_search_notes_by_the_same_rule(noted_ties, callers, caller, expected):
    client = callers[caller]
    page = client.get(reverse("registry:agreement_list"), {"q": SECRET})
    assert page.status_code == 200 and page.context["result_count"] == expected
    changelist = client.get(reverse("admin:registry_agreement_changelist"), {"q": SECRET})
    assert changelist.status_code == 200 and changelist.context["cl"].result_count == expected


def test_the_api_searches_no_private_base_text(organization, callers):
    """Bases in the API are round records: their remarks and department are not public, nor searchable."""
    make_base(organization("270008"), name="公開拠点", remarks=f"内部 {SECRET}", department=SECRET)
    publish(lifecycle.open_round(ROUND_DAY).survey_round)
    anonymous = callers["anonymous"]
    assert anonymous.get("/api/v1/bases/", {"q": "公開拠点"}).json()["count"] == 1
    assert anonymous.get("/api/v1/bases/", {"q": SECRET}).json()["count"] == 0


# -- 7. NUL and other control characters in filters and searches ---------------------------------------------

NUL_VALUES = ["\x00", "大阪\x00府", "\x1b"]
STAFF_PAGES = {
    **{f"admin {name} changelist": f"/admin/registry/{name}/"
       for name in ("base", "agreement", "partner", "contractor", "organization", "place", "baseroundrecord")},
    "admin autocomplete": "/admin/autocomplete/?app_label=registry&model_name=base&field_name=organization",
    "bases list page": "/bases/",
    "agreements list page": "/agreements/",
    "contractors list page": "/contractors/",
}
PUBLIC_PAGES = {
    **{f"api {name}": f"/api/v1/{name}/" for name in ("bases", "agreements", "partners", "organizations", "rounds")},
    "portal home": "/public/",
    "portal bases": "/public/bases/",
    "portal country": "/public/countries/CN/",
    "portal organization": "/public/organizations/270008/",
    "portal trends": "/public/trends/",
}
PARAMETERS = ["q", "term", "name", "country", "organization", "partner__country", "cities", "kind", "round"]


@pytest.fixture
def superuser_client(superuser):
    return logged_in(superuser)


def with_parameter(url, name, value):
    separator = "&" if "?" in url else "?"
    from urllib.parse import quote

    return f"{url}{separator}{name}={quote(value)}"


@pytest.mark.parametrize("page", list(STAFF_PAGES) + list(PUBLIC_PAGES))
@pytest.mark.parametrize("value", NUL_VALUES, ids=["nul", "nul-inside", "escape"])
def test_a_control_character_in_a_filter_or_search_is_a_400_never_a_500(organization, superuser_client, page, value):
    """Every parameter a page reads (and some it does not) with a NUL or another control character: 400, on
    both databases (PostgreSQL refused NUL in text with a 500)."""
    make_base(organization("270008"), name="ヌル検査拠点")
    client = superuser_client if page in STAFF_PAGES else Client(raise_request_exception=False)
    url = {**STAFF_PAGES, **PUBLIC_PAGES}[page]
    for name in PARAMETERS:
        response = client.get(with_parameter(url, name, value))
        assert response.status_code == 400, (name, response.status_code)
        assert "制御文字" in response.content.decode() or "control character" in response.content.decode()


def test_a_nul_in_the_path_is_refused_and_plain_text_still_searches(superuser_client):
    assert Client(raise_request_exception=False).get("/public/organizations/27%00008/").status_code == 400
    assert superuser_client.get("/bases/", {"q": "大阪\t府"}).status_code == 200  # a tab is no control to refuse


# -- 10. formulas in the open data ------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/","開く")'


def test_open_data_neutralises_formulas_as_the_staff_downloads_do(organization, client):
    import csv
    import io

    from registry.core.downloads import csv_cell

    make_base(organization("270008"), name=FORMULA, cities="+上海", staff_dispatched=2)
    publish(lifecycle.open_round(ROUND_DAY).survey_round)
    response = client.get(reverse("opendata:table", args=[ROUND_DAY, "bases"]))
    assert response.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    row = dict(zip(header, rows[0]))
    assert row["拠点名"] == csv_cell(FORMULA) == "'" + FORMULA
    assert row["都市"] == "'+上海"
    assert row["派遣職員数"] == "2" and row["全国地方公共団体コード"] == "270008"  # numbers and codes as they were
    descriptor = client.get(reverse("opendata:datapackage", args=[ROUND_DAY])).json()
    assert "remove that first '" in descriptor["description"]


# -- 11. the portal's cache keys ----------------------------------------------------------------------------------


def cache_files():
    from pathlib import Path

    from django.conf import settings

    location = settings.CACHES["default"]
    if not location["BACKEND"].endswith("FileBasedCache"):
        pytest.skip("counts the entries of the file cache")
    return len(list(Path(location["LOCATION"]).glob("*.djcache")))


@pytest.fixture
def published(organization):
    make_base(organization("270008"), name="キャッシュ検査拠点")
    return publish(lifecycle.open_round(ROUND_DAY).survey_round)


def test_junk_parameters_add_no_portal_cache_entries(published, client):
    for url in ("/public/", "/public/bases/", "/public/countries/CN/", "/public/organizations/270008/"):
        assert client.get(url).status_code == 200
        warm = cache_files()
        for number in range(30):
            client.get(f"{url}?utm_source=junk{number}")
        assert cache_files() == warm, url


def test_a_portal_page_is_keyed_by_the_parameters_it_reads(published, client):
    """Junk goes (a redirect to the address without it, the parameters read kept); the order of the parameters
    read does not make another page."""
    response = client.get("/public/bases/?q=%E6%A4%9C%E6%9F%BB&junk=1&form=a&page=1")
    assert response.status_code == 302
    assert response["Location"] == "/public/bases/?form=a&page=1&q=%E6%A4%9C%E6%9F%BB"
    first = client.get("/public/bases/?q=検査&form=a")
    second = client.get("/public/bases/?form=a&q=検査")
    assert first.status_code == second.status_code == 200
    assert first.context["page_key"] == second.context["page_key"]
    assert "キャッシュ検査拠点" in second.content.decode()
    assert client.get("/public/bases/?q=別の語").context["page_key"] != first.context["page_key"]


# -- 12. import messages in Japanese, naming only the places they have -----------------------------------------

ENGLISH_WORD = r"\b(?!xlsx\b|Excel\b)[A-Za-z]{3,}\b"


def test_an_unreadable_xlsx_is_explained_in_japanese_without_the_librarys_words():
    import re

    from django.utils import translation

    from registry.sheets.reader import SheetReadError, read_table
    from tests.sheets.test_bad_files import truncated_xlsx, zip_without_workbook

    for build in (truncated_xlsx, zip_without_workbook):
        with translation.override("ja"), pytest.raises(SheetReadError) as refused:
            read_table(build(), "sheet.xlsx")
        message = str(refused.value)
        assert message.startswith("xlsxファイルを読み込めません。") and not re.search(ENGLISH_WORD, message), message


def test_a_refused_confirm_names_row_and_column_in_japanese_and_no_placeholder(superuser_client):
    """What the confirm step reports as messages (the file changed since its preview, another import runs)."""
    from django.contrib.messages import get_messages
    from django.utils import translation

    from registry.sheets.agreements.plan import import_agreement_file
    from registry.sheets.outcome import Problem
    from tests.support.agreement_sheets import as_text, tie_row
    from tests.admin.test_agreements_admin import confirm, upload

    import_agreement_file(as_text([tie_row()]), "ties.tsv")
    superuser_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    preview = upload(superuser_client, as_text([tie_row(org="大阪市", kind="姉妹都市", **{"相手先(英語)": "Shanghai"})]))
    Partner.objects.create(name_ja="シャンハイ", name_en="Shanghai", country="CN")  # now two partners match
    shown = [str(message) for message in get_messages(confirm(superuser_client, preview).wsgi_request)]
    assert any(message.startswith("4行目、「相手先」列：") for message in shown), shown
    assert not any("row" in message or "column" in message for message in shown), shown
    with translation.override("ja"):
        assert Problem("-", "-", "取込中です").located() == "取込中です"
        assert Problem(7, "-", "回答済みです").located() == "7行目：回答済みです"
