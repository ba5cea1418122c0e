"""The survey report: the survey's own summary table, breakdowns with charts, and a comparison of two rounds.

Breakdowns count by the survey's rules (see registry/summary.py): a base spanning
several countries/regions counts once per country/region, so every breakdown adds
up to the summary's 拠点数.
"""
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from registry.charts import bar_chart_svg
from registry.models import BaseRoundRecord, OperatingForm
from registry.parsing.eras import format_fiscal_year, short_era_code
from registry.rounds.records import FIGURE_FIELDS
from registry.summary import reported_records, summarize, survey_summary

UNKNOWN = "??"


@dataclass
class Breakdown:
    title: str
    rows: list  # (label, count)
    chart: str

    @property
    def total(self):
        return sum(count for _label, count in self.rows)


def report_records(survey_round, user):
    return list(reported_records(survey_round, user).select_related("base__organization__prefecture"))


def country_codes(record):
    return [str(code) for code in record.countries] or [UNKNOWN]


def weight(record):
    """How many times the survey counts this base: once per country/region."""
    return len(country_codes(record))


def breakdown(title, rows, chart_labels=None):
    chart_rows = list(zip(chart_labels, [count for _label, count in rows])) if chart_labels else rows
    return Breakdown(title=title, rows=rows, chart=bar_chart_svg(chart_rows, title=title))


def by_country(records):
    counts = Counter(code for record in records for code in country_codes(record))
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(country_label(code), n) for code, n in rows]


def country_label(code):
    return (code != UNKNOWN and all_countries.name(code)) or _("Unknown")


def by_form(summary):
    labels = dict(OperatingForm.choices)
    return [(str(labels[letter]), summary["forms"][letter]) for letter in "abcd"]


def by_prefecture(records):
    counts = Counter()
    prefectures = {}
    for record in records:
        prefecture = record.base.organization.home_prefecture
        prefectures[prefecture.pk] = prefecture
        counts[prefecture.pk] += weight(record)
    ordered = sorted(counts, key=lambda pk: prefectures[pk].code)
    return [(prefectures[pk].name, counts[pk]) for pk in ordered]


def by_established_year(records):
    counts = Counter()
    for record in records:
        counts[record.established_fy] += weight(record)
    known = sorted(year for year in counts if year is not None)
    rows = [(year, counts[year]) for year in known]
    if None in counts:
        rows.append((None, counts[None]))
    return rows


def year_label(year):
    return format_fiscal_year(year) if year is not None else _("Unknown")


def year_chart_label(year):
    return f"{year} ({short_era_code(year)})" if year is not None else _("Unknown")


def survey_report(survey_round, user):
    summary = survey_summary(survey_round, user=user)
    records = report_records(survey_round, user)
    years = by_established_year(records)
    return {
        "summary": summary,
        "summary_rows": summary_rows(summary),
        "breakdowns": [
            breakdown(_("Bases by country/region"), by_country(records)),
            breakdown(_("Bases by form"), by_form(summary)),
            breakdown(_("Bases by prefecture"), by_prefecture(records)),
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


@dataclass
class Comparison:
    older: object
    newer: object
    opened: list
    closed: list
    changed: list  # (older record, newer record, changed field labels)
    rows: list  # (label, older value, newer value, difference)


def compare_rounds(survey_round, other_round, user):
    """What changed between two rounds, whichever is given first: opened, closed, changed, side-by-side totals."""
    older, newer = sorted((survey_round, other_round), key=lambda r: r.reference_date)
    old = {record.base_id: record for record in report_records(older, user)}
    new = {record.base_id: record for record in report_records(newer, user)}
    changed = []
    for base_id in sorted(old.keys() & new.keys(), key=lambda pk: new[pk].base.organization.code):
        fields = changed_fields(old[base_id], new[base_id])
        if fields:
            changed.append((old[base_id], new[base_id], fields))
    old_summary, new_summary = summarize(old.values()), summarize(new.values())
    return Comparison(
        older=older,
        newer=newer,
        opened=sorted((new[pk] for pk in new.keys() - old.keys()), key=record_order),
        closed=sorted((old[pk] for pk in old.keys() - new.keys()), key=record_order),
        changed=changed,
        rows=side_by_side(summary_rows(old_summary), summary_rows(new_summary)),
    )


def record_order(record):
    return (record.base.organization.code, record.base.number)


def side_by_side(old_rows, new_rows):
    rows = []
    for (label, old_value), (_label, new_value) in zip(old_rows, new_rows):
        difference = round(new_value - old_value, 1)
        rows.append((label, old_value, new_value, difference))
    return rows
