"""Places: coordinates found offline in GeoNames within the row's country, misses listed, hand pins kept."""
import json

import pytest
from django.core.management import call_command

from registry.public.geo.geocode import city_hit_rate, geocode_all, resolve
from registry.models import Place
from registry.survey.summary import reported_records
from tests.support.published import load_2017
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_2017():
    return load_2017(published=False)


def test_names_resolve_within_their_own_country():
    assert resolve("KR", "水原").name == "Suwon"
    assert resolve("JP", "水原") is None or resolve("JP", "水原").name != "Suwon"
    assert resolve("KR", "ソウル特別市").name == "Seoul"
    assert resolve("CN", "広州市").name == "Guangzhou"
    assert resolve("IN", "ムンバイ(オランガバード)").name == "Mumbai"
    assert resolve("CN", "華東地区") is None
    assert resolve("US", "上海") is None


def test_at_least_80_percent_of_the_2017_city_cells_get_coordinates(round_2017, capsys):
    call_command("geocode_places", "--survey-date", "2017-09-30", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["hit_rate"] >= 0.8 and report["city_cells_located"] / report["city_cells"] >= 0.8
    assert "CN 華東地区" in report["misses"]
    seoul = Place.objects.get(country="KR", name="ソウル")
    assert (seoul.geonames_id, seoul.source) == (1835848, Place.Source.GEONAMES)
    assert 37 < seoul.latitude < 38 and 126 < seoul.longitude < 128
    # A base in Indonesia and Malaysia: each city is filed under the country it lies in.
    assert Place.objects.filter(country="MY", name="クアラルンプール").exists()
    assert not Place.objects.filter(country="ID", name="クアラルンプール").exists()


def test_geocoding_again_writes_nothing_and_keeps_hand_pins(round_2017):
    geocode_all()
    miss = Place.objects.get(country="CN", name="華東地区")
    assert not miss.located and miss.history.first().change_source == "command"
    history_rows = Place.history.count()
    assert geocode_all().created == geocode_all().updated == 0
    assert Place.history.count() == history_rows


def test_a_clerk_pins_a_miss_by_hand_in_the_admin(round_2017, client):
    geocode_all()
    miss = Place.objects.get(country="CN", name="華東地区")
    client.force_login(make_user("clerk", "270008", username="geo_clerk"))
    response = client.post(f"/admin/registry/place/{miss.pk}/change/",
                           {"latitude": "31.2", "longitude": "121.5", "change_reason": "上海に置く"})
    assert response.status_code == 302
    miss.refresh_from_db()
    assert (miss.source, miss.latitude, miss.longitude) == (Place.Source.MANUAL, 31.2, 121.5)
    assert miss.history.first().history_change_reason == "上海に置く"
    geocode_all()
    miss.refresh_from_db()
    assert miss.source == Place.Source.MANUAL and miss.located
    assert city_hit_rate(reported_records(round_2017)).misses.count(("CN", "華東地区")) == 0
