"""The agreement admin: import with preview and confirm, export, filters, the renewal timeline, linked bases, scope."""
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import Agreement, ImportRecord, Partner
from registry.parsing.dates import Precision
from registry.core.permissions import Role
from registry.sheets.agreements.plan import import_agreement_file
from registry.sheets.agreements.resource import AgreementResource
from tests.support.agreement_sheets import LAYOUT, as_text, tie_row
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]
CHANGELIST = "admin:registry_agreement_changelist"


def upload(client, content, name="ties.tsv"):
    return client.post(reverse("admin:registry_agreement_import"), {
        "format": 0, "resource": 0, "import_file": SimpleUploadedFile(name, content)})


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:registry_agreement_process_import"), data)


def load(rows):
    outcome = import_agreement_file(as_text(rows), "ties.tsv")
    assert not outcome.errors, outcome.report_lines()


def change_form_data(response, **changes):
    """What the browser would post back from a change page, with some fields changed."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, (list, tuple)):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif value is not None:
            data[name] = getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for subform in formset.forms:
            for name in subform.fields:
                value = subform.initial.get(name)
                if value is None and name == subform._meta.model._meta.pk.name:
                    value = subform.instance.pk  # an existing row posts its id back
                if value is not None:
                    data[f"{subform.prefix}-{name}"] = getattr(value, "pk", value)
    data.update(changes)
    return data


# -- import and export through the admin --------------------------------------------------

def test_preview_groups_the_rows_and_confirm_applies_them_with_the_user(admin_client, superuser):
    load([tie_row()])
    sheet = as_text([tie_row(**{"相手先(英語)": "Shanghai"}), tie_row(partner="ドバイ", country="UAE"),
                     tie_row(org="大阪市", kind="姉妹都市", signed="S49.4.18")])
    before = (Agreement.objects.count(), Partner.history.count(), ImportRecord.objects.count())
    preview = upload(admin_client, sheet)
    page = preview.content.decode()
    assert preview.status_code == 200 and "tsv, utf-8, tab" in page
    assert "大阪府 – ドバイ (友好提携)" in page and "大阪市 – 上海市 / Shanghai (姉妹都市)" in page
    assert "<del></del></td><td><ins>Shanghai</ins>" in page
    assert (Agreement.objects.count(), Partner.history.count(), ImportRecord.objects.count()) == before

    response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert Agreement.objects.count() == 3 and Partner.objects.get(name_ja="上海市").name_en == "Shanghai"
    record = ImportRecord.objects.latest("created_at")
    assert (record.kind, record.user, record.file_name) == (ImportRecord.Kind.AGREEMENTS, superuser, "ties.tsv")
    changes = list(Agreement.history.filter(import_record=record)) + list(Partner.history.filter(import_record=record))
    assert len(changes) == 4  # two new ties, the new partner ドバイ, Shanghai's English name
    assert all(row.history_user == superuser for row in changes)


def test_an_unchanged_sheet_previews_as_unchanged(admin_client):
    load([tie_row()])
    preview = upload(admin_client, as_text([tie_row()]))
    assert preview.context["result"].outcome.counts == {"new": 0, "updated": 0, "unchanged": 1, "errors": 0}
    page = preview.content.decode()
    assert "agreement-new" not in page and "agreement-updated" not in page and "1: 大阪府 – 上海市" not in page
    assert "4: 大阪府 – 上海市 (友好提携)" in page


def test_errors_block_the_confirm_button_and_name_row_and_column(admin_client):
    preview = upload(admin_client, as_text([tie_row(), tie_row(signed="S55.13.21", partner="ドバイ", country="UAE")]))
    assert preview.context.get("confirm_form") is None
    assert "row 5, column 提携日" in preview.content.decode()
    assert Agreement.objects.count() == 0


def test_a_sheet_that_went_wrong_since_its_preview_imports_nothing(admin_client):
    load([tie_row()])
    preview = upload(admin_client, as_text([tie_row(org="大阪市", kind="姉妹都市", **{"相手先(英語)": "Shanghai"})]))
    assert preview.context["confirm_form"] is not None
    Partner.objects.create(name_ja="シャンハイ", name_en="Shanghai", country="CN")  # now two partners match
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(message.startswith("row 4, column 相手先: the names match several partners") for message in shown)
    assert Agreement.objects.count() == 1 and ImportRecord.objects.filter(kind="agreements").count() == 1


def test_admin_export_is_the_layout_of_the_filtered_ties_and_reimports_unchanged(admin_client):
    load([tie_row(**{"更新": "2005-10-29~2008-10-28"}),
          tie_row(org="大阪市", kind="姉妹都市", signed="S49.4.18")])
    fields = {f"agreementresource_{name}": "on" for name in AgreementResource.Meta.fields}
    response = admin_client.post(reverse("admin:registry_agreement_export") + "?agreement_type__exact=sister_city",
                                 {"format": 0, "resource": 0, **fields})
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[2]) == LAYOUT
    assert [(row[1], row[2], row[8]) for row in rows[3:]] == [("大阪市", "上海市", "姉妹都市")]
    outcome = import_agreement_file(response.content, "export.xlsx")
    assert outcome.counts == {"new": 0, "updated": 0, "unchanged": 1, "errors": 0}


# -- filters ------------------------------------------------------------------------------

@pytest.fixture
def ties():
    load([
        tie_row(signed="1980-11-21"),
        tie_row(partner="クイーンズランド州", country="オーストラリア", signed="S63.5.4"),
        tie_row(partner="ドバイ", country="UAE", signed="2002-10-29", **{"更新": "2005-10-29~2008-10-28"}),
        tie_row(partner="江蘇省", country="中国", signed=""),
        tie_row(partner="カリフォルニア州", country="アメリカ", signed="1994-11-15", **{"終了日": "2000-01-01"}),
        tie_row(partner="ホーチミン市", country="ベトナム", kind="MOU", signed="2007-10-25",
                **{"終了日": "2010-01-01", "更新": "2010-01-01~2099-12-31"}),
    ])


def listed(client, query):
    response = client.get(reverse(CHANGELIST) + query)
    assert response.status_code == 200
    return sorted(agreement.partner.name_ja for agreement in response.context["cl"].result_list)


def test_filter_by_decade_signed(admin_client, ties):
    assert listed(admin_client, "?decade=1980") == ["クイーンズランド州", "上海市"]
    assert listed(admin_client, "?decade=2000") == ["ドバイ", "ホーチミン市"]
    assert listed(admin_client, "?decade=unknown") == ["江蘇省"]
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "?decade=1990" in page and "?decade=1970" not in page


def test_filter_by_being_in_force_counts_renewals(admin_client, ties):
    # Dubai's last renewal ran to 2008; California ended in 2000; HCMC ended in 2010 but was renewed to 2099.
    assert listed(admin_client, "?in_force=ended") == ["カリフォルニア州", "ドバイ"]
    assert listed(admin_client, "?in_force=active") == ["クイーンズランド州", "ホーチミン市", "上海市", "江蘇省"]


def test_filter_by_country_and_type(admin_client, ties):
    assert listed(admin_client, "?country=CN") == ["上海市", "江蘇省"]
    assert listed(admin_client, "?agreement_type__exact=mou") == ["ホーチミン市"]
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "?country=AE" in page and "?country=FR" not in page


# -- the change page ----------------------------------------------------------------------

def test_change_page_shows_signing_renewals_and_end_as_a_timeline(admin_client):
    load([tie_row(partner="ドバイ", country="UAE", signed="H14.10.29",
                  **{"更新": "2008-10-29~2011-10-28; 2005-10-29~2008-10-28"})])
    agreement = Agreement.objects.get()
    page = admin_client.get(reverse("admin:registry_agreement_change", args=[agreement.pk])).content.decode()
    timeline = page[page.index('<ol class="agreement-timeline">'):]
    timeline = timeline[:timeline.index("</ol>")]
    positions = [timeline.index(text) for text in ("2002年10月29日", "2005年10月29日", "2008年10月28日",
                                                   "2008年10月29日", "2011年10月28日</li>")]
    assert positions == sorted(positions)
    assert timeline.count("<li>") == 4


def test_timeline_of_an_open_ended_tie_with_an_unknown_date():
    from registry.admin.agreements import timeline_steps

    load([tie_row(signed="")])
    steps = timeline_steps(Agreement.objects.get())
    assert len(steps) == 2 and steps[0][1] and steps[1][1]


def test_an_agreement_links_the_bases_of_its_organization(admin_client, organization):
    load([tie_row()])
    agreement = Agreement.objects.get()
    shanghai_office = make_base(organization("大阪府"), number=3, name="上海事務所")
    city_office = make_base(organization("大阪市"), number=1, name="大阪政府上海事務所")
    url = reverse("admin:registry_agreement_change", args=[agreement.pk])

    response = admin_client.post(url, change_form_data(admin_client.get(url), bases=[city_office.pk]))
    assert response.status_code == 200 and "belong to another organization" in response.content.decode()
    assert not agreement.bases.exists()

    response = admin_client.post(url, change_form_data(admin_client.get(url), bases=[shanghai_office.pk],
                                                       change_reason="上海事務所が窓口"))
    assert response.status_code == 302
    assert list(agreement.bases.all()) == [shanghai_office]
    assert list(shanghai_office.agreements.all()) == [agreement]
    assert Agreement.history.first().history_change_reason == "上海事務所が窓口"


def test_the_admin_refuses_a_second_tie_of_the_same_type_with_the_same_partner(admin_client):
    load([tie_row()])
    agreement = Agreement.objects.get()
    url = reverse("admin:registry_agreement_add")
    data = {"organization": agreement.organization_id, "partner": agreement.partner_id,
            "agreement_type": "friendship", "signed_precision": Precision.UNKNOWN,
            "ends_precision": Precision.UNKNOWN, "renewals-TOTAL_FORMS": 0, "renewals-INITIAL_FORMS": 0}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and Agreement.objects.count() == 1
    assert "already has a tie of this type" in response.content.decode()


def test_partner_page_lists_its_ties(admin_client):
    load([tie_row(), tie_row(org="大阪市", kind="姉妹都市")])
    partner = Partner.objects.get()
    page = admin_client.get(reverse("admin:registry_partner_change", args=[partner.pk])).content.decode()
    assert "大阪府" in page and "大阪市" in page


# -- scope --------------------------------------------------------------------------------

def test_a_clerk_sees_and_exports_only_their_organizations_ties(client):
    load([tie_row(), tie_row(org="大阪市", kind="姉妹都市")])
    client.force_login(make_user(Role.CLERK, "大阪府"))
    assert listed(client, "") == ["上海市"]
    other = Agreement.objects.get(organization__name="大阪市")
    assert client.get(reverse("admin:registry_agreement_change", args=[other.pk])).status_code in (302, 404)
    response = client.post(reverse("admin:registry_agreement_export"), {
        "format": 0, "resource": 0, **{f"agreementresource_{name}": "on" for name in AgreementResource.Meta.fields}})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[3:]] == ["大阪府"]


def test_a_coordinator_imports_through_the_admin_and_a_supervisor_cannot(client):
    client.force_login(make_user(Role.SUPERVISOR))
    assert client.get(reverse("admin:registry_agreement_import")).status_code == 403
    coordinator = make_user(Role.COORDINATOR)
    client.force_login(coordinator)
    confirm(client, upload(client, as_text([tie_row(), tie_row(org="大阪市", kind="姉妹都市")])))
    assert Agreement.objects.count() == 2
    assert ImportRecord.objects.get().user == coordinator
