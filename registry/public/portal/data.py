"""What the portal shows, computed from the published rounds only, by grouped queries, and cached per state
of the published data (``registry.public.publishing.Publication``).

Every figure is counted as the survey's summary counts it (registry/survey/summary.py): a base in several countries
counts once in each, only the records a round reports. Figures of one frozen round (or of two consecutive
rounds) are kept while that round's figures stand (``per_round_cached``): publishing a new round computes the
new round's, not the fifty before it; an empty cache costs one query for all of them.
"""
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import get_language
from django_countries import countries as all_countries

from registry.public.geo.worldmap import Point
from registry.models import Agreement, BaseRoundRecord, Place
from registry.parsing.dates import Precision
from registry.parsing.text import split_multi
from registry.public.publishing import per_round_cached, published_records
from registry.survey.summary import RoundCounts, country_codes, country_weight, reported, reported_records, summarize


def country_name(code):
    return str(all_countries.name(code)) if code else ""


def place_groups(records):
    """(stored countries, stored cities, records) of ``records``, grouped by the database."""
    return [(row["countries"], row["cities"], row["n"])
            for row in records.order_by().values("countries", "cities").annotate(n=Count("pk"))]


def bases_by_country(groups):
    """{alpha-2: bases} from ``place_groups``: a base in several countries counts once in each (the survey's rule)."""
    counts = Counter()
    for stored, _cities, n in groups:
        for code in country_codes(stored):
            counts[code] += n
    return counts


def city_points(groups):
    """One point per located city, sized by its bases; a base's city is sought in each of its countries."""
    places = {(str(p.country), p.name): p for p in Place.objects.filter(latitude__isnull=False)}
    counts = Counter()
    for stored, cities, n in groups:
        codes = country_codes(stored)
        for city in split_multi(cities):
            place = next((places[(code, city)] for code in codes if (code, city) in places), None)
            if place is not None:
                counts[place.pk] += n
    by_pk = {place.pk: place for place in places.values()}
    return [
        Point(by_pk[pk].longitude, by_pk[pk].latitude, f"{by_pk[pk].name} ({count})", count, str(by_pk[pk].country))
        for pk, count in counts.most_common()
    ]


@dataclass
class Overview:
    summary: dict
    countries: Counter  # {alpha-2 (or ??): bases}
    points: list


def round_overview(publication, survey_round):
    """A published round's summary, bases per country and city points (three grouped queries and the places),
    kept while the round's figures and the live tables (places among them) stand."""
    def build():
        counts = RoundCounts.of(reported_records(survey_round))
        return Overview(summarize(counts), counts.countries(), city_points(counts.places))

    return publication.round_cached(build, survey_round, "portal:overview")


def published_reported_records(publication):
    return reported(BaseRoundRecord.objects.filter(survey_round__in=[r.pk for r in publication.rounds]))


def countries_by_round(publication):
    """{round pk: {alpha-2: bases}} for every published round: one grouped query for the rounds not kept yet."""
    def build(missing):
        groups = defaultdict(list)
        for row in (reported(BaseRoundRecord.objects.filter(survey_round__in=[r.pk for r in missing])).order_by()
                    .values("survey_round", "countries").annotate(n=Count("pk"))):
            groups[row["survey_round"]].append((row["countries"], "", row["n"]))
        return {r.pk: bases_by_country(groups[r.pk]) for r in missing}

    return per_round_cached(build, "portal:round-countries", publication.rounds)


def country_records(survey_round, code):
    """The round's reported records in one country, in the list's order (a queryset: the page paginates it)."""
    return published_records(survey_round).filter(countries__contains=code)


def organization_history(publication, organization):
    """[(round, bases, staff)] of one organization across the published rounds, oldest first: one grouped query."""
    def build():
        rows = {
            row["survey_round"]: row
            for row in published_reported_records(publication).filter(base__organization=organization).order_by()
            .values("survey_round").annotate(n=Sum(country_weight()), dispatched=Sum("staff_dispatched"),
                                             local=Sum("staff_local"))
        }
        history = []
        for survey_round in reversed(publication.rounds):
            row = rows.get(survey_round.pk)
            history.append((survey_round, row["n"] if row else 0,
                            row["dispatched"] + row["local"] if row else 0))
        return history

    return publication.cached(build, "portal:organization-history", organization.pk)


def round_bases(rounds):
    """{round pk: the ids of the bases a published round reports (an array)}: one query for those not kept."""
    def build(missing):
        ids = {r.pk: array("q") for r in missing}
        records = reported(BaseRoundRecord.objects.filter(survey_round__in=[r.pk for r in missing])).order_by()
        for round_pk, base_id in records.values_list("survey_round", "base_id").iterator(chunk_size=20_000):
            ids[round_pk].append(base_id)
        return ids

    return per_round_cached(build, "portal:round-bases", rounds)


def openings_by_round(publication):
    """{round pk: (opened, closed)} against the previous published round, for every round but the first.

    Opened: reported now, not in the round before; closed: reported in the round before, not now (as
    ``compare_rounds`` counts them), from each round's reported bases.
    """
    rounds = list(reversed(publication.rounds))  # oldest first
    bases = round_bases(rounds)
    changes = {}
    earlier = None
    for previous, current in zip(rounds, rounds[1:]):
        earlier = earlier if earlier is not None else set(bases[previous.pk])
        now = set(bases[current.pk])
        kept = len(earlier & now)
        changes[current.pk] = (len(now) - kept, len(earlier) - kept)
        earlier = now
    return changes


# -- trends across rounds -------------------------------------------------------------------


@dataclass
class Trend:
    slug: str
    header: list
    rows: list  # lists of cells, the first ``labels`` of them labels, then numbers
    labels: int = 1


def bases_per_country_trend(publication, per_round):
    rounds = list(reversed(publication.rounds))
    counts = [per_round.get(r.pk, Counter()) for r in rounds]
    codes = sorted(set().union(*counts), key=lambda c: (-sum(n[c] for n in counts), c))
    header = ["国・地域コード", "国・地域"] + [f"{r.reference_date:%Y-%m-%d}" for r in rounds]
    rows = [[code, country_name(code)] + [n.get(code, 0) for n in counts] for code in codes]
    return header, rows


def openings_trend(publication, per_round):
    """Bases per round, and bases opened and closed since the previous published round (none for the first)."""
    changes = openings_by_round(publication)
    rows = []
    for survey_round in reversed(publication.rounds):
        bases = sum(per_round.get(survey_round.pk, Counter()).values())
        opened, closed = changes.get(survey_round.pk, (None, None))
        rows.append([f"{survey_round.reference_date:%Y-%m-%d}", bases, opened, closed])
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


def trends(publication):
    def build():
        per_round = countries_by_round(publication)
        country_header, country_rows = bases_per_country_trend(publication, per_round)
        opening_header, opening_rows = openings_trend(publication, per_round)
        decade_header, decade_rows, undated = ties_by_decade()
        return {
            "rounds": list(reversed(publication.rounds)),
            "tables": {
                "bases-by-country": Trend("bases-by-country", country_header, country_rows, labels=2),
                "openings": Trend("openings", opening_header, opening_rows),
                "ties-by-decade": Trend("ties-by-decade", decade_header, decade_rows),
            },
            "undated_ties": undated,
        }

    return publication.cached(build, "portal:trends", get_language())  # country names in the page's language
