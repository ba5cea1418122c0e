"""Issue 16: who may change access, what clerks may add, crafted filter values."""
import pytest
from django.test import Client
from django.urls import reverse

from registry.models import Contractor, Membership, Organization, Partner
from registry.core.permissions import Role
from registry.accounts.roles import revoke_role
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_clerk_adds_a_contractor_and_a_partner():
    clerk = make_user(Role.CLERK, "270008", username="adding_clerk")
    client = logged_in(clerk)
    response = client.post(reverse("admin:registry_contractor_add"),
                           {"name": "株式会社新規", "kind": "company", "country": "CN", "notes": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contractor.objects.filter(name="株式会社新規").exists()
    response = client.post(reverse("admin:registry_partner_add"),
                           {"name_ja": "新規市", "country": "CN", "kind": "city", "name_native": "", "name_en": "",
                            "region": "", "change_reason": "",
                            "agreements-TOTAL_FORMS": "0", "agreements-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Partner.objects.filter(name_ja="新規市").exists()


def test_nobody_gives_back_revoked_access_by_reverting_a_membership():
    sapporo = Organization.objects.get(code="011002")
    clerk = make_user(Role.CLERK, "270008", sapporo, username="revoked_clerk")
    membership = Membership.objects.get(user=clerk, organization=sapporo)
    version = membership.history.order_by("-history_id").first()
    membership_id = membership.pk
    revoke_role(clerk, Role.CLERK, [sapporo], actor_name="tests")
    assert not Membership.objects.filter(user=clerk, organization=sapporo).exists()
    url = reverse("admin:registry_membership_simple_history", args=[membership_id, version.history_id])
    for role in (Role.SUPERVISOR, "superuser"):
        client = logged_in(make_user(role, username=f"reverting_{role}"))
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "戻す"}).status_code == 403
    assert not Membership.objects.filter(user=clerk, organization=sapporo).exists()
    history = client.get(reverse("admin:registry_membership_history", args=[membership_id]))
    assert history.status_code == 200 and url not in history.content.decode()


def test_restore_service_refuses_memberships():
    from registry.core.history import NotRevertible, restore_version

    clerk = make_user(Role.CLERK, "270008", username="service_clerk")
    version = Membership.objects.get(user=clerk).history.first()
    with pytest.raises(NotRevertible):
        restore_version(version, "戻す")


@pytest.mark.parametrize("decade", ["0", "9990", "10000", "9" * 30, "²", "１９９０", "-10"])
def test_crafted_decade_values_answer_a_page(decade):
    client = logged_in(make_user("superuser", username="decade_root"))
    response = client.get(reverse("admin:registry_agreement_changelist"), {"decade": decade})
    assert response.status_code in (200, 302)
