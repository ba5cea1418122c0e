"""Admin forms: a save with no change says so and records nothing; web addresses and years are checked in Japanese."""
import pytest
from django.urls import reverse

from registry.models import Base
from tests.support.factories import make_base

pytestmark = pytest.mark.django_db


def form_data(response):
    """What the browser would send back for the change page as rendered (every field as shown)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(getattr(item, "code", item)) for item in value]
        else:
            data[name] = form.fields[name].prepare_value(value) if hasattr(form.fields[name], "prepare_value") else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[inline_form.add_prefix(name)] = value
    return data


@pytest.fixture
def base(organization):
    return make_base(organization("大阪府"), name="上海事務所", countries=["CN", "HK"], established_fy=2002,
                     url="see remarks")


def change(client, base, **fields):
    url = reverse("admin:registry_base_change", args=[base.pk])
    data = {**form_data(client.get(url)), **fields}
    return client.post(url, data, follow=True)


def test_saving_with_no_change_says_so_and_records_nothing(admin_client, base):
    entries = base.history.count()
    response = change(admin_client, base)
    page = response.content.decode()
    assert "変更はありません" in page and "変更しました" not in page
    assert base.history.count() == entries


def test_a_change_is_saved_and_said(admin_client, base):
    response = change(admin_client, base, staff_local="7", change_reason="人員増")
    assert "変更しました" in response.content.decode() or "変更されました" in response.content.decode()
    assert Base.objects.get(pk=base.pk).staff_local == 7
    assert base.history.first().history_change_reason == "人員増"


def test_a_typed_web_address_is_checked_in_japanese(admin_client, base):
    response = change(admin_client, base, url="not a url")
    assert "URL は http:// または https:// で始まる形で入力してください" in response.content.decode()
    assert Base.objects.get(pk=base.pk).url == "see remarks"
    change(admin_client, base, url="www.pref.osaka.lg.jp/kokusai/")
    assert Base.objects.get(pk=base.pk).url == "https://www.pref.osaka.lg.jp/kokusai/"


def test_an_old_free_text_address_left_alone_does_not_block_other_changes(admin_client, base):
    change(admin_client, base, staff_local="5")
    base.refresh_from_db()
    assert base.staff_local == 5 and base.url == "see remarks"


def test_a_wrong_fiscal_year_is_explained_in_japanese_only(admin_client, base):
    page = change(admin_client, base, established_fy="平成99年度").content.decode()
    assert "年度「平成99年度」を解釈できません" in page
    assert "invalid fiscal year" not in page
