"""The public portal: anyone reads the published rounds, on a map, per country and organization, and as trends."""
import csv
import datetime
import io
import re

import pytest
from django.db import transaction
from django.test import Client

from registry.public.geo.geocode import geocode_all
from registry.models import BaseRoundRecord
from registry.survey import lifecycle
from tests.support.published import load_2017, publish

DAY = datetime.date(2017, 9, 30)
NEXT = datetime.date(2018, 9, 30)


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The 2017 round, the demo ties and places, and a 2018 round where one base closed and the rest went on."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            load_2017()
            geocode_all()
            # 2018: every base answered unchanged but one, closed; the round published.
            later = lifecycle.open_round(NEXT).survey_round
            records = BaseRoundRecord.objects.filter(survey_round=later).select_related("base").order_by("pk")
            closed = records[0]
            lifecycle.propose_closing(later, closed.base, datetime.date(2018, 3, 31), "撤退", None)
            lifecycle.confirm_unchanged(later, [r.base for r in records[1:]], None)
            publish(later)
            yield {"closed": closed}
            transaction.set_rollback(True)


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def test_the_home_page_maps_the_latest_round(db, data, client):
    page = text(client.get("/public/?round=2017-09-30"))
    assert re.search(r'data-country="CN" data-count="63"', page)
    assert len(re.findall(r'<circle class="place"', page)) >= 30
    assert "上海 (" in page and "/public/countries/CN/" in page
    assert "公共データ利用規約" in page and "2017-09-30" in page
    assert "/opendata/2017-09-30/bases.csv" in page
    assert client.get("/public/?round=2016-09-30").status_code == 404


def test_bases_are_searchable_with_the_list_filters(db, data, client):
    page = text(client.get("/public/bases/?round=2017-09-30&countries=KR&organization=270008"))
    assert '<span class="count">拠点 0 件</span>' in page
    page = text(client.get("/public/bases/?round=2017-09-30&countries=KR"))
    rows = re.findall(r'<a href="/public/countries/(\w\w)/">', page)
    assert rows and set(rows) == {"KR"}
    page = text(client.get("/public/bases/?round=2017-09-30&q=上海事務所&organization=270008"))
    assert "上海事務所" in page and "大阪府" in page


def test_country_and_organization_pages(db, data, client):
    china = text(client.get("/public/countries/CN/?round=2017-09-30"))
    assert "上海事務所" in china and "上海市" in china  # Osaka's office and its tie with Shanghai
    osaka = text(client.get("/public/organizations/270008/"))
    assert "大阪府" in osaka and "2017-09-30" in osaka and "2018-09-30" in osaka
    assert "クイーンズランド州" in osaka


def test_trends_count_each_round_and_the_openings_and_closings(db, data, client):
    page = text(client.get("/public/trends/"))
    assert page.count('<svg class="chart') == 3
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/public/trends/openings.csv").streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["調査基準日", "拠点数", "新設", "廃止"]
    assert rows[1] == ["2017-09-30", "195", "", ""]
    assert rows[2][0] == "2018-09-30" and rows[2][2:] == ["0", "1"]
    by_country = list(csv.reader(io.StringIO(b"".join(client.get("/public/trends/bases-by-country.csv").streaming_content).decode("utf-8-sig"))))
    assert by_country[0] == ["国・地域コード", "国・地域", "2017-09-30", "2018-09-30"]
    assert by_country[1][:3] == ["CN", "中国", "63"]
    decades = list(csv.reader(io.StringIO(b"".join(client.get("/public/trends/ties-by-decade.csv").streaming_content).decode("utf-8-sig"))))
    assert ["1980年代", "4"] in decades


def test_the_portal_speaks_english_on_request(db, data, client):
    client.cookies["django_language"] = "en"
    page = text(client.get("/public/trends/"))
    assert "Trends across rounds" in page and 'lang="en"' in page
    client.cookies["django_language"] = "ja"
    assert "推移" in text(client.get("/public/trends/"))
    english_csv = Client(HTTP_ACCEPT_LANGUAGE="en").get("/public/trends/bases-by-country.csv")
    japanese_csv = Client(HTTP_ACCEPT_LANGUAGE="ja").get("/public/trends/bases-by-country.csv")
    assert "China" in b"".join(english_csv.streaming_content).decode("utf-8-sig")
    assert "中国" in b"".join(japanese_csv.streaming_content).decode("utf-8-sig")
