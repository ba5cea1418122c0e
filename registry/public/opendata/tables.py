"""The open data tables of one published round: their columns (with Table Schema types) and their rows.

One column list per table serves the CSV header, the rows and the ``datapackage.json`` schema, so the
three cannot disagree. Rules (総務省「機械判読に適したデータの作成」, 自治体標準オープンデータセット):
one datum per cell, numbers as numbers, Western years, ISO dates, the 6-digit 全国地方公共団体コード on
every row, IDs that are stable and never reused, no platform-dependent characters (① is written (1)).
"""
from dataclasses import dataclass, field
from typing import Callable

from django_countries import countries as all_countries

from registry.models import Agreement, BaseRoundRecord, OperatingForm, Organization
from registry.parsing.dates import format_partial_date_iso
from registry.parsing.text import split_multi
from registry.public.publishing import portable_text, published_records

CITY_JOIN = ";"
LG_CODE = {"pattern": "^[0-9]{6}$"}
ISO_PARTIAL_DATE = {"pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"}
PRECISIONS = ["day", "month", "year", "unknown"]


@dataclass
class Column:
    name: str
    type: str
    title: str
    value: Callable
    description: str = ""
    constraints: dict = field(default_factory=dict)

    def schema(self):
        described = {"name": self.name, "type": self.type, "title": self.title}
        if self.description:
            described["description"] = self.description
        if self.constraints:
            described["constraints"] = self.constraints
        return described


@dataclass
class Table:
    name: str
    title: str
    columns: list
    primary_key: list
    foreign_keys: list = field(default_factory=list)

    @property
    def path(self):
        return f"{self.name}.csv"

    @property
    def header(self):
        return [column.name for column in self.columns]

    def rows(self, items, cell=lambda value: value):
        """Each item's values, text made portable, each passed through ``cell``: a text repeated over thousands
        of rows (names, labels) is converted once."""
        texts = {}
        values = [column.value for column in self.columns]
        for item in items:
            row = []
            for value_of in values:
                value = value_of(item)
                if isinstance(value, str):
                    text = texts.get(value)
                    if text is None:
                        text = texts[value] = cell(portable_text(value))
                    row.append(text)
                else:
                    row.append(cell(value))
            yield row

    def schema(self):
        schema = {"fields": [column.schema() for column in self.columns], "primaryKey": self.primary_key,
                  "missingValues": [""]}
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return schema


def country_name(code):
    return str(all_countries.name(code)) if code else ""


def base_id(organization_code, base_pk):
    """A base's public ID: its organization code and its registry number, never given to another base."""
    return f"{organization_code}-B{base_pk:06d}"


def agreement_id(agreement):
    return f"{agreement.organization.code}-A{agreement.pk:06d}"


FORM_LABELS_JA = {
    OperatingForm.OWN_OFFICE: "独自事務所",
    OperatingForm.DISPATCHED: "機関等派遣",
    OperatingForm.CONTRACTED: "業務委託",
    OperatingForm.OTHER: "その他",
}

ORGANIZATIONS = Table(
    name="organizations",
    title="地方公共団体 / Local governments",
    primary_key=["全国地方公共団体コード"],
    columns=[
        Column("全国地方公共団体コード", "string", "Local government code", lambda o: o.code,
               constraints={"required": True, "unique": True, **LG_CODE}),
        Column("都道府県コード", "string", "Prefecture code", lambda o: o.home_prefecture.code,
               constraints={"required": True, **LG_CODE}),
        Column("都道府県名", "string", "Prefecture", lambda o: o.home_prefecture.name, constraints={"required": True}),
        Column("地方公共団体名", "string", "Local government", lambda o: o.name, constraints={"required": True}),
        Column("地方公共団体名_カナ", "string", "Name (kana)", lambda o: o.name_kana),
        Column("地方公共団体名_英字", "string", "Name (English)", lambda o: o.name_en),
        Column("団体区分", "string", "Kind", lambda o: o.kind,
               constraints={"required": True, "enum": [value for value, _label in Organization.Kind.choices]}),
    ],
)

