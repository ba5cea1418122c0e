"""Watches and notifications: one notification per change group for those who watch and may see, e-mailed
immediately or in the daily digest; reminders of anniversaries and endings, each sent once."""
import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from registry.core.history import Source, change_context, write_in_bulk
from registry.models import Agreement, AgreementType, Base, Notification, NotificationSettings, Partner, Watch
from registry.core.permissions import Role
from registry.accounts.roles import revoke_role
from tests.support.factories import make_base, make_contractor
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organization):
    osaka, sapporo = organization("大阪府"), organization("札幌市")
    return {
        "osaka": osaka, "sapporo": sapporo,
        "osaka_bases": [make_base(osaka, number=n, name=f"大阪拠点{n}") for n in (1, 2, 3)],
        "sapporo_base": make_base(sapporo, number=1, name="札幌拠点"),
        "clerk": make_user(Role.CLERK, osaka, username="osaka_clerk"),
        "sapporo_clerk": make_user(Role.CLERK, sapporo, username="sapporo_clerk"),
        "coordinator": make_user(Role.COORDINATOR, username="coordinator"),
    }


def coordinator_import(world, bases, remarks="取込で更新"):
    """What an import does: one change group, the bases written in bulk with their history."""
    for base in bases:
        base.remarks = remarks
    with change_context(user=world["coordinator"], source=Source.IMPORT, reason="調査票の取込"):
        write_in_bulk(Base, updated=bases, fields=["remarks"])


def daily():
    call_command("notifications", "daily", stdout=open("/dev/null", "w"))


def test_an_import_of_three_bases_is_one_notification_and_one_digest(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_import(world, [*world["osaka_bases"], world["sapporo_base"]])
    [notification] = Notification.objects.filter(user=world["clerk"])
    assert "3件を変更" in notification.text and "coordinator" in notification.text
    [sapporo_notification] = Notification.objects.filter(user=world["sapporo_clerk"])
    assert "1件を変更" in sapporo_notification.text
    assert not Notification.objects.filter(user=world["coordinator"]).exists()  # their own change
    assert mail.outbox == []  # digest by default
    daily()
    to_osaka = [m for m in mail.outbox if m.to == [world["clerk"].email]]
    assert len(to_osaka) == 1 and "3件を変更" in to_osaka[0].body and "札幌" not in to_osaka[0].body


def test_a_bulk_action_in_the_admin_is_one_notification(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:registry_base_changelist"), {
            "action": "mark_closed_today", "_selected_action": [b.pk for b in world["osaka_bases"]], "post": "yes",
            "index": 0})
    assert response.status_code == 302
    assert Base.objects.filter(status="closed").count() == 3
    [notification] = Notification.objects.filter(user=world["clerk"])
    assert "3件を変更" in notification.text
    assert not Notification.objects.filter(user=world["sapporo_clerk"]).exists()


def test_no_notification_of_ones_own_edits_nor_of_other_organizations(client, world,
                                                                        django_capture_on_commit_callbacks):
    client.force_login(world["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        with change_context(user=world["clerk"]):
            base = world["osaka_bases"][0]
            base.remarks = "自分で編集"
            base.save()
        with change_context(user=world["sapporo_clerk"]):
            world["sapporo_base"].remarks = "札幌の編集"
            world["sapporo_base"].save()
    assert not Notification.objects.filter(user=world["clerk"]).exists()


def test_watching_a_record_and_opting_out_of_ones_organization(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["clerk"])
    client.post(reverse("registry:watch"), {"target": "organization", "id": world["osaka"].pk, "action": "unwatch"})
    assert Watch.objects.get(user=world["clerk"], organization=world["osaka"]).muted
    contractor = make_contractor("株式会社ウォッチ")
    client.post(reverse("registry:watch"), {"target": "contractor", "id": contractor.pk, "action": "watch"})
    # Another organization's base cannot be watched (404: the clerk does not see it).
    assert client.post(reverse("registry:watch"), {"target": "base", "id": world["sapporo_base"].pk,
                                                   "action": "watch"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_import(world, world["osaka_bases"])
        with change_context(user=world["coordinator"]):
            contractor.notes = "連絡先を更新"
            contractor.save()
    [notification] = Notification.objects.filter(user=world["clerk"])
    assert "1件を変更" in notification.text and "拠点" not in notification.text  # the contractor, not the bases


def test_a_clerk_whose_membership_ended_hears_no_more(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_import(world, world["osaka_bases"][:1], "一回目")
    revoke_role(world["clerk"], Role.CLERK, [world["osaka"]], actor_name="tests")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_import(world, world["osaka_bases"], "二回目")
    assert Notification.objects.filter(user=world["clerk"]).count() == 1
    daily()  # the pending one is no longer theirs to see: not e-mailed either
    assert [m for m in mail.outbox if world["clerk"].email in m.to] == []


def test_immediate_mail_and_the_header_count(client, world, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(user=world["clerk"], email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_import(world, world["osaka_bases"])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world["clerk"].email]
    daily()
    assert len(mail.outbox) == 1  # already sent
    client.force_login(world["clerk"])
    page = client.get(reverse("registry:home")).content.decode()
    assert "通知 (1)" in page
    listing = client.get(reverse("registry:notifications")).content.decode()
    assert "3件を変更" in listing
    client.post(reverse("registry:notifications"))
    assert "通知 (1)" not in client.get(reverse("registry:home")).content.decode()


def test_the_daily_task_run_twice_sends_each_mail_once(world, django_capture_on_commit_callbacks):
    today = datetime.date.today()
    partner = Partner.objects.create(name_ja="ブリスベン", country="AU")
    in_40_days = today + datetime.timedelta(days=40)
    Agreement.objects.create(organization=world["osaka"], partner=partner, agreement_type=AgreementType.SISTER_CITY,
                             signed_on=in_40_days.replace(year=in_40_days.year - 30),
                             signed_precision="day")
    partner = Partner.objects.create(name_ja="メルボルン", country="AU")
    Agreement.objects.create(organization=world["osaka"], partner=partner, agreement_type=AgreementType.MOU,
                             signed_on=today.replace(year=today.year - 3), signed_precision="day",
                             ends_on=today + datetime.timedelta(days=200))
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_import(world, world["osaka_bases"])
    daily()
    daily()
    to_osaka = [m for m in mail.outbox if m.to == [world["clerk"].email]]
    assert len(to_osaka) == 1
    body = to_osaka[0].body
    assert "ブリスベン" in body and "30周年" in body and "メルボルン" in body and "3件を変更" in body
    assert not [m for m in mail.outbox if m.to == [world["sapporo_clerk"].email] and "ブリスベン" in m.body]
    reminders = Notification.objects.filter(user=world["clerk"], kind="reminder")
    assert sorted(n.reminder_key.rsplit(":", 1)[1] for n in reminders) == ["12m", "3m"]
