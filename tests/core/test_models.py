import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.models import Agreement, AgreementType, Base, Contractor, Organization, Partner
from registry.models.organizations import lg_check_digit, validate_lg_code
from registry.parsing.dates import Precision
from tests.support.factories import make_base

pytestmark = pytest.mark.django_db


def test_local_governments_are_all_loaded_with_valid_codes():
    kinds = Organization.objects.values_list("kind", flat=True)
    assert sum(1 for k in kinds if k == Organization.Kind.PREFECTURE) == 47
    assert sum(1 for k in kinds if k != Organization.Kind.PREFECTURE) == 1741
    for code in Organization.objects.values_list("code", flat=True):
        validate_lg_code(code)


def test_municipalities_know_their_kind_prefecture_and_region(organization):
    sapporo = organization("札幌市")
    assert sapporo.kind == Organization.Kind.DESIGNATED_CITY
    assert sapporo.prefecture.name == "北海道"
    assert sapporo.region == "hokkaido"
    assert organization("千代田区").kind == Organization.Kind.SPECIAL_WARD
    assert organization("東川町").kind == Organization.Kind.TOWN
    assert organization("美祢市").name_en == "Mine City"
    assert organization("大阪府").region == "kinki"


def test_alias_maps_ocr_spelling_to_its_organization():
    assert Organization.objects.get(aliases__name="美祿市").name == "美祢市"


@pytest.mark.parametrize("code, valid", [("011002", True), ("011003", False), ("01100", False), ("27100A", False)])
def test_code_check_digit(code, valid):
    if valid:
        validate_lg_code(code)
    else:
        with pytest.raises(ValidationError):
            validate_lg_code(code)


def test_check_digit_formula_matches_published_codes():
    assert lg_check_digit("13101") == 6  # 千代田区 131016
    assert lg_check_digit("27000") == 8  # 大阪府 270008


def test_staff_total_is_derived_from_dispatched_and_local(organization):
    base = make_base(organization("北海道"), staff_dispatched=1, staff_local=3)
    base.refresh_from_db()
    assert base.staff_total == 4
    base.staff_local = 5
    assert base.staff_total == 6


def test_staff_counts_cannot_be_negative(organization):
    base = Base(organization=organization("北海道"), number=9, countries=["KR"], form="a", staff_dispatched=-1)
    with pytest.raises(ValidationError) as error:
        base.full_clean()
    assert "staff_dispatched" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Base.objects.create(organization=organization("北海道"), number=9, countries=["KR"], form="a",
                            staff_local=-2)


def test_base_number_is_unique_within_an_organization_only(organization):
    make_base(organization("北海道"), number=1)
    make_base(organization("青森県"), number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_base(organization("北海道"), number=1)


def test_closed_base_needs_a_closing_date(organization):
    base = make_base(organization("北海道"))
    base.status = "closed"
    with pytest.raises(ValidationError):
        base.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        base.save()
    base.closed_on = datetime.date(2018, 3, 31)
    base.full_clean()
    base.save()


def test_fiscal_year_is_shown_with_its_era(organization):
    base = make_base(organization("北海道"), established_fy=2002)
    assert base.established_display == "2002(平成14年度)"
    assert make_base(organization("北海道"), number=2, established_fy=2019).established_display == "2019(令和元年度)"


def test_contractor_match_key_treats_company_marks_alike():
    first = Contractor.objects.create(name="㈱フォーバル")
    assert first.match_key
    with pytest.raises(IntegrityError), transaction.atomic():
        Contractor.objects.create(name="株式会社フォーバル")


def test_agreement_date_precision_rules(organization):
    partner = Partner.objects.create(name_ja="江蘇省", name_en="Jiangsu", country="CN")
    agreement = Agreement(organization=organization("大阪府"), partner=partner,
                          agreement_type=AgreementType.FRIENDSHIP, signed_on=None,
                          signed_precision=Precision.DAY)
    with pytest.raises(ValidationError):
        agreement.full_clean()
    agreement.signed_precision = Precision.UNKNOWN
    agreement.full_clean()
    agreement.signed_on = datetime.date(2023, 10, 1)
    agreement.signed_precision = Precision.MONTH
    agreement.full_clean()
    agreement.save()
    assert agreement.signed_display == "2023年10月"


def test_in_force_is_one_rule_in_sql_and_in_python():
    """A tie runs through its end day; a later renewal keeps it running; no end date means in force."""
    day = datetime.date(2024, 4, 1)
    osaka = Organization.objects.get(name="大阪府")

    def tie(name, ends_on=None, renewed_until=None):
        partner = Partner.objects.create(name_ja=name, country="CN")
        agreement = Agreement.objects.create(organization=osaka, partner=partner,
                                             agreement_type=AgreementType.FRIENDSHIP, ends_on=ends_on)
        if renewed_until:
            agreement.renewals.create(renewed_on=datetime.date(2020, 1, 1), renewed_precision=Precision.DAY,
                                      valid_until=renewed_until)
        return agreement

    tie("終了日なし")
    tie("当日まで", ends_on=day)
    tie("前日まで", ends_on=day - datetime.timedelta(days=1))
    tie("更新で延長", ends_on=datetime.date(2020, 3, 31), renewed_until=day + datetime.timedelta(days=1))
    in_force = {a.partner.name_ja for a in Agreement.objects.in_force(on=day)}
    assert in_force == {"終了日なし", "当日まで", "更新で延長"}
    assert {a.partner.name_ja for a in Agreement.objects.ended(on=day)} == {"前日まで"}
    for agreement in Agreement.objects.all():
        assert agreement.in_force_on(day) == (agreement.partner.name_ja in in_force)
    for agreement in Agreement.objects.with_end_date(on=day):
        assert agreement.in_force == (agreement.partner.name_ja in in_force)