BASES = Table(
    name="bases",
    title="海外拠点 / Overseas bases (one row per base and country/region)",
    primary_key=["拠点ID", "国・地域コード"],
    foreign_keys=[{"fields": ["全国地方公共団体コード"],
                   "reference": {"resource": "organizations", "fields": ["全国地方公共団体コード"]}}],
    columns=[
        Column("調査基準日", "date", "Reference date of the round", lambda r: r["survey_round__reference_date"],
               constraints={"required": True}),
        Column("全国地方公共団体コード", "string", "Local government code", lambda r: r["base__organization__code"],
               constraints={"required": True, **LG_CODE}),
        Column("地方公共団体名", "string", "Local government", lambda r: r["base__organization__name"],
               constraints={"required": True}),
        Column("拠点ID", "string", "Base ID", lambda r: base_id(r["base__organization__code"], r["base_id"]),
               description="Stable across rounds and never reused for another base.",
               constraints={"required": True, "pattern": "^[0-9]{6}-B[0-9]{6,}$"}),
        Column("拠点番号", "integer", "Number in the survey", lambda r: r["base__number"],
               constraints={"required": True, "minimum": 1}),
        Column("拠点名", "string", "Base name", lambda r: r["name"]),
        Column("国・地域コード", "string", "Country/region (ISO 3166-1 alpha-2)", lambda r: r["country"],
               constraints={"required": True, "pattern": "^[A-Z]{2}$"}),
        Column("国・地域名", "string", "Country/region", lambda r: r["country_name"],
               constraints={"required": True}),
        Column("都市", "string", "Cities", lambda r: r["city_list"],
               description="Cities as the round reported them, separated by ';' when several."),
        Column("拠点形態コード", "string", "Form (a-d)", lambda r: r["form"],
               constraints={"required": True, "enum": ["a", "b", "c", "d"]}),
        Column("拠点形態", "string", "Form", lambda r: FORM_LABELS_JA[r["form"]], constraints={"required": True}),
        Column("委託先・派遣先", "string", "Contractor or host body", lambda r: r["contractor__name"] or ""),
        Column("設置年度", "integer", "Fiscal year established", lambda r: r["established_fy"],
               constraints={"minimum": 1868, "maximum": 2200}),
        Column("派遣職員数", "integer", "Staff dispatched", lambda r: r["staff_dispatched"],
               description="Per base: a base in several countries repeats it on each row; count it once per 拠点ID.",
               constraints={"required": True, "minimum": 0}),
        Column("現地職員数", "integer", "Staff hired locally", lambda r: r["staff_local"],
               description="Per base, as 派遣職員数.", constraints={"required": True, "minimum": 0}),
        Column("職員数合計", "integer", "Staff in total",
               lambda r: BaseRoundRecord.total_of(r["staff_dispatched"], r["staff_local"]),
               description="Per base, as 派遣職員数.", constraints={"required": True, "minimum": 0}),
    ],
)

