"""The survey report: the survey's own summary table, breakdowns with charts, and a comparison of two rounds.

Breakdowns count by the survey's rules (see registry/summary.py): a base spanning
several countries/regions counts once per country/region, so every breakdown adds
up to the summary's 拠点数.
"""
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from registry.charts import bar_chart_svg
from registry.models import BaseRoundRecord, OperatingForm
from registry.parsing.eras import format_fiscal_year, short_era_code
from registry.rounds.records import FIGURE_FIELDS
from registry.summary import UNKNOWN, RoundCounts, reported_records, summarize


@dataclass
class Breakdown:
    title: str
    rows: list  # (label, count)
    chart: str

    @property
    def total(self):
        return sum(count for _label, count in self.rows)


def breakdown(title, rows, chart_labels=None):
    chart_rows = list(zip(chart_labels, [count for _label, count in rows])) if chart_labels else rows
    return Breakdown(title=title, rows=rows, chart=bar_chart_svg(chart_rows, title=title))


def by_country(counts):
    rows = sorted(counts.countries().items(), key=lambda item: (-item[1], item[0]))
    return [(country_or_unknown(code), n) for code, n in rows]


def country_or_unknown(code):
    return (code != UNKNOWN and all_countries.name(code)) or _("Unknown")


def by_form(summary):
    labels = dict(OperatingForm.choices)
    return [(str(labels[letter]), summary["forms"][letter]) for letter in "abcd"]


def by_prefecture(counts):
    prefectures = counts.prefectures()
    return [(prefecture.name, prefectures[prefecture]) for prefecture in sorted(prefectures, key=lambda p: p.code)]


def by_established_year(counts):
    years = counts.years()
    known = sorted(year for year in years if year is not None)
    rows = [(year, years[year]) for year in known]
    if None in years:
        rows.append((None, years[None]))
    return rows


def year_label(year):
    return format_fiscal_year(year) if year is not None else _("Unknown")


def year_chart_label(year):
    return f"{year} ({short_era_code(year)})" if year is not None else _("Unknown")


def survey_report(survey_round, user):
    counts = RoundCounts.of(reported_records(survey_round, user))
    summary = summarize(counts)
    years = by_established_year(counts)
    return {
        "summary": summary,
        "summary_rows": summary_rows(summary),
        "breakdowns": [
            breakdown(_("Bases by country/region"), by_country(counts)),
            breakdown(_("Bases by form"), by_form(summary)),
            breakdown(_("Bases by prefecture"), by_prefecture(counts)),
            breakdown(
                _("Bases by fiscal year established"),
                [(year_label(year), count) for year, count in years],
                chart_labels=[year_chart_label(year) for year, _count in years],
            ),
        ],
    }


def summary_rows(summary):
    """The survey's own table, labelled as the survey labels it."""
    forms = summary["forms"]
    return [
        ("自治体数", summary["organizations"]),
        ("拠点数", summary["bases"]),
        ("設置国・地域数", summary["countries"]),
        ("設置都市数", summary["cities"]),
        ("形態別拠点数 a", forms["a"]),
        ("形態別拠点数 b", forms["b"]),
        ("形態別拠点数 c", forms["c"]),
        ("形態別拠点数 d", forms["d"]),
        ("職員数 計", summary["staff"]["total"]),
        ("職員数 派遣", summary["staff"]["dispatched"]),
        ("職員数 現地", summary["staff"]["local"]),
        ("平均職員数 計", summary["average"]["total"]),
        ("平均職員数 派遣", summary["average"]["dispatched"]),
        ("平均職員数 現地", summary["average"]["local"]),
    ]


# -- comparison of two rounds --------------------------------------------------------------


def field_label(name):
    return str(BaseRoundRecord._meta.get_field(name.removesuffix("_id")).verbose_name)


def changed_fields(older, newer):
    return [field_label(name) for name in FIGURE_FIELDS if getattr(older, name) != getattr(newer, name)]


LISTED = 200  # records listed per comparison group; the counts are always complete


@dataclass
class Comparison:
    older: object
    newer: object
    opened: list  # the first LISTED records, by organization code and base number
    closed: list
    changed: list  # (older record, newer record, changed field labels)
    rows: list  # (label, older value, newer value, difference)
    opened_count: int = 0
    closed_count: int = 0
    changed_count: int = 0


def comparable(records):
    """Records with their snapshot fields under names a subquery can compare (NULL compared as -1)."""
    return records.annotate(
        same_contractor=Coalesce("contractor_id", Value(-1)), same_year=Coalesce("established_fy", Value(-1))
    )


def changed_records(old, new):
    """Records of ``new`` whose base has a record in ``old`` with any snapshot field different."""
    fields = [name for name in FIGURE_FIELDS if name not in ("contractor_id", "established_fy")]
    same = comparable(old).filter(
        base_id=OuterRef("base_id"),
        same_contractor=OuterRef("same_contractor"),
        same_year=OuterRef("same_year"),
        **{name: OuterRef(name) for name in fields},
    )
    return comparable(new).filter(base_id__in=old.values("base_id")).exclude(Exists(same))


def first_listed(records):
    return records.order_by("base__organization__code", "base__number")[:LISTED]


def listed_key(record):
    return (record.base.organization.code, record.base.number)


def listed(records, count):
    """The first LISTED records by organization code and base number.

    When all of them fit, they are fetched without ORDER BY … LIMIT and sorted here: with a LIMIT, PostgreSQL walks
    every base in organization order looking for rows of a set that may hold none (0.6–1 s at 100,000 bases),
    while without it it joins the two rounds by hash. One query either way.
    """
    records = records.select_related("base__organization")
    if count > LISTED:
        return list(first_listed(records))
    return sorted(records.order_by(), key=listed_key)


def compare_rounds(survey_round, other_round, user, summary=None):
    """What changed between two rounds, whichever is given first: opened, closed, changed, side-by-side totals.

    Counted and selected by the database; at most LISTED records of each kind are loaded. ``summary`` is
    ``survey_round``'s own summary when the caller has it already (the report page), so it is not counted twice.
    """
    older, newer = sorted((survey_round, other_round), key=lambda r: r.reference_date)
    old, new = reported_records(older, user), reported_records(newer, user)
    summaries = {survey_round: summary} if summary is not None else {}
    opened = new.exclude(base_id__in=old.values("base_id"))
    closed = old.exclude(base_id__in=new.values("base_id"))
    changed = changed_records(old, new)
    opened_count, closed_count, changed_count = opened.count(), closed.count(), changed.count()
    changed_new = listed(changed, changed_count)
    changed_bases = changed if changed_count <= LISTED else first_listed(changed)
    changed_old = {record.base_id: record for record in old.filter(base_id__in=changed_bases.values("base_id"))}
    return Comparison(
        older=older,
        newer=newer,
        opened=listed(opened, opened_count),
        closed=listed(closed, closed_count),
        changed=[(changed_old[record.base_id], record, changed_fields(changed_old[record.base_id], record))
                 for record in changed_new],
        rows=side_by_side(summary_rows(summaries.get(older) or summarize(old)),
                          summary_rows(summaries.get(newer) or summarize(new))),
        opened_count=opened_count,
        closed_count=closed_count,
        changed_count=changed_count,
    )


def side_by_side(old_rows, new_rows):
    rows = []
    for (label, old_value), (_label, new_value) in zip(old_rows, new_rows):
        difference = round(new_value - old_value, 1)
        rows.append((label, old_value, new_value, difference))
    return rows
