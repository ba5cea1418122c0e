"""The survey report: the survey's own summary table, breakdowns with charts, and a comparison of two rounds.

Breakdowns count by the survey's rules (see registry/survey/summary.py): a base spanning
several countries/regions counts once per country/region, so every breakdown adds
up to the summary's 拠点数.
"""
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from registry.survey.charts import bar_chart_svg
from registry.models import Base, BaseRoundRecord, OperatingForm, Organization
from registry.parsing.eras import format_fiscal_year, short_era_code
from registry.survey.records import FIGURE_FIELDS
from registry.core.stamps import query_key
from registry.survey.summary import FIGURES, UNKNOWN, reported_records, round_counts, summarize


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


def survey_report(survey_round, user, prefecture=None):
    counts = round_counts(reported_records(survey_round, user, prefecture))
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
OPENED, CLOSED, CHANGED = "opened", "closed", "changed"


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


def records_sql(records, fields):
    """The SQL of ``records``' ``fields``; for a queryset that cannot match anything (a clerk of no organization),
    a query that returns no row."""
    try:
        return records.order_by().values_list(*fields).query.sql_with_params()
    except EmptyResultSet:
        return records.model.objects.filter(pk__isnull=True).values_list(*fields).query.sql_with_params()


def compared_pairs(old, new):
    """Pair the two rounds' records by base, in one query: {kind: (count, [(old id, new id), …])}.

    A base with a record only in ``new`` is opened, only in ``old`` closed, in both with any snapshot field
    different (an empty value equals only an empty value) changed. Every pair is counted; the first LISTED of
    each kind by organization code and base number are returned (their order is looked up for the pairs that differ,
    which is cheaper than joining every base to them). Portable SQL: PostgreSQL and SQLite ≥ 3.39 (FULL JOIN).
    """
    quote = connection.ops.quote_name
    fields = ("id", "base_id", *FIGURE_FIELDS)
    columns = [BaseRoundRecord._meta.get_field(name).column for name in fields]
    old_sql, old_params = records_sql(old, fields)
    new_sql, new_params = records_sql(new, fields)
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"  # NULL equals only NULL
    differs = "({}) {} ({})".format(", ".join(f"o.{c}" for c in map(quote, columns[2:])), distinct,
                                    ", ".join(f"n.{c}" for c in map(quote, columns[2:])))
    names = ", ".join(quote(column) for column in columns)
    base, organization = Base._meta, Organization._meta
    code, number = quote(organization.get_field("code").column), quote(base.get_field("number").column)
    base_table, organization_table = quote(base.db_table), quote(organization.db_table)
    base_pk, organization_pk = quote(base.pk.column), quote(organization.pk.column)
    organization = quote(base.get_field("organization").column)
    sql = f"""
        WITH o ({names}) AS NOT MATERIALIZED ({old_sql}), n ({names}) AS NOT MATERIALIZED ({new_sql}),
        pairs (kind, base_id, old_id, new_id) AS (
            SELECT CASE WHEN o.id IS NULL THEN '{OPENED}' WHEN n.id IS NULL THEN '{CLOSED}'
                        WHEN {differs} THEN '{CHANGED}' END,
                   COALESCE(n.base_id, o.base_id), o.id, n.id
            FROM n FULL JOIN o ON o.base_id = n.base_id
        ),
        ranked AS (
            SELECT kind, old_id, new_id, COUNT(*) OVER (PARTITION BY kind) AS total,
                ROW_NUMBER() OVER (PARTITION BY kind ORDER BY
                    (SELECT org.{code} FROM {base_table} b
                     JOIN {organization_table} org ON org.{organization_pk} = b.{organization}
                     WHERE b.{base_pk} = pairs.base_id),
                    (SELECT b.{number} FROM {base_table} b WHERE b.{base_pk} = pairs.base_id)) AS position
            FROM pairs
            WHERE kind IS NOT NULL
        )
        SELECT kind, old_id, new_id, total FROM ranked WHERE position <= %s ORDER BY kind, position
    """
    found = {kind: (0, []) for kind in (OPENED, CLOSED, CHANGED)}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*old_params, *new_params, LISTED])
        for kind, old_id, new_id, total in cursor.fetchall():
            found[kind] = (total, found[kind][1] + [(old_id, new_id)])
    return found


def compare_rounds(survey_round, other_round, user, summary=None, prefecture=None):
    """What changed between two rounds, whichever is given first: opened, closed, changed, side-by-side totals.

    The records are paired, counted and selected in one query (``compared_pairs``); at most LISTED records of
    each kind are loaded, in one more. ``summary`` is ``survey_round``'s own summary when the caller has it
    already (the report page), so it is not counted twice. ``prefecture`` narrows both rounds as the report is.
    """
    older, newer = sorted((survey_round, other_round), key=lambda r: r.reference_date)
    old, new = reported_records(older, user, prefecture), reported_records(newer, user, prefecture)
    summaries = {survey_round: summary} if summary is not None else {}
    pairs = FIGURES.cached(lambda: compared_pairs(old, new), "compared-pairs", LISTED, query_key(old), query_key(new))
    wanted = {pk for _count, listed in pairs.values() for pair in listed for pk in pair if pk is not None}
    records = BaseRoundRecord.objects.select_related("base__organization").in_bulk(wanted)
    listed = {kind: [(records.get(old_id), records.get(new_id)) for old_id, new_id in items]
              for kind, (_count, items) in pairs.items()}
    return Comparison(
        older=older,
        newer=newer,
        opened=[new_record for _old, new_record in listed[OPENED]],
        closed=[old_record for old_record, _new in listed[CLOSED]],
        changed=[(old_record, new_record, changed_fields(old_record, new_record))
                 for old_record, new_record in listed[CHANGED]],
        rows=side_by_side(summary_rows(summaries.get(older) or summarize(old)),
                          summary_rows(summaries.get(newer) or summarize(new))),
        opened_count=pairs[OPENED][0],
        closed_count=pairs[CLOSED][0],
        changed_count=pairs[CHANGED][0],
    )


def side_by_side(old_rows, new_rows):
    rows = []
    for (label, old_value), (_label, new_value) in zip(old_rows, new_rows):
        difference = round(new_value - old_value, 1)
        rows.append((label, old_value, new_value, difference))
    return rows
