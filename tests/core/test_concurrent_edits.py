"""Issue 16 item 7: two people edit the same record; the second save never silently undoes the first."""
import pytest
from django.test import Client
from django.urls import reverse

from registry.models import Agreement, AgreementType, Partner
from registry.core.permissions import Role
from tests.support.factories import make_base
from tests.support.roles import make_user
from tests.admin.test_agreements_admin import change_form_data

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_second_saver_sees_the_first_change_and_keeps_their_input(organization):
    base = make_base(organization("270008"), number=1)
    url = reverse("admin:registry_base_change", args=[base.pk])
    first = client_of(make_user(Role.CLERK, "270008", username="first_editor"))
    second = client_of(make_user(Role.CLERK, "270008", username="second_editor"))
    first_page, second_page = first.get(url), second.get(url)

    saved = first.post(url, change_form_data(first_page, remarks="第一の備考"))
    assert saved.status_code == 302
    refused = second.post(url, change_form_data(second_page, department="国際課"))

    assert refused.status_code == 200
    base.refresh_from_db()
    assert base.remarks == "第一の備考" and base.department == ""
    page = refused.content.decode()
    assert "あなたが開いた後に" in page and "first_editor" in page and "第一の備考" in page
    assert 'value="国際課"' in page  # their own input is still in the form
    # Saving again, now knowing the other change, goes through.
    # (the page's hidden version field now names the change they were shown)
    shown_version = refused.context["adminform"].form.data["seen_version"]
    assert f'name="seen_version" value="{shown_version}"' in page
    again = second.post(url, change_form_data(second_page, remarks="第一の備考", department="国際課",
                                              seen_version=shown_version))
    assert again.status_code == 302
    base.refresh_from_db()
    assert (base.remarks, base.department) == ("第一の備考", "国際課")


def test_a_renewal_row_edited_by_two_people_is_not_lost(organization):
    partner = Partner.objects.create(name_ja="上海市", country="CN")
    agreement = Agreement.objects.create(organization=organization("270008"), partner=partner,
                                         agreement_type=AgreementType.FRIENDSHIP)
    renewal = agreement.renewals.create(notes="最初")
    url = reverse("admin:registry_agreement_change", args=[agreement.pk])
    coordinator = client_of(make_user(Role.COORDINATOR, username="concurrent_coordinator"))
    first_page, second_page = coordinator.get(url), coordinator.get(url)
    prefix = first_page.context["inline_admin_formsets"][0].formset.forms[0].prefix
    first = coordinator.post(url, change_form_data(first_page, **{f"{prefix}-id": renewal.pk, f"{prefix}-notes": "一人目"}))
    assert first.status_code == 302
    refused = coordinator.post(url, change_form_data(second_page, **{f"{prefix}-id": renewal.pk, f"{prefix}-notes": "二人目"}))
    assert refused.status_code == 200
    renewal.refresh_from_db()
    assert renewal.notes == "一人目"


def test_control_characters_pasted_into_a_form_are_cleaned(organization):
    base = make_base(organization("270008"), number=1)
    url = reverse("admin:registry_base_change", args=[base.pk])
    client = client_of(make_user(Role.CLERK, "270008", username="pasting_clerk"))
    page = client.get(url)
    # A NUL byte is refused by Django's own form fields, with a message, before anything is saved.
    refused = client.post(url, change_form_data(page, remarks="一行目\x00"))
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["remarks"]
    response = client.post(url, change_form_data(page, remarks="一行目\x0b二行目\x1b", department="国際\x07課"))
    assert response.status_code == 302
    base.refresh_from_db()
    assert (base.remarks, base.department) == ("一行目\n二行目", "国際課")
