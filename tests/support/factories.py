"""Small builders for records used across tests (plain functions, no factory library)."""
from registry.models import Base, Contractor, Organization


def make_base(organization, number=1, **fields):
    values = {"name": f"テスト拠点{number}", "countries": ["CN"], "cities": "上海", "form": "a"}
    values.update(fields)
    if isinstance(organization, str):
        organization = Organization.objects.get(name=organization)
    return Base.objects.create(organization=organization, number=number, **values)


def make_contractor(name="株式会社テスト", **fields):
    return Contractor.objects.create(name=name, **fields)