AGREEMENTS = Table(
    name="agreements",
    title="友好提携・姉妹都市 / Partnership agreements",
    primary_key=["提携ID"],
    foreign_keys=[{"fields": ["全国地方公共団体コード"],
                   "reference": {"resource": "organizations", "fields": ["全国地方公共団体コード"]}}],
    columns=[
        Column("全国地方公共団体コード", "string", "Local government code", lambda a: a.organization.code,
               constraints={"required": True, **LG_CODE}),
        Column("地方公共団体名", "string", "Local government", lambda a: a.organization.name,
               constraints={"required": True}),
        Column("提携ID", "string", "Agreement ID", agreement_id,
               constraints={"required": True, "unique": True, "pattern": "^[0-9]{6}-A[0-9]{6,}$"}),
        Column("相手先名", "string", "Partner (Japanese)", lambda a: a.partner.name_ja),
        Column("相手先名_現地語", "string", "Partner (native language)", lambda a: a.partner.name_native),
        Column("相手先名_英語", "string", "Partner (English)", lambda a: a.partner.name_en),
        Column("相手先種別", "string", "Partner kind", lambda a: a.partner.kind,
               constraints={"required": True, "enum": ["region", "city", "organization"]}),
        Column("相手国・地域コード", "string", "Partner country/region (ISO 3166-1 alpha-2)",
               lambda a: str(a.partner.country), constraints={"required": True, "pattern": "^[A-Z]{2}$"}),
        Column("相手国・地域名", "string", "Partner country/region", lambda a: country_name(str(a.partner.country))),
        Column("州・省", "string", "State/province", lambda a: a.partner.region),
        Column("提携種別", "string", "Type", lambda a: a.agreement_type,
               constraints={"required": True,
                            "enum": ["sister_city", "friendship", "mou", "economic", "other"]}),
        Column("提携日", "string", "Signed (ISO 8601, as precise as known)",
               lambda a: format_partial_date_iso(a.signed_on, a.signed_precision), constraints=ISO_PARTIAL_DATE),
        Column("提携日_精度", "string", "Precision of the signing date", lambda a: a.signed_precision,
               constraints={"required": True, "enum": PRECISIONS}),
        Column("終了日", "string", "Ends (ISO 8601, as precise as known)",
               lambda a: format_partial_date_iso(a.ends_on, a.ends_precision), constraints=ISO_PARTIAL_DATE),
        Column("終了日_精度", "string", "Precision of the end date", lambda a: a.ends_precision,
               constraints={"required": True, "enum": PRECISIONS}),
        Column("分野", "string", "Fields of cooperation", lambda a: a.fields),
        Column("出典", "string", "Source", lambda a: a.source_title),
        Column("出典URL", "string", "Source URL", lambda a: a.source_url),
    ],
)

TABLES = (BASES, AGREEMENTS, ORGANIZATIONS)


# What a row of bases.csv reads of a round's record, with values(): no model instances for 70,000 rows.
BASE_VALUES = ("survey_round__reference_date", "base__organization__code", "base__organization__name", "base_id",
               "base__number", "name", "countries", "cities", "form", "contractor__name", "established_fy",
               "staff_dispatched", "staff_local")


def base_rows(survey_round):
    """One row per base and country/region the round reported (a dict of ``BASE_VALUES`` with ``country``,
    ``country_name`` and ``city_list``), in the published records' order.

    Stored countries and cities repeat across thousands of records: each distinct text is read once.
    """
    countries_field = BaseRoundRecord._meta.get_field("countries")
    codes_of = {}
    names = {}
    for row in published_records(survey_round).values(*BASE_VALUES).iterator(chunk_size=5000):
        stored = row["countries"]
        codes = codes_of.get(stored)
        if codes is None:  # as the model field reads it: unique codes, sorted
            codes = codes_of[stored] = countries_field.get_clean_value(stored) or []
        city_list = CITY_JOIN.join(split_multi(row["cities"]))
        for code in codes:
            name = names.get(code)
            if name is None:
                name = names[code] = country_name(code)
            yield {**row, "country": code, "country_name": name, "city_list": city_list}


def public_agreements():
    """Ties are not surveyed by round: every package carries the registry's ties as they stand."""
    return Agreement.objects.select_related("organization", "partner").order_by("organization__code", "pk")


def table_items(survey_round):
    """Each table's items for one round; organizations are those the other two tables name."""
    bases = list(base_rows(survey_round))
    agreements = list(public_agreements())
    codes = {row["base__organization__code"] for row in bases} | {a.organization.code for a in agreements}
    organizations = Organization.objects.filter(code__in=codes).select_related("prefecture").order_by("code")
    return {BASES.name: bases, AGREEMENTS.name: agreements, ORGANIZATIONS.name: list(organizations)}
