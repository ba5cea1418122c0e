"""A clerk sees and changes only their own organization's records, through every door of the admin."""
import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from import_export.admin import ExportMixin

from registry.models import Agreement, AgreementType, Base, BaseRoundRecord, Partner, SurveyRound
from registry.core.permissions import Role
from registry.accounts.roles import grant_role
from tests.support.factories import make_base, make_contractor
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def osaka(organization):
    return organization("大阪府")


@pytest.fixture
def sapporo(organization):
    return organization("札幌市")


@pytest.fixture
def osaka_base(osaka):
    return make_base(osaka, number=1, name="大阪上海事務所")


@pytest.fixture
def sapporo_base(sapporo):
    return make_base(sapporo, number=1, name="札幌瀋陽事務所")


def logged_in(client, user):
    client.force_login(user)
    return client


def history_version_url(obj):
    version = obj.history.order_by("-history_id").first().history_id
    name = f"admin:registry_{obj._meta.model_name}_simple_history"
    return reverse(name, args=[obj.pk, version])


# --- opening records ------------------------------------------------------------------------------

@pytest.mark.parametrize("view", ["change", "history", "version"])
def test_clerk_cannot_open_another_organizations_record(client, osaka_base, view):
    urls = {
        "change": reverse("admin:registry_base_change", args=[osaka_base.pk]),
        "history": reverse("admin:registry_base_history", args=[osaka_base.pk]),
        "version": history_version_url(osaka_base),
    }
    logged_in(client, make_user(Role.CLERK, "札幌市"))
    response = client.get(urls[view])
    assert response.status_code == 404
    assert "大阪上海事務所" not in response.content.decode()


def test_clerk_opens_their_own_record(client, osaka_base):
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    response = client.get(reverse("admin:registry_base_change", args=[osaka_base.pk]))
    assert response.status_code == 200
    assert "大阪上海事務所" in response.content.decode()


def test_missing_and_out_of_scope_records_look_the_same(client, osaka_base):
    logged_in(client, make_user(Role.CLERK, "札幌市"))
    missing = client.get(reverse("admin:registry_base_change", args=[osaka_base.pk + 1000]))
    out_of_scope = client.get(reverse("admin:registry_base_change", args=[osaka_base.pk]))
    assert missing.status_code == out_of_scope.status_code == 404


def test_history_of_a_deleted_record_stays_with_its_organization(client, osaka_base):
    survey_round = SurveyRound.objects.create(reference_date=datetime.date(2017, 9, 1))
    record = BaseRoundRecord.objects.create(survey_round=survey_round, base=osaka_base, form="a")
    record_id = record.pk
    record.delete()
    url = reverse("admin:registry_baseroundrecord_history", args=[record_id])

    logged_in(client, make_user(Role.CLERK, "札幌市"))
    assert client.get(url).status_code == 404
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    assert client.get(url).status_code == 200


def test_history_of_a_deleted_base_is_hidden_from_other_organizations(client, osaka_base):
    base_id = osaka_base.pk
    osaka_base.delete()
    history_url = reverse("admin:registry_base_history", args=[base_id])
    version = Base.history.filter(id=base_id).order_by("-history_id").first().history_id
    version_url = reverse("admin:registry_base_simple_history", args=[base_id, version])

    logged_in(client, make_user(Role.CLERK, "札幌市"))
    assert client.get(history_url).status_code == 404
    assert client.get(version_url).status_code == 404
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    assert client.get(history_url).status_code == 200
    assert client.get(version_url).status_code == 200


def test_changelist_and_its_filters_show_only_the_clerks_organizations(client, osaka_base, sapporo_base):
    logged_in(client, make_user(Role.CLERK, "札幌市"))
    bases = client.get(reverse("admin:registry_base_changelist")).content.decode()
    assert "札幌瀋陽事務所" in bases
    assert "大阪上海事務所" not in bases
    # The prefecture filter of the organization list offers only prefectures of visible organizations.
    organizations = client.get(reverse("admin:registry_organization_changelist")).content.decode()
    assert "札幌市" in organizations
    assert "大阪府" not in organizations


# --- exports ----------------------------------------------------------------------------------------

from registry.sheets.survey.layout import LABELS  # noqa: E402


