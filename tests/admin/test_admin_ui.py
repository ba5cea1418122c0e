"""Admin lists and forms fit for work in Japanese: the name is the link, countries by reading, scoped filters."""
import re

import pytest
from django.urls import reverse

from registry.core.permissions import Role
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db

# In English-alphabet order these would be China, Hong Kong, Korea, Taiwan, United States.
READING_ORDER = ["アメリカ合衆国", "韓国", "台湾", "中国", "香港"]


def positions(page, names, pattern):
    found = re.findall(pattern, page)
    return [found.index(name) for name in names]


def test_base_list_links_the_base_name(admin_client, organization):
    base = make_base(organization("大阪府"), name="上海事務所")
    page = admin_client.get(reverse("admin:registry_base_changelist")).content.decode()
    change_url = reverse("admin:registry_base_change", args=[base.pk])
    assert re.search(rf'<th class="field-name"><a href="{change_url}[^"]*">上海事務所</a></th>', page)
    assert f'<a href="{change_url}">大阪府</a>' not in page


def test_country_picker_searches_and_orders_by_reading(admin_client, organization):
    base = make_base(organization("大阪府"), name="上海事務所", countries=["CN", "KR"])
    page = admin_client.get(reverse("admin:registry_base_change", args=[base.pk])).content.decode()
    select = page.split('name="countries"', 1)[1].split("</select>", 1)[0]
    assert 'class="country-picker"' in page.split('name="countries"', 1)[0].rsplit("<select", 1)[1] + select
    order = positions(select, READING_ORDER, r'data-reading="[^"]*"[^>]*>([^<]+)</option>')
    assert order == sorted(order)
    assert re.search(r'value="KR"[^>]*data-reading="かんこく"[^>]*selected|value="KR"[^>]*selected[^>]*data-reading="かんこく"',
                     select)
    assert "registry/country_picker.js" in page and "select2" in page
    assert "Ctrl" not in page and "Command" not in page


def test_admin_country_filter_is_ordered_by_reading(admin_client, organization):
    osaka = organization("大阪府")
    for number, code in enumerate(["CN", "HK", "KR", "TW", "US"], start=1):
        make_base(osaka, number=number, countries=[code])
    page = admin_client.get(reverse("admin:registry_base_changelist")).content.decode()
    country_filter = page.split("国・地域 で絞り込む", 1)[1].split("</ul>", 1)[0]
    order = positions(country_filter, READING_ORDER, r'<a href="\?country=[A-Z]{2}">([^<]+)</a>')
    assert order == [0, 1, 2, 3, 4]


def test_admin_filters_offer_the_clerks_own_countries_and_years_and_follow_a_new_base(client, organization):
    """The admin's country and fiscal-year filters list what the user's bases hold (kept between views, so a
    new base must show at once), and filter by it."""
    osaka = organization("大阪府")
    make_base(osaka, number=1, countries=["CN"], established_fy=2002)
    make_base(osaka, number=2, countries=["KR"], established_fy=None)
    make_base(organization("札幌市"), number=1, countries=["US"], established_fy=1990)
    client.force_login(make_user(Role.CLERK, osaka))
    url = reverse("admin:registry_base_changelist")

    def filter_links(page, title):
        block = page.split(f"{title} で絞り込む", 1)[1].split("</ul>", 1)[0]
        return re.findall(r'<a href="\?([^"]*)">([^<]+)</a>', block)

    page = client.get(url).content.decode()
    assert [label for _query, label in filter_links(page, "国・地域")] == ["全て", "韓国", "中国"]
    assert filter_links(page, "設置年度")[1:] == [("established_fy=2002", "2002(平成14年度)"),
                                               ("established_fy=unknown", "不明")]
    make_base(osaka, number=3, countries=["TW"], established_fy=2019)
    page = client.get(url).content.decode()
    assert "台湾" in [label for _query, label in filter_links(page, "国・地域")]
    assert ("established_fy=2019", "2019(令和元年度)") in filter_links(page, "設置年度")
    listed = client.get(url + "?established_fy=2002").context["cl"].result_list
    assert [base.number for base in listed] == [1]
    assert [base.number for base in client.get(url + "?established_fy=unknown").context["cl"].result_list] == [2]
    assert client.get(url + "?established_fy=1990").context["cl"].result_count == 0  # 札幌市's year: not theirs
    assert client.get(url + "?established_fy=平成").status_code == 302  # the admin's "invalid filter" redirect


def options_of(page, name):
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return [label for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) if value]


def test_clerk_is_offered_only_their_prefecture_region_and_countries(client, organization):
    osaka = organization("大阪府")
    make_base(osaka, number=1, countries=["CN"])
    make_base(osaka, number=2, countries=["KR", "TW"])
    make_base(organization("札幌市"), number=1, countries=["US"])
    client.force_login(make_user(Role.CLERK, osaka))
    page = client.get(reverse("registry:base_list")).content.decode()
    assert options_of(page, "prefecture") == ["大阪府"]
    assert options_of(page, "region") == ["近畿"]
    assert options_of(page, "countries") == ["韓国", "台湾", "中国"]
    agreements = client.get(reverse("registry:agreement_list")).content.decode()
    assert options_of(agreements, "prefecture") == ["大阪府"]


def test_coordinator_is_offered_every_prefecture_and_region(client, organization):
    make_base(organization("大阪府"), number=1, countries=["CN"])
    client.force_login(make_user(Role.COORDINATOR))
    page = client.get(reverse("registry:base_list")).content.decode()
    assert len(options_of(page, "prefecture")) == 47
    assert len(options_of(page, "region")) == 8


def test_stored_country_readings_are_complete_and_current():
    """registry/core/country_readings.json (manage.py country_readings) reads every country as pykakasi does."""
    from django.utils import translation

    from registry.core.country_order import computed_readings, stored_readings

    with translation.override("ja"):
        assert stored_readings() == computed_readings()
    assert stored_readings()["CN"] == "ちゅうごく" and stored_readings()["HK"] == "ほんこん"
