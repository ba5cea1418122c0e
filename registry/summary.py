"""The survey's own summary table, counted by the survey's rules (see README: Counting rules).

* a base spanning several countries/regions counts once per country/region (bases and forms);
* Hong Kong is a region of its own (the import already stores 中国+香港 as HK);
* staff are counted once per base row; averages are per counted base, rounded to one decimal;
* cities: distinct city names after splitting multi-city cells (see ``count_cities``).
"""
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from registry.models import BaseRoundRecord, ReviewState
from registry.models.bases import BaseStatus
from registry.parsing.text import split_multi


def reported_records(survey_round, user=None):
    records = BaseRoundRecord.objects.filter(survey_round=survey_round, status=BaseStatus.ACTIVE).exclude(
        review_state=ReviewState.CLOSING
    )
    if user is not None:
        records = records.restrict(user, "view")
    return records.select_related("base")


def one_decimal(numerator, denominator):
    if not denominator:
        return 0.0
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def count_cities(records):
    cities = set()
    for record in records:
        cities.update(split_multi(record.cities))
    return len(cities)


def summarize(records):
    records = list(records)
    forms = Counter()
    countries = set()
    bases = 0
    for record in records:
        codes = [str(code) for code in record.countries] or ["??"]
        bases += len(codes)
        forms[record.form] += len(codes)
        countries.update(codes)
    dispatched = sum(record.staff_dispatched for record in records)
    local = sum(record.staff_local for record in records)
    return {
        "organizations": len({record.base.organization_id for record in records}),
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
