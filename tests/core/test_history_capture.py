"""Every write path leaves exactly the expected history entries, with user, reason and source."""
import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.core.history import Source, change_context
from registry.models import Base, BaseStatus, ImportRecord, Organization
from tests.support.factories import make_base

pytestmark = pytest.mark.django_db


def base_form_data(base=None, organization=None, **changes):
    data = {
        "organization": base.organization_id if base else organization.pk,
        "number": base.number if base else 1,
        "name": base.name if base else "上海事務所",
        "countries": list(base.countries) if base else ["CN"],
        "cities": base.cities if base else "上海",
        "status": base.status if base else "active",
        "form": base.form if base else "a",
        "form_detail": "",
        "contractor": "",
        "host_agency": "",
        "joint_office": "",
        "established_fy": str(base.established_fy or "") if base else "H14",
        "department": base.department if base else "",
        "staff_dispatched": base.staff_dispatched if base else 1,
        "staff_local": base.staff_local if base else 2,
        "reason": "",
        "activities": "",
        "url": "",
        "remarks": "",
        "closed_on": "",
        "closing_reason": "",
        "change_reason": "",
        "round_records-TOTAL_FORMS": 0,
        "round_records-INITIAL_FORMS": 0,
        "round_records-MIN_NUM_FORMS": 0,
        "round_records-MAX_NUM_FORMS": 1000,
    }
    if base is not None:
        data["countries"] = [c.code for c in base.countries]
    data.update(changes)
    return data


def test_admin_create_leaves_one_entry_with_user_and_reason(admin_client, superuser, organization):
    osaka = organization("大阪府")
    response = admin_client.post(
        reverse("admin:registry_base_add"), base_form_data(organization=osaka, change_reason="新設の報告")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    base = Base.objects.get(organization=osaka, number=1)
    entries = list(base.history.all())
    assert len(entries) == 1
    entry = entries[0]
    assert entry.history_type == "+"
    assert entry.history_user == superuser
    assert entry.actor_name == "root"
    assert entry.history_change_reason == "新設の報告"
    assert entry.change_source == Source.ADMIN
    assert entry.established_fy == 2002


def test_admin_update_records_reason_and_difference(admin_client, organization):
    base = make_base(organization("大阪府"), name="旧名称")
    url = reverse("admin:registry_base_change", args=[base.pk])
    response = admin_client.post(url, base_form_data(base, name="新名称", change_reason="名称変更"))
    assert response.status_code == 302
    latest, first = list(base.history.all())
    assert latest.history_type == "~"
    assert latest.history_change_reason == "名称変更"
    delta = latest.diff_against(first)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("name", "旧名称", "新名称")]


def test_saving_the_admin_form_unchanged_adds_no_entry(admin_client, organization):
    base = make_base(organization("大阪府"))
    url = reverse("admin:registry_base_change", args=[base.pk])
    response = admin_client.post(url, base_form_data(base, change_reason="確認のみ"))
    assert response.status_code == 302
    assert base.history.count() == 1


def test_admin_delete_keeps_history_and_the_record_can_be_restored(admin_client, organization):
    base = make_base(organization("大阪府"), name="閉じた事務所", established_fy=1995)
    base_id = base.pk
    response = admin_client.post(reverse("admin:registry_base_delete", args=[base_id]), {"post": "yes"})
    assert response.status_code == 302
    assert not Base.objects.filter(pk=base_id).exists()
    deleted = Base.history.filter(id=base_id).first()
    assert deleted.history_type == "-" and deleted.actor_name == "root"
    assert Base.history.filter(id=base_id).count() == 2

    # Found from the change log, reviewable on its history page, restorable with a reason.
    log = admin_client.get(reverse("registry:history"), {"action": "delete"}).content.decode()
    restore_url = reverse("admin:registry_base_simple_history", args=[base_id, deleted.history_id])
    assert restore_url in log
    assert admin_client.get(reverse("admin:registry_base_history", args=[base_id])).status_code == 200
    response = admin_client.post(restore_url, {"reason": "誤って削除したため"})
    assert response.status_code == 302
    restored = Base.objects.get(pk=base_id)
    assert (restored.name, restored.established_fy) == ("閉じた事務所", 1995)
    entry = Base.history.filter(id=base_id).first()
    assert (entry.history_type, entry.change_source, entry.history_change_reason) == (
        "+", Source.REVERT, "誤って削除したため"
    )


def test_a_command_records_itself_as_the_actor(organization):
    osaka = organization("大阪府")
    before = Organization.history.count()
    call_command("load_local_governments", stdout=open("/dev/null", "w"))
    assert Organization.history.count() == before  # reloading unchanged data writes nothing

    official_name = osaka.name_en
    osaka.name_en = "Osaka"
    osaka.save()
    call_command("load_local_governments", stdout=open("/dev/null", "w"))
    entry = osaka.history.first()
    assert entry.history_type == "~"
    assert entry.actor_name == "command: load_local_governments"
    assert entry.change_source == Source.COMMAND
    assert entry.history_user is None
    assert osaka.history.filter(history_type="~").count() == 2
    assert Organization.history.count() == before + 2
    osaka.refresh_from_db()
    assert osaka.name_en == official_name


def test_deleting_a_user_keeps_their_name_on_entries(client, django_user_model, organization):
    editor = django_user_model.objects.create_superuser("tanaka", "t@example.jp", "correct-horse-battery")
    client.force_login(editor)
    base = make_base(organization("大阪府"))
    client.post(reverse("admin:registry_base_change", args=[base.pk]), base_form_data(base, name="改名"))
    editor.delete()
    entry = base.history.first()
    assert entry.history_user is None
    assert entry.actor_name == "tanaka"


def test_bulk_action_leaves_one_entry_per_changed_record_in_one_group(admin_client, organization):
    osaka = organization("大阪府")
    open_bases = [make_base(osaka, number=n) for n in (1, 2)]
    already_closed = make_base(osaka, number=3, status=BaseStatus.CLOSED, closed_on=datetime.date(2020, 3, 31))
    response = admin_client.post(
        reverse("admin:registry_base_changelist"),
        {"action": "mark_closed_today", "_selected_action": [b.pk for b in open_bases + [already_closed]]},
    )
    assert response.status_code == 302
    entries = [b.history.first() for b in open_bases]
    assert all(e.history_type == "~" and e.change_source == Source.BULK for e in entries)
    assert all(e.history_change_reason == "一括操作: 本日付で閉鎖" and e.actor_name == "root" for e in entries)
    assert len({e.change_group for e in entries}) == 1
    assert already_closed.history.count() == 1
    assert Base.objects.filter(status=BaseStatus.CLOSED, closed_on=datetime.date.today()).count() == 2


def test_import_entries_link_to_their_import_record(superuser, organization):
    record = ImportRecord.objects.create(file_name="2019.xlsx", sha256="0" * 64, user=superuser)
    with change_context(source=Source.IMPORT, import_record=record, reason=record.label, user=superuser):
        base = make_base(organization("大阪府"))
    entry = base.history.get()
    assert entry.import_record == record
    assert entry.history_change_reason == record.label
    assert entry.change_source == Source.IMPORT
