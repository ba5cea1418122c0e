"""The admin's import button: upload, preview grouped by kind of change, confirm; export honours filters."""
import datetime
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import Base, ImportRecord, Organization, OrganizationAlias
from registry.sheets.survey.importing import import_survey_file
from tests.support.roles import client_for, make_user
from tests.support.sheets import as_text, base_row

pytestmark = pytest.mark.django_db


def upload(client, content, survey_date="2019-09-30", name="sheet.tsv"):
    return client.post(reverse("admin:registry_base_import"), {
        "format": 0,
        "resource": 0,
        "survey_date": survey_date,
        "import_file": SimpleUploadedFile(name, content),
    })


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:registry_base_process_import"), data)


def test_preview_writes_nothing_and_confirm_applies_with_the_user(admin_client, superuser):
    preview = upload(admin_client, as_text([base_row(), base_row(number="4")]))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "tsv, utf-8, tab" in page and "大阪府 #3 上海事務所" in page
    assert Base.objects.count() == 0 and ImportRecord.objects.count() == 0
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert Base.objects.count() == 2
    record = ImportRecord.objects.get()
    assert record.user == superuser and record.survey_round.reference_date == datetime.date(2019, 9, 30)
    assert record.file_name == "sheet.tsv"
    entry = Base.history.first()
    assert entry.history_user == superuser and entry.import_record == record


def test_preview_lists_updates_with_changed_fields_only_and_errors_block_confirm(admin_client):
    confirm(admin_client, upload(admin_client, as_text([base_row()])))
    preview = upload(admin_client, as_text([base_row(dept="国際交流課")]), survey_date="2020-09-30")
    page = preview.content.decode()
    assert "<del>国際課</del>" in page and "<ins>国際交流課</ins>" in page
    assert "上海事務所" in page and "<del>上海事務所" not in page
    bad = upload(admin_client, as_text([base_row(total="9")]))
    assert bad.context.get("confirm_form") is None
    assert "6行目、「⑧職員数」列：" in bad.content.decode()


def test_admin_export_is_the_survey_sheet_of_the_filtered_bases(admin_client, organization):
    confirm(admin_client, upload(admin_client, as_text([base_row(), base_row(number="4", form="c 業務委託")])))
    response = admin_client.post(reverse("admin:registry_base_export") + "?form__exact=c", {
        "format": 0, "resource": 0,
        **{f"surveybaseresource_{name}": "on" for name in ("org_no", "number", "organization")},
    })
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    data = [row for row in rows[4:] if row[2]]
    assert [(row[2], row[1]) for row in data] == [("大阪府", 4)]


def test_survey_admin_confirm_with_errors_is_not_reported_as_success():
    c = client_for(make_user("superuser"))
    preview = c.post(reverse("admin:registry_base_import"), {
        "format": 0, "resource": 0, "survey_date": "2019-09-30",
        "import_file": SimpleUploadedFile("x.tsv", as_text([base_row()]))})
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    OrganizationAlias.objects.create(organization=Organization.objects.get(name="京都府"), name="大阪府")
    response = c.post(reverse("admin:registry_base_process_import"), data, follow=True)
    messages = [str(m) for m in get_messages(response.wsgi_request)] or [str(m) for m in response.context["messages"]]
    assert Base.objects.count() == 0
    assert not any("finished" in m for m in messages), messages


def test_admin_shows_the_layout_message():
    c = client_for(make_user("superuser"))
    response = c.post(reverse("admin:registry_base_import"), {
        "format": 0, "resource": 0, "survey_date": "2019-09-30",
        "import_file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")})
    page = response.content.decode()
    assert "拠点No" in page, "admin shows only: 'SheetLayoutError' encountered while trying to read file"


def test_admin_warns_when_title_date_differs():
    content = as_text([base_row()])  # title: 令和元年9月末 = 2019-09-30
    assert import_survey_file(content, "x.tsv", datetime.date(2020, 9, 30), dry_run=True).warnings
    c = client_for(make_user("superuser"))
    response = c.post(reverse("admin:registry_base_import"), {
        "format": 0, "resource": 0, "survey_date": "2020-09-30", "import_file": SimpleUploadedFile("x.tsv", content)})
    assert "2019-09-30" in response.content.decode()
