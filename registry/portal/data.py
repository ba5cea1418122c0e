"""What the portal shows, computed from the published rounds only (and cached per state of the data)."""
from collections import Counter
from dataclasses import dataclass

from django_countries import countries as all_countries

from registry.geo.worldmap import Point
from registry.models import Agreement, Place
from registry.parsing.dates import Precision
from registry.parsing.text import split_multi
from registry.publishing import cached_publication, published_records, published_rounds
from registry.report import compare_rounds
from registry.summary import country_codes as stored_country_codes
from registry.summary import summarize


def country_name(code):
    return str(all_countries.name(code)) if code else ""


def country_codes(record):
    """A record's country codes (?? when it names none), as the summary reads them."""
    return stored_country_codes(",".join(str(code) for code in record.countries))


def bases_by_country(records):
    """{alpha-2: bases}, a base in several countries counting once in each (the survey's rule)."""
    return Counter(code for record in records for code in country_codes(record))


def city_points(records):
    """One point per located city, sized by its bases; a base's city is sought in each of its countries."""
    places = {(str(p.country), p.name): p for p in Place.objects.filter(latitude__isnull=False)}
    counts = Counter()
    for record in records:
        for city in split_multi(record.cities):
            place = next((places[(code, city)] for code in country_codes(record) if (code, city) in places), None)
            if place is not None:
                counts[place.pk] += 1
    by_pk = {place.pk: place for place in places.values()}
    return [
        Point(by_pk[pk].longitude, by_pk[pk].latitude, f"{by_pk[pk].name} ({count})", count, str(by_pk[pk].country))
        for pk, count in counts.most_common()
    ]


@dataclass
class Overview:
    survey_round: object
    records: list
    countries: Counter
    points: list


def round_overview(survey_round):
    def build():
        records = list(published_records(survey_round))
        return Overview(survey_round, records, bases_by_country(records), city_points(records))

    return cached_publication(f"portal:overview:{survey_round.pk}", build)


# -- trends across rounds -------------------------------------------------------------------


@dataclass
class Trend:
    slug: str
    header: list
    rows: list  # lists of cells, the first ``labels`` of them labels, then numbers
    labels: int = 1


def bases_per_country_trend():
    rounds = list(published_rounds().order_by("reference_date"))
    per_round = [bases_by_country(published_records(r)) for r in rounds]
    codes = sorted(set().union(*per_round), key=lambda c: (-sum(counts[c] for counts in per_round), c))
    header = ["国・地域コード", "国・地域"] + [f"{r.reference_date:%Y-%m-%d}" for r in rounds]
    rows = [[code, country_name(code)] + [counts.get(code, 0) for counts in per_round] for code in codes]
    return rounds, header, rows


def openings_trend():
    """Bases opened and closed since the previous published round; the first round has nothing to compare."""
    rounds = list(published_rounds().order_by("reference_date"))
    rows = []
    for previous, current in zip([None, *rounds], rounds):
        bases = summarize(published_records(current))["bases"]
        if previous is None:
            rows.append([f"{current.reference_date:%Y-%m-%d}", bases, None, None])
            continue
        comparison = compare_rounds(previous, current, None)
        rows.append([f"{current.reference_date:%Y-%m-%d}", bases, len(comparison.opened), len(comparison.closed)])
    return ["調査基準日", "拠点数", "新設", "廃止"], rows


def ties_by_decade():
    counts = Counter()
    undated = 0
    for signed_on, precision in Agreement.objects.values_list("signed_on", "signed_precision"):
        if signed_on is None or precision == Precision.UNKNOWN:
            undated += 1
        else:
            counts[signed_on.year // 10 * 10] += 1
    rows = [[f"{decade}年代", counts[decade]] for decade in sorted(counts)]
    return ["年代", "提携数"], rows, undated


def trends():
    def build():
        rounds, country_header, country_rows = bases_per_country_trend()
        opening_header, opening_rows = openings_trend()
        decade_header, decade_rows, undated = ties_by_decade()
        return {
            "rounds": rounds,
            "tables": {
                "bases-by-country": Trend("bases-by-country", country_header, country_rows, labels=2),
                "openings": Trend("openings", opening_header, opening_rows),
                "ties-by-decade": Trend("ties-by-decade", decade_header, decade_rows),
            },
            "undated_ties": undated,
        }

    return cached_publication("portal:trends", build)