def exported_names(user):
    """The rows the admin's export of bases writes for this user (through django-import-export)."""
    model_admin = admin.site._registry[Base]
    if not isinstance(model_admin, ExportMixin):
        model_admin = type("ExportingBaseAdmin", (ExportMixin, type(model_admin)), {})(Base, admin.site)
    request = RequestFactory().get("/admin/registry/base/export/")
    request.user = user
    queryset = model_admin.get_export_queryset(request)
    dataset = model_admin.get_data_for_export(request, queryset)
    return set(dataset[LABELS["name"]])


def test_clerk_exports_only_their_organizations_rows(osaka_base, sapporo_base):
    assert exported_names(make_user(Role.CLERK, "大阪府")) == {"大阪上海事務所"}
    assert exported_names(make_user(Role.COORDINATOR)) == {"大阪上海事務所", "札幌瀋陽事務所"}


# --- choices in forms ---------------------------------------------------------------------------------

def base_form_data(organization, **changes):
    data = {
        "organization": organization.pk, "number": 7, "name": "新拠点", "countries": ["CN"], "cities": "上海",
        "status": "active", "form": "a", "form_detail": "", "established_fy": "", "department": "",
        "staff_dispatched": 0, "staff_local": 0, "reason": "", "activities": "", "url": "", "remarks": "",
        "closed_on": "", "closing_reason": "", "change_reason": "",
        "round_records-TOTAL_FORMS": 0, "round_records-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_clerk_cannot_pick_another_organization_in_a_form(client, osaka, sapporo):
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    response = client.post(reverse("admin:registry_base_add"), base_form_data(sapporo))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organization"]
    assert not Base.objects.filter(name="新拠点").exists()

    response = client.post(reverse("admin:registry_base_add"), base_form_data(osaka))
    assert response.status_code == 302
    assert Base.objects.get(name="新拠点").organization == osaka


def test_clerk_cannot_link_an_agreement_to_another_organizations_base(client, osaka, osaka_base, sapporo_base):
    partner = Partner.objects.create(name_ja="上海市", country="CN")
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    data = {
        "organization": osaka.pk, "partner": partner.pk, "agreement_type": AgreementType.FRIENDSHIP,
        "signed_on": "", "signed_precision": "unknown", "ends_on": "", "ends_precision": "unknown",
        "fields": "", "intermediaries": "", "source_title": "", "source_url": "", "source_language": "",
        "notes": "", "bases": [sapporo_base.pk], "change_reason": "",
        "renewals-TOTAL_FORMS": 0, "renewals-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("admin:registry_agreement_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["bases"]
    assert not Agreement.objects.exists()


def autocomplete(client, model_name, field_name, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return {result["text"] for result in response.json()["results"]}


def test_autocomplete_offers_only_the_clerks_organizations_and_bases(client, osaka_base, sapporo_base):
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    assert autocomplete(client, "base", "organization", "大阪") == {"大阪府"}
    assert autocomplete(client, "base", "organization", "札幌") == set()
    bases = autocomplete(client, "agreement", "bases", "事務所")
    assert bases == {str(osaka_base)}


def test_autocomplete_offers_what_the_form_accepts_not_all_a_user_may_view(client, osaka_base, sapporo_base):
    # A supervisor views every base; as a clerk of 大阪府 they may attach only 大阪府's.
    user = make_user(Role.SUPERVISOR, username="supervising_clerk")
    grant_role(user, Role.CLERK, [osaka_base.organization])
    logged_in(client, user)
    assert autocomplete(client, "agreement", "bases", "事務所") == {str(osaka_base)}
    assert autocomplete(client, "base", "organization", "札幌") == set()


# --- saving may not move a record out of scope -----------------------------------------------------------

def test_clerk_cannot_move_a_record_to_another_organization(client, osaka_base, sapporo):
    logged_in(client, make_user(Role.CLERK, "大阪府"))
    url = reverse("admin:registry_base_change", args=[osaka_base.pk])
    response = client.post(url, base_form_data(sapporo, number=1, name=osaka_base.name))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organization"]
    osaka_base.refresh_from_db()
    assert osaka_base.organization.name == "大阪府"


def test_a_save_that_leaves_the_users_scope_is_rolled_back(osaka_base, sapporo):
    """Defence behind the form: whatever path changed the owner, the save is refused and undone."""
    request = RequestFactory().post("/")
    request.user = make_user(Role.CLERK, "大阪府")
    model_admin = admin.site._registry[Base]
    osaka_base.organization = sapporo
    with pytest.raises(PermissionDenied):
        with transaction.atomic():
            model_admin.save_model(request, osaka_base, form=None, change=True)
    osaka_base.refresh_from_db()
    assert osaka_base.organization.name == "大阪府"
    assert not Base.history.filter(id=osaka_base.pk, organization=sapporo).exists()


def test_supervisor_cannot_save_arbitrary_data_through_the_history_version_page(client, osaka_base, sapporo):
    """simple-history's version page saved a POSTed form; ours only reverts, after a typed reason."""
    logged_in(client, make_user(Role.SUPERVISOR))
    response = client.post(history_version_url(osaka_base), base_form_data(sapporo, number=1, name="書き換え"))
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    osaka_base.refresh_from_db()
    assert (osaka_base.name, osaka_base.organization.name) == ("大阪上海事務所", "大阪府")


def test_other_clerk_cannot_post_to_the_history_version_form(client, osaka_base, sapporo):
    logged_in(client, make_user(Role.CLERK, "札幌市"))
    response = client.post(history_version_url(osaka_base), base_form_data(sapporo, number=1, name="書き換え"))
    assert response.status_code == 404
    osaka_base.refresh_from_db()
    assert osaka_base.name == "大阪上海事務所"


# --- bulk actions over all pages --------------------------------------------------------------------------

def with_permission(user, codename):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="registry", codename=codename))
    return user


def delete_all_matching(client, any_visible_pk):
    """The changelist's "select all N matching" + delete_selected, confirmed."""
    return client.post(
        reverse("admin:registry_base_changelist"),
        {"action": "delete_selected", "select_across": "1", "index": "0", "_selected_action": [any_visible_pk],
         "post": "yes"},
    )


def test_bulk_action_over_all_pages_touches_only_the_clerks_records(client, osaka, sapporo):
    for number in range(1, 4):
        make_base(osaka, number=number)
        make_base(sapporo, number=number)
    clerk = with_permission(make_user(Role.CLERK, "大阪府"), "delete_base")
    logged_in(client, clerk)
    response = delete_all_matching(client, Base.objects.filter(organization=osaka).first().pk)
    assert response.status_code == 302
    assert not Base.objects.filter(organization=osaka).exists()
    assert Base.objects.filter(organization=sapporo).count() == 3


def test_bulk_action_acts_on_rows_the_user_may_change_not_all_they_may_view(client, osaka, sapporo):
    for number in range(1, 4):
        make_base(osaka, number=number)
        make_base(sapporo, number=number)
    user = make_user(Role.SUPERVISOR, username="supervising_clerk")
    grant_role(user, Role.CLERK, [osaka])
    logged_in(client, with_permission(user, "delete_base"))
    # The supervisor's changelist shows every organization's bases...
    any_sapporo_pk = Base.objects.filter(organization=sapporo).first().pk
    response = delete_all_matching(client, any_sapporo_pk)
    assert response.status_code == 302
    # ...but the action receives only the ones they may delete.
    assert not Base.objects.filter(organization=osaka).exists()
    assert Base.objects.filter(organization=sapporo).count() == 3


def test_selected_rows_of_another_organization_are_ignored(client, osaka, sapporo):
    sapporo_base = make_base(sapporo, number=1)
    clerk = with_permission(make_user(Role.CLERK, "大阪府"), "delete_base")
    logged_in(client, clerk)
    client.post(
        reverse("admin:registry_base_changelist"),
        {"action": "delete_selected", "index": "0", "_selected_action": [sapporo_base.pk], "post": "yes"},
    )
    assert Base.objects.filter(pk=sapporo_base.pk).exists()


def test_contractor_admin_counts_only_visible_bases():
    kyoto_contractor = make_contractor("京都の委託先")
    make_base("京都府", 1, contractor=kyoto_contractor, form="c")
    make_base("京都府", 2, contractor=kyoto_contractor, form="c")
    c = client_for(make_user(Role.CLERK, "大阪府"))
    rows = c.get(reverse("admin:registry_contractor_changelist")).context["cl"].result_list
    assert [(o.name, o.contracted_count + o.hosted_count) for o in rows] == [("京都の委託先", 0)]
