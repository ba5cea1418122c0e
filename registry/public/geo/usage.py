"""Which places the records of organizations name: a place is named by a base (its live cities and those of
its round records, in any of its countries) and by a tie whose partner is a city (as ``geocode_all`` files it).

A place named by another organization's records is theirs too: a clerk may not move it
(``Place.objects.restrict(user, "change")``).
"""
from registry.models import Agreement, Base, BaseRoundRecord, Partner
from registry.parsing.text import split_multi


def place_keys_named_outside(organization_ids):
    """{(country, name)} of the places records of organizations other than ``organization_ids`` name."""
    keys = set()
    for rows in (Base.objects.exclude(organization__in=organization_ids),
                 BaseRoundRecord.objects.exclude(base__organization__in=organization_ids)):
        for stored, cities in rows.order_by().values_list("countries", "cities").distinct():
            names = split_multi(cities)
            keys.update((code, name) for code in str(stored).split(",") if code for name in names)
    ties = Agreement.objects.exclude(organization__in=organization_ids).filter(partner__kind=Partner.Kind.CITY)
    for country, *names in ties.order_by().values_list(
            "partner__country", "partner__name_ja", "partner__name_en", "partner__name_native").distinct():
        first = next((name for name in names if name), None)
        if first:
            keys.add((str(country), first))
    return keys
