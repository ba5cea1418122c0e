"""Reverting to a version restores every field, asks for a reason and is itself recorded."""
import datetime

import pytest
from django.urls import reverse

from registry.core.history import Source, restore_version, tracked_m2m_fields
from registry.models import Agreement, AgreementType, Base, JointOffice, Partner
from tests.support.factories import make_base, make_contractor

pytestmark = pytest.mark.django_db


def field_values(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def revert_url(obj, version):
    name = type(obj)._meta.model_name
    return reverse(f"admin:registry_{name}_simple_history", args=[obj.pk, version.history_id])


def test_revert_restores_every_field_and_is_logged(admin_client, organization):
    base = make_base(
        organization("大阪府"), name="元の名前", countries=["CN"], established_fy=2002, staff_local=3,
        department="国際課", remarks="最初",
    )
    original = field_values(Base.objects.get(pk=base.pk))
    first_version = base.history.get()
    base.name = "変更後"
    base.countries = ["US", "CA"]
    base.established_fy = 2019
    base.staff_local = 9
    base.form = "c"
    base.contractor = make_contractor()
    base.joint_office = JointOffice.objects.create(name="共同事務所")
    base.department = ""
    base.remarks = "変更"
    base.status = "closed"
    base.closed_on = datetime.date(2024, 3, 31)
    base.save()

    page = admin_client.get(revert_url(base, first_version)).content.decode()
    assert "<del>変更後</del>" in page and "<ins>元の名前</ins>" in page  # the confirmation shows what changes

    response = admin_client.post(revert_url(base, first_version), {"reason": "誤入力の取消"})
    assert response.status_code == 302
    assert field_values(Base.objects.get(pk=base.pk)) == original
    entry = base.history.first()
    assert (entry.history_type, entry.change_source, entry.history_change_reason, entry.actor_name) == (
        "~", Source.REVERT, "誤入力の取消", "root"
    )
    assert base.history.count() == 3


def test_revert_requires_a_reason(admin_client, organization):
    base = make_base(organization("大阪府"), name="元")
    version = base.history.get()
    base.name = "後"
    base.save()
    response = admin_client.post(revert_url(base, version), {"reason": ""})
    assert response.status_code == 200
    assert Base.objects.get(pk=base.pk).name == "後"
    assert base.history.count() == 2


def test_revert_of_an_agreement_restores_its_bases_in_one_entry(superuser, organization):
    osaka = organization("大阪府")
    first, second = make_base(osaka, number=1), make_base(osaka, number=2)
    partner = Partner.objects.create(name_ja="上海市", country="CN")
    agreement = Agreement.objects.create(organization=osaka, partner=partner, agreement_type=AgreementType.FRIENDSHIP)
    agreement.bases.set([first])
    version = agreement.history.first()
    agreement.bases.set([second])
    agreement.notes = "変更"
    agreement.save()
    count = agreement.history.count()

    restore_version(version, "元に戻す", user=superuser)
    agreement.refresh_from_db()
    assert list(agreement.bases.all()) == [first]
    assert agreement.notes == ""
    assert agreement.history.count() == count + 1
    latest = agreement.history.first()
    assert latest.change_source == Source.REVERT
    assert [row.base_id for row in latest.bases.all()] == [first.pk]
    assert [f.name for f in tracked_m2m_fields(Agreement)] == ["bases"]


def test_object_history_page_shows_the_same_diffs(admin_client, organization):
    base = make_base(organization("大阪府"), established_fy=2002, countries=["CN"])
    base.established_fy = 2019
    base.countries = ["US"]
    base.save()
    page = admin_client.get(reverse("admin:registry_base_history", args=[base.pk])).content.decode()
    assert "<del>2002(平成14年度)</del>" in page and "<ins>2019(令和元年度)</ins>" in page
    assert "<del>中国</del>" in page and "<ins>アメリカ合衆国</ins>" in page
    assert revert_url(base, base.history.last()) in page


@pytest.mark.parametrize("role", ["supervisor", "clerk"])
def test_history_page_offers_revert_to_whoever_may_revert(client, organization, role):
    from registry.core.permissions import Role
    from tests.support.roles import make_user

    osaka = organization("大阪府")
    base = make_base(osaka, name="元の名前")
    base.name = "変更後"
    base.save()
    user = make_user(Role.SUPERVISOR) if role == "supervisor" else make_user(Role.CLERK, osaka)
    client.force_login(user)
    page = client.get(reverse("admin:registry_base_history", args=[base.pk])).content.decode()
    assert f"<h1>変更履歴: {base}</h1>" in page
    assert "View history" not in page
    first = base.history.order_by("history_id").first()
    assert "この版に戻す" in page and revert_url(base, first) in page
    response = client.post(revert_url(base, first), {"reason": "誤入力の訂正"})
    assert response.status_code == 302
    base.refresh_from_db()
    assert base.name == "元の名前"
    assert base.history.first().history_change_reason == "誤入力の訂正"
