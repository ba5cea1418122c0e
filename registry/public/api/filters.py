"""The list pages' FilterSets, served to the API.

Agreements use ``AgreementFilterSet`` as it is. Bases in the API are round records (what a round
reported), so ``RoundRecordFilterSet`` re-points the base filters at ``base__…``; the rules themselves
(region, prefecture, fiscal-year and staff ranges, country codes) are the list page's. Choices of
organizations are by 団体コード and not narrowed to the caller, since the public may filter by any.
"""
import django_filters
from django.db.models import F, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from django.utils.translation import gettext_lazy as _

from registry.core import search as text_search
from registry.core.converters import IsoDateConverter
from registry.staff.filters import (
    AgreementFilterSet,
    BaseFilterSet,
    OneOfFilter,
    PartialDateFilter,
    SortFilter,
    organization_in_prefecture,
    organization_in_region,
    request_user,
    set_choices,
)
from registry.models import BaseRoundRecord, Contractor, JointOffice, Organization, Partner
from registry.models.organizations import REGION_CHOICES

OWNER = "base__organization"
ON_BASE = {"organization__code": f"{OWNER}__code", "number": "base__number"}

# What the OpenAPI schema says these parameters take: a year, month or day (1980, S55, 1980-11-21).
extend_schema_field(OpenApiTypes.STR)(PartialDateFilter)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{6}$"})
class OrganizationCodeFilter(django_filters.ModelChoiceFilter):
    """An organization (or a prefecture) by its 6-digit 全国地方公共団体コード."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


def prefectures(request=None):
    return Organization.objects.filter(kind=Organization.Kind.PREFECTURE)


class PublicChoices:
    """What is published may be filtered by any country, region and prefecture, whoever asks.

    (The list pages offer only the values of the user's own scope; a caller's scope here only adds rows.)
    """

    def country_codes(self):
        return None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "region" in self.filters:
            set_choices(self.filters["region"], REGION_CHOICES)


class PublicAgreementFilterSet(PublicChoices, AgreementFilterSet):
    organization = OrganizationCodeFilter(queryset=Organization.objects.all(), label=_("Organization"))
    prefecture = OrganizationCodeFilter(queryset=prefectures, method="filter_prefecture", label=_("Prefecture"))


class RoundRecordFilterSet(PublicChoices, BaseFilterSet):
    closure = None  # 廃止予定/閉鎖 describe live bases; a round's figures carry their own review state
    round = django_filters.DateFilter(field_name="survey_round__reference_date", label=_("Survey round"))
    prefecture = OrganizationCodeFilter(queryset=prefectures, method="filter_prefecture", label=_("Prefecture"))
    organization = OrganizationCodeFilter(field_name=OWNER, queryset=Organization.objects.all(),
                                          label=_("Organization"))
    organization__kind = OneOfFilter(
        field_name=f"{OWNER}__kind", choices=Organization.Kind.choices, label=_("Organization kind")
    )
    contractor = django_filters.ModelChoiceFilter(
        queryset=Contractor.objects.all(), method="filter_contractor", label=_("Contractor or host agency")
    )
    joint_office = django_filters.ModelChoiceFilter(
        field_name="base__joint_office", queryset=JointOffice.objects.all(), label=_("Joint office")
    )
    # The list page's sort keys, on the base's organization and number.
    sort = SortFilter(
        fields=tuple((ON_BASE.get(field, field), param)
                     for param, field in BaseFilterSet.base_filters["sort"].param_map.items()),
        tiebreak=("-survey_round__reference_date", f"{OWNER}__code", "base__number"),
    )

    class Meta:
        model = BaseRoundRecord
        fields = []

    def filter_queryset(self, queryset):
        queryset = queryset.annotate(staff_sum=F("staff_dispatched") + F("staff_local"))
        return django_filters.FilterSet.filter_queryset(self, queryset)

    def search(self, queryset, name, value):
        return queryset.filter(text_search.ROUND_RECORDS.condition(value, request_user(self.request)))

    def filter_region(self, queryset, name, value):
        return queryset.filter(organization_in_region(value, path=OWNER))

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(organization_in_prefecture(value, path=OWNER))

    def filter_contractor(self, queryset, name, value):
        return queryset.filter(Q(contractor=value) | Q(base__host_agency=value))


class PartnerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Partner
        fields = ["country", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(text_search.PARTNERS.condition(value, request_user(self.request)))


class OrganizationFilterSet(django_filters.FilterSet):
    prefecture = OrganizationCodeFilter(queryset=prefectures, method="filter_prefecture", label=_("Prefecture"))

    class Meta:
        model = Organization
        fields = ["kind"]

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(Q(pk=value.pk) | Q(prefecture=value))


ROUND_DATE = IsoDateConverter.regex
