"""The read-only API: public data for anyone, the caller's scope for staff with a token, OpenAPI schema, caching."""
import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from registry.models import Base, BaseRoundRecord, SurveyRound
from registry.core.permissions import Role
from registry.survey.summary import survey_summary
from tests.support.published import load_2017
from tests.support.roles import make_user

DAY = datetime.date(2017, 9, 30)
PRIVATE = {"status", "review_state", "department", "url", "remarks"}


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The 2017 round and the demo ties, loaded once for the module and rolled back at its end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            def note_on_an_osaka_base():  # while the round is open, its figures follow the base
                osaka_base = Base.objects.filter(organization__code="270008").first()
                osaka_base.remarks = "内部メモ"
                osaka_base.save()

            load_2017(before_closing=note_on_an_osaka_base)
            open_round = SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 30))
            first = BaseRoundRecord.objects.filter(survey_round__reference_date=DAY,
                                                   base__organization__code="270008").order_by("pk").first()
            BaseRoundRecord.objects.create(survey_round=open_round, base=first.base, form="a", name="未公表の拠点")
            yield
            transaction.set_rollback(True)


def token_client(user):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def all_pages(client, url):
    rows = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_anonymous_callers_read_the_published_round_without_private_fields(db, data, client):
    rows = all_pages(client, "/api/v1/bases/?round=2017-09-30&page_size=500")
    assert len(rows) == 194
    assert not PRIVATE & set().union(*(row.keys() for row in rows))
    seoul = client.get("/api/v1/bases/?countries=VN&organization=270008").json()["results"]
    assert seoul and all("VN" in row["countries"] and row["organization"] == "270008" for row in seoul)
    assert "未公表の拠点" not in {row["name"] for row in all_pages(client, "/api/v1/bases/?page_size=500")}
    assert client.get("/api/v1/bases/?round=2018-09-30").json()["count"] == 0
    assert client.get("/api/v1/rounds/2018-09-30/").status_code == 404
    by_staff = client.get("/api/v1/bases/?round=2017-09-30&sort=-staff_total").json()["results"]
    assert [row["staff_total"] for row in by_staff] == sorted((row["staff_total"] for row in rows), reverse=True)[:50]
    contracted = client.get("/api/v1/bases/?form=c&page_size=500").json()
    assert contracted["count"] > 0 and {row["form"] for row in contracted["results"]} == {"c"}


def test_each_language_gets_its_own_country_names_from_the_cache(db, data):
    """Anonymous answers are kept, but an English caller after a Japanese one still reads English names."""
    url = "/api/v1/bases/?countries=VN&organization=270008"
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja").get(url).json()["results"][0]["country_names"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).json()["results"][0]["country_names"]
    assert "ベトナム" in japanese and "Vietnam" in english, (japanese, english)
    assert Client(HTTP_ACCEPT_LANGUAGE="ja").get(url).json()["results"][0]["country_names"] == japanese


def test_round_summary_is_the_survey_summary(db, data, client):
    body = client.get("/api/v1/rounds/2017-09-30/summary/").json()
    expected = survey_summary(SurveyRound.objects.get(reference_date=DAY))
    assert body == {"round": "2017-09-30", "scope": "public", **expected}
    assert (body["organizations"], body["bases"], body["countries"]) == (66, 195, 15)
    assert client.get("/api/v1/rounds/2016-09-30/summary/").status_code == 404
    assert client.get("/api/v1/rounds/2017-02-30/").status_code == 404


def test_staff_with_a_token_read_private_fields_of_their_own_scope_only(db, data):
    clerk = make_user(Role.CLERK, "270008", username="api_osaka")
    client = token_client(clerk)
    rows = all_pages(client, "/api/v1/bases/?page_size=500")
    own = [row for row in rows if row["organization"] == "270008"]
    others = [row for row in rows if row["organization"] != "270008"]
    assert own and others
    assert all(PRIVATE <= row.keys() for row in own)
    assert "内部メモ" in {row["remarks"] for row in own}
    assert not any(PRIVATE & row.keys() for row in others)
    # The open round's figures: their own organization's only.
    assert [row["name"] for row in all_pages(client, "/api/v1/bases/?round=2018-09-30")] == ["未公表の拠点"]
    sapporo = token_client(make_user(Role.CLERK, "011002", username="api_sapporo"))
    assert all_pages(sapporo, "/api/v1/bases/?round=2018-09-30") == []
    supervisor = token_client(make_user(Role.SUPERVISOR, username="api_supervisor"))
    assert all(PRIVATE <= row.keys() for row in all_pages(supervisor, "/api/v1/bases/?page_size=500"))
    assert "未公表の拠点" in {row["name"] for row in all_pages(supervisor, "/api/v1/bases/?round=2018-09-30")}
    summary = supervisor.get("/api/v1/rounds/2018-09-30/summary/").json()
    assert (summary["scope"], summary["bases"]) == ("own", 1)
    assert Client().get("/api/v1/bases/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_agreement_notes_are_for_the_owning_organization(db, data, client):
    rows = all_pages(client, "/api/v1/agreements/?organization=270008")
    assert rows and all("notes" not in row for row in rows)
    assert rows[0]["signed"] == "1980-11-21" and rows[0]["signed_precision"] == "day"
    clerk = token_client(make_user(Role.CLERK, "270008", username="api_osaka2"))
    assert all("notes" in row for row in all_pages(clerk, "/api/v1/agreements/?organization=270008"))
    dated = client.get("/api/v1/agreements/?signed_from=2023&signed_to=2023-12").json()["results"]
    assert [row["signed"] for row in dated] == ["2023-10"]


def test_answers_carry_etag_and_last_modified_and_revalidate(db, data, client):
    first = client.get("/api/v1/organizations/270008/")
    assert first.json()["name"] == "大阪府"
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/api/v1/organizations/270008/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get("/api/v1/organizations/270008/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_callers_are_throttled_each_on_their_own(db, data):
    cache.clear()
    with override_settings(API_THROTTLE_RATES={"anon": "3/minute", "user": "3/minute"}):
        anonymous = Client()
        assert [anonymous.get("/api/v1/rounds/").status_code for _ in range(4)] == [200, 200, 200, 429]
        staff = token_client(make_user(Role.COORDINATOR, username="api_coordinator"))
        assert staff.get("/api/v1/rounds/").status_code == 200
    cache.clear()


def test_the_openapi_schema_is_valid_and_lists_every_resource(db, client):
    schema = client.get("/api/v1/schema/?format=json").json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/bases/", "/api/v1/bases/{id}/", "/api/v1/agreements/", "/api/v1/partners/",
            "/api/v1/organizations/", "/api/v1/rounds/", "/api/v1/rounds/{reference_date}/summary/"} <= set(
        schema["paths"])
    names = {p["name"] for p in schema["paths"]["/api/v1/bases/"]["get"]["parameters"]}
    assert {"countries", "form", "organization", "prefecture", "region", "round", "page"} <= names


def test_the_docs_page_loads_its_assets_from_this_site(db, client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page and "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_building_the_schema_leaves_the_list_pages_filters_as_they_were(db, data, client):
    client.get("/api/v1/schema/?format=json")
    staff = Client()
    staff.force_login(make_user(Role.COORDINATOR, username="api_lists"))
    page = staff.get("/bases/?countries=KR").content.decode()
    assert "韓国" in page and "候補にありません" not in page
    assert client.get("/api/v1/bases/?countries=KR").json()["count"] > 0
