"""The survey's own summary table, counted by the survey's rules (see README: Counting rules).

* a base spanning several countries/regions counts once per country/region (bases and forms);
* Hong Kong is a region of its own (the import already stores 中国+HK as HK);
* staff are counted once per base row; averages are per counted base, rounded to one decimal;
* cities: distinct city names after splitting multi-city cells (see ``count_cities``).

Everything is counted by the database (aggregates and grouped counts), so a round of 70,000 records costs a
handful of small queries, not 70,000 model instances. A record's weight (how many times the survey counts it)
is its number of country codes, computed in SQL from the stored ``"CN,KR"`` text (commas + 1; a record without
a country counts once, as unknown). Only the few distinct country and city cells are split in Python.
"""
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import Coalesce, Length, Replace

from registry.models import BaseRoundRecord, Organization, ReviewState
from registry.models.bases import BaseStatus
from registry.parsing.text import split_multi

UNKNOWN = "??"


def reported_records(survey_round, user=None):
    records = BaseRoundRecord.objects.filter(survey_round=survey_round, status=BaseStatus.ACTIVE).exclude(
        review_state=ReviewState.CLOSING
    )
    if user is not None:
        records = records.restrict(user, "view")
    return records


def country_weight():
    """How many times the survey counts a record: once per country/region (at least once)."""
    commas = Length("countries") - Length(Replace("countries", Value(","), Value("")))
    return Case(When(countries="", then=Value(1)), default=commas + 1, output_field=IntegerField())


def home_prefecture():
    """The prefecture a record's organization belongs to (a prefecture is its own)."""
    return Case(
        When(base__organization__kind=Organization.Kind.PREFECTURE, then=F("base__organization_id")),
        default=F("base__organization__prefecture_id"),
    )


def country_codes(stored):
    return [code for code in stored.split(",") if code] or [UNKNOWN]


def weighted_counts(records, key, expression=None):
    """{value of ``key``: weighted number of bases}, grouped by the database."""
    if expression is not None:
        records = records.annotate(**{key: expression})
    rows = records.order_by().values(key).annotate(n=Sum(country_weight()))
    return {row[key]: row["n"] for row in rows}


def by_country_codes(records):
    """{country code (or ??): bases}, from the distinct stored country cells."""
    counts = Counter()
    for row in records.order_by().values("countries").annotate(n=Count("pk")):
        for code in country_codes(row["countries"]):
            counts[code] += row["n"]
    return counts


def one_decimal(numerator, denominator):
    if not denominator:
        return 0.0
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def count_cities(records):
    cities = set()
    for cell in records.order_by().values_list("cities", flat=True).distinct():
        cities.update(split_multi(cell))
    return len(cities)


def summarize(records):
    """The survey's summary of a queryset of round records."""
    totals = records.order_by().aggregate(
        organizations=Count("base__organization", distinct=True),
        dispatched=Coalesce(Sum("staff_dispatched"), 0),
        local=Coalesce(Sum("staff_local"), 0),
    )
    countries = by_country_codes(records)
    forms = weighted_counts(records, "form")
    bases = sum(countries.values())
    dispatched, local = totals["dispatched"], totals["local"]
    return {
        "organizations": totals["organizations"],
        "bases": bases,
        "countries": len(countries),
        "cities": count_cities(records),
        "forms": {letter: forms.get(letter, 0) for letter in "abcd"},
        "staff": {"total": dispatched + local, "dispatched": dispatched, "local": local},
        "average": {
            "total": one_decimal(dispatched + local, bases),
            "dispatched": one_decimal(dispatched, bases),
            "local": one_decimal(local, bases),
        },
    }


def survey_summary(survey_round, user=None):
    return summarize(reported_records(survey_round, user))
