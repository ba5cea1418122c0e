"""Filters for the list pages, their exports and any API (NetBox style: one FilterSet per model).

Query parameters are the model's field names (``?countries=KR&form=c``) plus a few
range and free-text parameters, so a filtered URL can be shared.
"""
import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from registry.core import search as text_search
from registry.core.form_fields import FiscalYearField
from registry.models import (
    Agreement,
    AgreementType,
    Base,
    BaseStatus,
    Closure,
    Contractor,
    JointOffice,
    OperatingForm,
    Organization,
)
from registry.core.country_order import codes_in, country_choices
from registry.models.organizations import REGION_CHOICES, prefecture_numbers_of_region
from registry.parsing.dates import DateParseError, Precision, parse_partial_date, period_end
from registry.core.permissions import organization_ids_in_scope


class OneOfFilter(django_filters.MultipleChoiceFilter):
    """Any of several choices of a field each row holds one value of: no DISTINCT (django-filter's default for
    multiple choices, there for many-valued relations), which made the database sort every column of a
    10,000-row download to remove duplicates that cannot occur."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


def autocomplete(model, field_name):
    """A select that searches as you type through the admin's autocomplete view (already scoped to the user),
    rendering only the chosen option instead of every row."""
    from django.contrib import admin
    from django.contrib.admin.widgets import AutocompleteSelect

    return AutocompleteSelect(model._meta.get_field(field_name), admin.site, attrs={"data-width": "100%"})


def prefectures(request=None):
    """The prefectures a user may see records of: all for coordinators and supervisors, a clerk's own otherwise."""
    queryset = Organization.objects.filter(kind=Organization.Kind.PREFECTURE)
    scope = organization_ids_in_scope(request.user, "view") if request is not None else None
    if scope is None:
        return queryset
    own = Organization.objects.filter(pk__in=scope)
    return queryset.filter(Q(pk__in=own.values("pk")) | Q(pk__in=own.values("prefecture")))


def region_choices(request):
    """The regions (地方) of the prefectures the user may see."""
    numbers = {int(code[:2]) for code in prefectures(request).values_list("code", flat=True)}
    return [(key, label) for key, label in REGION_CHOICES
            if numbers & set(prefecture_numbers_of_region(key))]


class ScopedChoicesMixin:
    """Filters offer only values found in what the user may see; countries come ordered by reading."""

    def country_codes(self):
        return None

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Choices set here, before the form is built, are the ones it offers and accepts.
        if "region" in self.filters:
            set_choices(self.filters["region"], region_choices(request))
        codes = self.country_codes()
        for name in ("countries", "partner__country", "country"):
            if name in self.filters:
                set_choices(self.filters[name], country_choices(codes))


def set_choices(filter_, choices):
    """Give one FilterSet instance's filter its choices.

    A form field built earlier on the class's filter (the API schema builds them) would be copied along
    with the filter and keep its old choices: drop it so the field is built with these.
    """
    filter_.extra["choices"] = choices
    filter_.__dict__.pop("_field", None)


def organization_in_region(region, path="organization"):
    """Organization codes start with the prefecture number, so a region is a set of code prefixes."""
    condition = Q()
    for number in prefecture_numbers_of_region(region):
        condition |= Q(**{f"{path}__code__startswith": f"{number:02d}"})
    return condition


def organization_in_prefecture(prefecture, path="organization"):
    """A city's records count under its prefecture."""
    return Q(**{path: prefecture}) | Q(**{f"{path}__prefecture": prefecture})


def visible_bases(request):
    if request is None:
        return Base.objects.all()
    return Base.objects.restrict(request.user, "view")


def base_values(request, field):
    """The distinct values of ``field`` among the bases the user sees, for a filter's choices: counted once per
    state of the bases (``summary.FIGURES``), not on every view (a DISTINCT over 100,000 bases: ~30–80 ms)."""
    from registry.core.stamps import query_key
    from registry.survey.summary import FIGURES

    values = visible_bases(request).order_by().values_list(field, flat=True).distinct()
    return FIGURES.cached(lambda: list(values), "base-values", query_key(values))


def base_country_codes(request):
    """The countries of the bases the user sees (a base may hold several)."""
    return codes_in(base_values(request, "countries"))


# -- form fields ---------------------------------------------------------------------------


SEARCHABLE_YEARS = (1800, 2200)


