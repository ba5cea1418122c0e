"""「ウォッチする」/「ウォッチをやめる」 on the change pages of bases, ties, contractors and organizations: the button
is there, posting it watches (and comes back to the page), and another organization's record stays a 404."""
import re

import pytest
from django.urls import reverse

from registry.models import Agreement, AgreementType, Partner, Watch
from registry.core.permissions import Role
from tests.support.factories import make_base, make_contractor
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organization):
    osaka, sapporo = organization("大阪府"), organization("札幌市")
    return {
        "osaka": osaka, "sapporo": sapporo,
        "base": make_base(osaka, number=1, name="大阪拠点"),
        "sapporo_base": make_base(sapporo, number=1, name="札幌拠点"),
        "agreement": Agreement.objects.create(
            organization=osaka, partner=Partner.objects.create(name_ja="上海市", country="CN"),
            agreement_type=AgreementType.SISTER_CITY, signed_on="1980-11-01"),
        "contractor": make_contractor("株式会社ウォッチ"),
        "clerk": make_user(Role.CLERK, osaka, username="osaka_clerk"),
    }


def change_url(record):
    return reverse(f"admin:registry_{record._meta.model_name}_change", args=[record.pk])


def watch_button(html):
    """The watch form's target, id, next and button action on a page (None when there is none)."""
    form = re.search(r'<form method="post" action="/notifications/watch/" class="watch-form">(.*?)</form>', html, re.S)
    if form is None:
        return None
    fields = dict(re.findall(r'name="(target|id|next)" value="([^"]*)"', form.group(1)))
    action = re.search(r'name="action" value="(\w+)"[^>]*>([^<]+)</button>', form.group(1))
    return {**fields, "action": action.group(1), "label": action.group(2)}


@pytest.mark.parametrize("name, target", [("base", "base"), ("agreement", "agreement"),
                                          ("contractor", "contractor")])
def test_a_clerk_watches_a_record_from_its_change_page_and_stops(client, world, name, target):
    record = world[name]
    client.force_login(world["clerk"])
    page = client.get(change_url(record))
    assert page.status_code == 200
    button = watch_button(page.content.decode())
    assert button == {"target": target, "id": str(record.pk), "next": change_url(record),
                      "action": "watch", "label": "ウォッチする"}
    if name != "contractor":  # a shared contractor has no organization; the others are heard of through 大阪府
        assert "団体のウォッチで通知されます" in page.content.decode()

    response = client.post(reverse("registry:watch"), {**button, "action": "watch"})
    assert response.status_code == 302 and response["Location"] == change_url(record)
    assert Watch.objects.filter(user=world["clerk"], muted=False, **{target: record}).count() == 1
    page = client.get(change_url(record)).content.decode()
    assert watch_button(page)["action"] == "unwatch" and watch_button(page)["label"] == "ウォッチをやめる"
    assert "ウォッチを保存しました。" in page

    client.post(reverse("registry:watch"), {**button, "action": "unwatch"})
    assert not Watch.objects.filter(user=world["clerk"], **{target: record}).exists()
    assert watch_button(client.get(change_url(record)).content.decode())["action"] == "watch"


def test_a_clerk_opts_out_of_their_organization_from_its_page(client, world):
    client.force_login(world["clerk"])
    url = change_url(world["osaka"])
    button = watch_button(client.get(url).content.decode())
    assert button["action"] == "unwatch" and button["label"] == "ウォッチをやめる"  # watched by default
    client.post(reverse("registry:watch"), button)
    assert Watch.objects.get(user=world["clerk"], organization=world["osaka"]).muted
    assert watch_button(client.get(url).content.decode())["action"] == "watch"


def test_another_organizations_record_has_no_page_and_cannot_be_watched(client, world):
    client.force_login(world["clerk"])
    sapporo_base = world["sapporo_base"]
    assert client.get(change_url(sapporo_base)).status_code == 404
    assert client.get(change_url(world["sapporo"])).status_code == 404
    for target, record in (("base", sapporo_base), ("organization", world["sapporo"])):
        response = client.post(reverse("registry:watch"), {"target": target, "id": record.pk, "action": "watch",
                                                            "next": change_url(record)})
        assert response.status_code == 404
    assert not Watch.objects.filter(user=world["clerk"]).exists()


@pytest.mark.parametrize("value", ["²", "١", "1" * 30, "", "-1"])
def test_a_record_number_that_is_no_plain_number_is_a_bad_request(client, world, value):
    client.force_login(world["clerk"])
    response = client.post(reverse("registry:watch"), {"target": "base", "id": value, "action": "watch"})
    assert response.status_code == 400 and not Watch.objects.filter(user=world["clerk"]).exists()


def test_a_coordinator_sees_the_button_on_any_organizations_base(client, world):
    client.force_login(make_user(Role.COORDINATOR, username="coordinator"))
    button = watch_button(client.get(change_url(world["sapporo_base"])).content.decode())
    assert button["action"] == "watch" and button["target"] == "base"
    assert "団体のウォッチで通知されます" not in client.get(change_url(world["sapporo_base"])).content.decode()


def test_the_add_page_has_no_watch_button(client, world):
    client.force_login(world["clerk"])
    page = client.get(reverse("admin:registry_base_add"))
    assert page.status_code == 200 and watch_button(page.content.decode()) is None
