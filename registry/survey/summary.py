"""The survey's own summary table, counted by the survey's rules (docs/counting-rules.md).

* a base spanning several countries/regions counts once per country/region (bases and forms);
* Hong Kong is a region of its own (the import already stores 中国+香港 as HK);
* staff are counted once per base row; averages are per counted base, rounded to one decimal;
* cities: distinct city names after splitting multi-city cells (see ``count_cities``).

Everything is counted by the database (aggregates and grouped counts), so a round of 70,000 records costs a
few grouped queries, not 70,000 model instances. A record's weight (how many times the survey counts it)
is its number of country codes, computed in SQL from the stored ``"CN,KR"`` text (commas + 1; a record without
a country counts once, as unknown). Only the few distinct country and city cells are split in Python.

The counts of a set of records are kept in the cache (``round_counts``) until a round record, a base or an
organization is written (``FIGURES``, see registry/core/stamps.py): a report is counted once per change, not per view.
"""
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import Length, Replace

from registry.models import Base, BaseRoundRecord, Organization, ReviewState
from registry.models.bases import BaseStatus
from registry.parsing.text import split_multi
from registry.core.stamps import ChangeStamp, query_key

UNKNOWN = "??"
# What a round's counts are read from: its records, their bases (organization) and organizations (kind, prefecture).
FIGURES = ChangeStamp("figures", (BaseRoundRecord, Base, Organization)).watch()


def reported(records):
    """The records a round reports: active bases, not proposed for closing."""
    return records.filter(status=BaseStatus.ACTIVE).exclude(review_state=ReviewState.CLOSING)


def reported_records(survey_round, user=None, prefecture=None):
    """The round's reported records the user sees; ``prefecture`` (an Organization) narrows them to that prefecture
    and its municipalities (the code's first two digits), counted by the same rules."""
    records = reported(BaseRoundRecord.objects.filter(survey_round=survey_round))
    if user is not None:
        records = records.restrict(user, "view")
    if prefecture is not None:
        records = records.filter(base__organization__code__startswith=prefecture.code[:2])
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


@dataclass
class RoundCounts:
    """A round's records counted by the database in three grouped queries; every figure of the summary and
    the report's breakdowns derives from these groups."""

    organizations: dict  # organization id → {"home_prefecture": id, "n": weighted bases, "dispatched": …, …}
    places: list  # (stored country cell, city cell, records)
    forms_years: dict  # (form, fiscal year established) → weighted bases

    @classmethod
    def of(cls, records):
        records = records.order_by()
        weight = country_weight()
        organizations = {
            row["base__organization"]: row
            for row in records.values("base__organization", home_prefecture=home_prefecture()).annotate(
                n=Sum(weight), dispatched=Sum("staff_dispatched"), local=Sum("staff_local")
            )
        }
        places = [
            (row["countries"], row["cities"], row["n"])
            for row in records.values("countries", "cities").annotate(n=Count("pk"))
        ]
        forms_years = {
            (row["form"], row["established_fy"]): row["n"]
            for row in records.values("form", "established_fy").annotate(n=Sum(weight))
        }
        return cls(organizations, places, forms_years)

    def countries(self):
        """{country code (or ??): bases}."""
        counts = Counter()
        for stored, _cities, n in self.places:
            for code in country_codes(stored):
                counts[code] += n
        return counts

    def cities(self):
        names = set()
        for cell in {cities for _countries, cities, _n in self.places}:
            names.update(split_multi(cell))
        return names

    def forms(self):
        counts = Counter()
        for (form, _year), n in self.forms_years.items():
            counts[form] += n
        return counts

    def years(self):
        counts = Counter()
        for (_form, year), n in self.forms_years.items():
            counts[year] += n
        return counts

    def prefectures(self):
        """{prefecture: weighted bases}: a city's bases count under its prefecture."""
        by_pk = Counter()
        for row in self.organizations.values():
            by_pk[row["home_prefecture"]] += row["n"]
        return {prefecture: by_pk[prefecture.pk] for prefecture in Organization.objects.filter(pk__in=by_pk)}

    def staff(self, key):
        return sum(row[key] for row in self.organizations.values())


def round_counts(records):
    """``RoundCounts.of(records)``, counted once per state of the records (see ``FIGURES``)."""
    return FIGURES.cached(lambda: RoundCounts.of(records), "round-counts", query_key(records.order_by()))


def country_codes(stored):
    return [code for code in stored.split(",") if code] or [UNKNOWN]


def one_decimal(numerator, denominator):
    if not denominator:
        return 0.0
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def summarize(counts):
    """The survey's summary from a round's counts (``RoundCounts``) or a queryset of round records."""
    if not isinstance(counts, RoundCounts):
        counts = round_counts(counts)
    countries, forms = counts.countries(), counts.forms()
    bases = sum(countries.values())
    dispatched, local = counts.staff("dispatched"), counts.staff("local")
    return {
        "organizations": len(counts.organizations),
        "bases": bases,
        "countries": len(countries),
        "cities": len(counts.cities()),
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
