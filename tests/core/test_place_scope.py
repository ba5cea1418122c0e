"""Places on the map: a clerk pins what nobody located yet and moves only the places no other organization names.

Issue 26, finding 2: 大阪府's clerk could move 北京 (found in GeoNames, named by other organizations' bases) and
any place only another organization's bases name; the public maps showed the moved point.
"""
import pytest
from django.test import Client

from registry.models import Agreement, AgreementType, Organization, Partner, Place
from registry.core.permissions import Role
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db

OSAKA, SAPPORO = "270008", "011002"


def change_url(place):
    return f"/admin/registry/place/{place.pk}/change/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def places():
    osaka, sapporo = (Organization.objects.get(code=code) for code in (OSAKA, SAPPORO))
    make_base(osaka, number=1, countries=["CN"], cities="北京、華東地区")
    make_base(osaka, number=2, countries=["VN"], cities="ハノイ")
    make_base(sapporo, number=1, countries=["CN"], cities="北京")
    make_base(sapporo, number=2, countries=["KR"], cities="ソウル")
    return {
        "beijing": Place.objects.create(country="CN", name="北京", geonames_id=1816670, geonames_name="Beijing",
                                        latitude=39.9, longitude=116.4, source=Place.Source.GEONAMES),
        "seoul": Place.objects.create(country="KR", name="ソウル", latitude=37.5, longitude=127.0,
                                      source=Place.Source.MANUAL),
        "hanoi": Place.objects.create(country="VN", name="ハノイ", geonames_id=1581130, geonames_name="Hanoi",
                                      latitude=21.0, longitude=105.8, source=Place.Source.GEONAMES),
        "east_china": Place.objects.create(country="CN", name="華東地区"),
    }


@pytest.fixture
def osaka_clerk():
    return make_user(Role.CLERK, OSAKA, username="osaka_clerk")


def move(client, place, latitude="-60", longitude="-150"):
    return client.post(change_url(place), {"latitude": latitude, "longitude": longitude,
                                            "change_reason": "地図の位置を直す"})


def as_stored(place):
    fresh = Place.objects.get(pk=place.pk)
    return fresh.latitude, fresh.longitude, fresh.source, fresh.history.count()


@pytest.mark.parametrize("key", ["beijing", "seoul"])
def test_a_clerk_cannot_move_a_place_another_organization_names(places, osaka_clerk, key):
    place = places[key]
    before = as_stored(place)
    client = logged_in(osaka_clerk)
    assert move(client, place).status_code == 403
    assert as_stored(place) == before
    page = client.get(change_url(place))  # read like a shared record the clerk may not change
    assert page.status_code == 200
    assert b'name="latitude"' not in page.content


def test_a_clerk_pins_an_unresolved_place_of_their_own_base_with_a_history_entry(places, osaka_clerk):
    place = places["east_china"]
    response = move(logged_in(osaka_clerk), place, "31.2", "121.5")
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.latitude, place.longitude, place.source) == (31.2, 121.5, Place.Source.MANUAL)
    entry = place.history.first()
    assert (entry.history_user, entry.history_change_reason) == (osaka_clerk, "地図の位置を直す")


def test_a_clerk_corrects_a_place_only_their_own_bases_name(places, osaka_clerk):
    place = places["hanoi"]
    assert move(logged_in(osaka_clerk), place, "21.03", "105.85").status_code == 302
    place.refresh_from_db()
    assert (place.latitude, place.source) == (21.03, Place.Source.MANUAL)


def test_a_tie_of_another_organization_names_its_city_partner_place(places, osaka_clerk):
    partner = Partner.objects.create(name_ja="ハノイ", country="VN", kind=Partner.Kind.CITY)
    Agreement.objects.create(organization=Organization.objects.get(code=SAPPORO), partner=partner,
                             agreement_type=AgreementType.FRIENDSHIP)
    assert move(logged_in(osaka_clerk), places["hanoi"]).status_code == 403


def test_a_coordinator_moves_any_place(places):
    place = places["beijing"]
    assert move(logged_in(make_user(Role.COORDINATOR, username="place_coordinator")), place, "39.91").status_code == 302
    place.refresh_from_db()
    assert place.latitude == 39.91


def test_the_rule_is_the_place_querysets_for_every_path(places, osaka_clerk):
    changeable = set(Place.objects.restrict(osaka_clerk, "change").values_list("name", flat=True))
    assert changeable == {"ハノイ", "華東地区"}
    assert Place.objects.restrict(osaka_clerk, "view").count() == len(places)