class PartialDateField(forms.CharField):
    """A year, month or day, Gregorian or era (1980, S55, 1980-11, 1980-11-21); gives (date, precision)."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            day, precision = parse_partial_date(text)
        except DateParseError:
            day = None
        # Years far outside any record would overflow the date arithmetic of the range.
        if day is None or not SEARCHABLE_YEARS[0] <= day.year <= SEARCHABLE_YEARS[1]:
            raise ValidationError(_("Enter a date such as 1980, S55, 1980-11 or 1980-11-21."), code="invalid")
        return day, precision


class FiscalYearFilter(django_filters.Filter):
    field_class = FiscalYearField


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class SortFilter(django_filters.OrderingFilter):
    """Column sorting with a tie-breaker so pages never repeat or skip rows."""

    def __init__(self, *args, tiebreak=("pk",), **kwargs):
        kwargs.setdefault("field_name", "sort")
        kwargs.setdefault("label", _("Sort by"))
        super().__init__(*args, **kwargs)
        self.tiebreak = tiebreak

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        return qs.order_by(*ordering, *self.tiebreak)


# -- the period a partial date stands for ---------------------------------------------------


def latest_start_ending_by(upper, precision):
    """The latest stored date (first day of its period) whose whole period ends by ``upper``."""
    after = upper + datetime.timedelta(days=1)
    if precision == Precision.YEAR:
        return datetime.date(after.year - 1, 1, 1)
    if precision == Precision.MONTH:
        first_of_month = after.replace(day=1)
        return (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    return upper


def signed_within(lower=None, upper=None):
    """Agreements certainly signed inside [lower, upper]: their whole known period lies inside.

    Signing dates are stored as the first day of their year or month, so the
    period's start is the stored date and its end depends on the precision.
    Agreements with an unknown date match no range.
    """
    condition = Q(signed_on__isnull=False) & ~Q(signed_precision=Precision.UNKNOWN)
    if lower is not None:
        condition &= Q(signed_on__gte=lower)
    if upper is not None:
        by_precision = Q()
        for precision in (Precision.DAY, Precision.MONTH, Precision.YEAR):
            by_precision |= Q(signed_precision=precision, signed_on__lte=latest_start_ending_by(upper, precision))
        condition &= by_precision
    return condition


# -- bases ---------------------------------------------------------------------------------


def base_organizations(request):
    return Organization.objects.filter(pk__in=visible_bases(request).values("organization")).select_related(
        "prefecture"
    )


def base_contractors(request):
    bases = visible_bases(request)
    return Contractor.objects.filter(
        Q(pk__in=bases.values("contractor")) | Q(pk__in=bases.values("host_agency"))
    )


def base_joint_offices(request):
    return JointOffice.objects.filter(pk__in=visible_bases(request).values("joint_office"))


def visible_agreements(request):
    return Agreement.objects.all() if request is None else Agreement.objects.restrict(request.user, "view")


def base_text_search(value, user):
    """Bases whose readable text (``search.BASES``), organization or contractor / host agency name contains
    ``value`` (any case).

    The list page's search and the admin's search box. Matching organizations and contractors are looked up
    first (two small queries) and given as lists of keys, not as a join or a subquery, so that on PostgreSQL
    every condition can use its index (trigram indexes of migration 0006) and be combined (BitmapOr).
    """
    organizations = list(Organization.objects.filter(name__icontains=value).values_list("pk", flat=True))
    contractors = list(Contractor.objects.filter(name__icontains=value).values_list("pk", flat=True))
    condition = Q(organization__in=organizations) | Q(contractor__in=contractors) | Q(host_agency__in=contractors)
    return condition | text_search.BASES.condition(value, user)


def request_user(request):
    return None if request is None else request.user


class BaseFilterSet(ScopedChoicesMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, method="filter_region", label=_("Region"))
    prefecture = django_filters.ModelChoiceFilter(
        queryset=prefectures, method="filter_prefecture", label=_("Prefecture")
    )
    organization = django_filters.ModelChoiceFilter(
        queryset=base_organizations, label=_("Organization"), widget=autocomplete(Base, "organization")
    )
    organization__kind = OneOfFilter(
        choices=Organization.Kind.choices, label=_("Organization kind"), widget=forms.CheckboxSelectMultiple
    )
    countries = django_filters.ChoiceFilter(
        choices=(), method="filter_country", label=_("Country/region")
    )
    cities = django_filters.CharFilter(lookup_expr="icontains", label=_("Cities"))
    form = OneOfFilter(
        choices=OperatingForm.choices, label=_("Form"), widget=forms.CheckboxSelectMultiple
    )
    contractor = django_filters.ModelChoiceFilter(
        queryset=base_contractors, method="filter_contractor", label=_("Contractor or host agency"),
        widget=autocomplete(Base, "contractor"),
    )
    established_from = FiscalYearFilter(field_name="established_fy", lookup_expr="gte", label=_("Established from (FY)"))
    established_to = FiscalYearFilter(field_name="established_fy", lookup_expr="lte", label=_("Established to (FY)"))
    status = OneOfFilter(
        choices=BaseStatus.choices, label=_("Status"), widget=forms.CheckboxSelectMultiple
    )
    closure = django_filters.ChoiceFilter(choices=Closure.choices, method="filter_closure", label=_("Closing"))
    staff_min = django_filters.NumberFilter(field_name="staff_sum", lookup_expr="gte", label=_("Staff from"))
    staff_max = django_filters.NumberFilter(field_name="staff_sum", lookup_expr="lte", label=_("Staff to"))
    joint_office = django_filters.ModelChoiceFilter(queryset=base_joint_offices, label=_("Joint office"))
    sort = SortFilter(
        fields=(
            ("organization__code", "organization"),
            ("number", "number"),
            ("name", "name"),
            ("countries", "countries"),
            ("cities", "cities"),
            ("form", "form"),
            ("contractor__name", "contractor"),
            ("established_fy", "established_fy"),
            ("staff_sum", "staff_total"),
            ("status", "status"),
        ),
        tiebreak=("organization__code", "number"),
    )

    class Meta:
        model = Base
        fields = []

    def country_codes(self):
        return base_country_codes(self.request)

    def filter_queryset(self, queryset):
        # staff_total is derived, never stored: filter and sort on the sum.
        queryset = queryset.annotate(staff_sum=F("staff_dispatched") + F("staff_local")).with_closure()
        return super().filter_queryset(queryset)

    def filter_closure(self, queryset, name, value):
        return queryset.closure(value)

    def search(self, queryset, name, value):
        return queryset.filter(base_text_search(value, request_user(self.request)))

    def filter_region(self, queryset, name, value):
        return queryset.filter(organization_in_region(value))

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(organization_in_prefecture(value))

    def filter_country(self, queryset, name, value):
        # Codes are stored comma-separated; a validated two-letter code can only match whole codes.
        return queryset.filter(countries__contains=value)

    def filter_contractor(self, queryset, name, value):
        return queryset.filter(Q(contractor=value) | Q(host_agency=value))


# -- agreements ----------------------------------------------------------------------------


def agreement_organizations(request):
    return Organization.objects.filter(pk__in=visible_agreements(request).values("organization")).select_related(
        "prefecture"
    )


class AgreementFilterSet(ScopedChoicesMixin, django_filters.FilterSet):
    ACTIVE_CHOICES = (("active", _("Active")), ("ended", _("Ended")))

    q = django_filters.CharFilter(method="search", label=_("Search"))
    organization = django_filters.ModelChoiceFilter(
        queryset=agreement_organizations, label=_("Organization"), widget=autocomplete(Agreement, "organization")
    )
    prefecture = django_filters.ModelChoiceFilter(
        queryset=prefectures, method="filter_prefecture", label=_("Prefecture")
    )
    partner__country = django_filters.ChoiceFilter(choices=(), label=_("Partner country/region"))
    agreement_type = OneOfFilter(
        choices=AgreementType.choices, label=_("Type"), widget=forms.CheckboxSelectMultiple
    )
    signed_from = PartialDateFilter(method="filter_signed_from", label=_("Signed from"))
    signed_to = PartialDateFilter(method="filter_signed_to", label=_("Signed to"))
    state = django_filters.ChoiceFilter(choices=ACTIVE_CHOICES, method="filter_state", label=_("Active / ended"))
    fields = django_filters.CharFilter(lookup_expr="icontains", label=_("Field of cooperation"))
    sort = SortFilter(
        fields=(
            ("organization__code", "organization"),
            ("partner__country", "partner__country"),
            ("partner__name_ja", "partner"),
            ("agreement_type", "agreement_type"),
            ("signed_on", "signed_on"),
            ("end_date", "ends_on"),
        ),
        tiebreak=("organization__code", "signed_on", "pk"),
    )

    class Meta:
        model = Agreement
        fields = []

    def country_codes(self):
        agreements = Agreement.objects.all() if self.request is None else Agreement.objects.restrict(
            self.request.user, "view")
        return set(agreements.order_by().values_list("partner__country", flat=True).distinct())

    def filter_queryset(self, queryset):
        queryset = queryset.with_end_date()
        return super().filter_queryset(queryset)

    def search(self, queryset, name, value):
        return queryset.filter(text_search.AGREEMENTS.condition(value, request_user(self.request)))

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(organization_in_prefecture(value))

    def filter_signed_from(self, queryset, name, value):
        day, _precision = value
        return queryset.filter(signed_within(lower=day))

    def filter_signed_to(self, queryset, name, value):
        day, precision = value
        return queryset.filter(signed_within(upper=period_end(day, precision)))

    def filter_state(self, queryset, name, value):
        return queryset.in_force() if value == "active" else queryset.ended()


# -- contractors ---------------------------------------------------------------------------


class ContractorFilterSet(ScopedChoicesMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = OneOfFilter(
        choices=Contractor.Kind.choices, label=_("Kind"), widget=forms.CheckboxSelectMultiple
    )
    country = django_filters.ChoiceFilter(choices=(), label=_("Country/region"))
    organization = django_filters.ModelChoiceFilter(
        queryset=base_organizations, method="filter_organization", label=_("Organization served"),
        widget=autocomplete(Base, "organization"),
    )
    sort = SortFilter(
        fields=(("name", "name"), ("kind", "kind"), ("country", "country"), ("base_count", "base_count")),
        tiebreak=("name", "pk"),
    )

    class Meta:
        model = Contractor
        fields = []

    def country_codes(self):
        return set(Contractor.objects.order_by().values_list("country", flat=True).distinct())

    def search(self, queryset, name, value):
        return queryset.filter(text_search.CONTRACTORS.condition(value, request_user(self.request)))

    def filter_organization(self, queryset, name, value):
        served = visible_bases(self.request).filter(
            Q(contractor=OuterRef("pk")) | Q(host_agency=OuterRef("pk")), organization=value
        )
        return queryset.filter(Exists(served))
