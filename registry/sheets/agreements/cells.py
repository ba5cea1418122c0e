"""Reading the cells of one agreement row: type, partner kind, dates, renewals, source, and the free-text tie.

Every reader raises ValueProblem with a message for the user; ``read_tie_row`` collects them per column so
a row reports all its problems at once.
"""
import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from registry.models import AgreementType, Partner
from registry.parsing.countries import country_code
from registry.parsing.dates import (
    DateParseError,
    Precision,
    format_partial_date_iso,
    parse_partial_date,
    period_end,
)
from registry.parsing.ties import TieParseError, agreement_type, parse_tie

from registry.sheets.agreements.layout import LABELS
from registry.sheets.values import ValueProblem

TYPE_LABELS = {
    AgreementType.SISTER_CITY: "姉妹都市",
    AgreementType.FRIENDSHIP: "友好提携",
    AgreementType.MOU: "MOU",
    AgreementType.ECONOMIC: "経済交流協定",
    AgreementType.OTHER: "その他",
}
KIND_LABELS = {
    Partner.Kind.REGION: "地域",
    Partner.Kind.CITY: "都市",
    Partner.Kind.ORGANIZATION: "団体",
}
KIND_WORDS = {
    Partner.Kind.REGION: ("地域", "州", "省", "県", "州・省", "地方", "REGION", "STATE", "PROVINCE"),
    Partner.Kind.CITY: ("都市", "市", "CITY"),
    Partner.Kind.ORGANIZATION: ("団体", "機関", "ORGANIZATION", "BODY"),
}
ORGANIZATION_NAME_WORDS = ("会議所", "協会", "機構", "オフィス", "事務所", "大学", "公社", "chamber", "office",
                           "association", "organization", "organisation", "university", "agency", "ihk")
LANGUAGE_WORDS = {"日本語": "ja", "英語": "en", "ベトナム語": "vi", "中国語": "zh", "韓国語": "ko",
                  "ドイツ語": "de", "フランス語": "fr", "スペイン語": "es", "ポルトガル語": "pt"}
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")
RENEWAL_SEPARATOR = re.compile(r"[;\n、]+")
RENEWAL_RANGE = re.compile(r"\s*[~〜]\s*")


def read_type(text):
    """(type, notice): 「姉妹都市提携」 is a sister city; wording we do not know is その他 with a notice."""
    if not text:
        raise ValueProblem(_("the type is missing: write %(types)s") % {"types": "、".join(TYPE_LABELS.values())})
    for code, label in TYPE_LABELS.items():
        if text.casefold() == label.casefold():
            return code, ""
    code = agreement_type(text)
    notice = "" if code != AgreementType.OTHER else _("「%(text)s」 was read as %(other)s") % {
        "text": text, "other": TYPE_LABELS[AgreementType.OTHER]}
    return code, notice


def read_partner_kind(text):
    if not text:
        return None  # a new partner's kind is then guessed from its name
    key = text.replace(" ", "").upper()
    for kind, words in KIND_WORDS.items():
        if key in words:
            return kind
    raise ValueProblem(_("「%(text)s」 is not a kind of partner: write %(kinds)s")
                       % {"text": text, "kinds": "、".join(KIND_LABELS.values())})


def guess_partner_kind(names):
    """For a new partner whose kind the sheet does not give: a city by its name, a body by its words."""
    folded = [name.casefold() for name in names if name]
    if any(word in name for name in folded for word in ORGANIZATION_NAME_WORDS):
        return Partner.Kind.ORGANIZATION
    if any(name.endswith(("市", "city")) for name in folded):
        return Partner.Kind.CITY
    return Partner.Kind.REGION


def read_date(text):
    try:
        return parse_partial_date(text)
    except DateParseError as error:
        raise ValueProblem(str(error)) from error


@dataclass(frozen=True)
class RenewalEntry:
    renewed_on: datetime.date = None
    renewed_precision: str = Precision.UNKNOWN
    valid_until: datetime.date = None

    def as_cell(self):
        renewed = format_partial_date_iso(self.renewed_on, self.renewed_precision)
        return f"{renewed}~{self.valid_until.isoformat()}" if self.valid_until else renewed


def read_renewals(text):
    """「2005-10-29~2008-10-28; 2008-10-29~2011-10-28」: renewal date, and the date it runs to, per renewal."""
    items = (unicodedata.normalize("NFKC", item).strip() for item in RENEWAL_SEPARATOR.split(text or ""))
    entries = [read_renewal(item) for item in items if item]
    return sorted(entries, key=renewal_order)


def read_renewal(item):
    parts = RENEWAL_RANGE.split(item, maxsplit=1)
    renewed_on, precision = read_date(parts[0])
    valid_until = None
    if len(parts) == 2 and parts[1]:
        until, until_precision = read_date(parts[1])
        valid_until = period_end(until, until_precision)  # 「2008年10月まで」 runs to the month's last day
    if renewed_on is None and valid_until is None:
        raise ValueProblem(_("「%(item)s」 gives neither a renewal date nor a date it runs to") % {"item": item})
    if renewed_on is not None and valid_until is not None and valid_until < renewed_on:
        raise ValueProblem(_("「%(item)s」 runs out before it was renewed") % {"item": item})
    return RenewalEntry(renewed_on, precision, valid_until)


def renewal_order(entry):
    return (entry.renewed_on or entry.valid_until or datetime.date.min, entry.valid_until or datetime.date.max)


def renewals_cell(renewals):
    entries = sorted((RenewalEntry(r.renewed_on, r.renewed_precision, r.valid_until) for r in renewals),
                     key=renewal_order)
    return "; ".join(entry.as_cell() for entry in entries)


def read_language(text):
    code = LANGUAGE_WORDS.get(text, text.lower())
    if not LANGUAGE_CODE.fullmatch(code):
        raise ValueProblem(_("「%(text)s」 is not a language: write a code such as ja, en, vi") % {"text": text})
    return code


def read_url(text):
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError as error:
        raise ValueProblem(_("「%(text)s」 is not a web address (http://… or https://…)") % {"text": text}) from error
    return text


@dataclass
class TieRow:
    """What one row says, each value None when its column is absent (the registry's value is then kept)."""

    number: object
    org_code: str = ""
    org_name: str = ""
    partner_names: dict = field(default_factory=dict)  # name_ja / name_native / name_en → text
    country: str = None
    region: str = None
    partner_kind: str = None
    agreement_type: str = None
    signed: tuple = None
    ends: tuple = None
    renewals: list = None
    texts: dict = field(default_factory=dict)  # column key (= model attribute) → text, for the columns present
    errors: dict = field(default_factory=dict)  # column key → [messages]
    notices: list = field(default_factory=list)

    def add_error(self, key, message):
        self.errors.setdefault(key, []).append(str(message))


TEXT_COLUMNS = ("fields", "intermediaries", "source_title", "notes")  # each key is also the model attribute
NAME_COLUMNS = {"partner_ja": "name_ja", "partner_native": "name_native", "partner_en": "name_en"}


def read_tie_row(number, cells, present):
    """Read a dataset row (label → text) into a TieRow; the free-text tie fills what the columns leave empty."""
    row = TieRow(number=number, org_code=cells.get("org_code", ""), org_name=cells.get("org_name", ""))
    row.partner_names = {attribute: cells.get(key, "") for key, attribute in NAME_COLUMNS.items()}
    read_into(row, "country", lambda: require_country(cells["country"]) if cells["country"] else "", present)
    read_into(row, "region", lambda: cells["region"], present)
    read_into(row, "partner_kind", lambda: read_partner_kind(cells["partner_kind"]), present)
    read_into(row, "signed", lambda: read_date(cells["signed"]), present)
    read_into(row, "ends", lambda: read_date(cells["ends"]), present)
    read_into(row, "renewals", lambda: read_renewals(cells["renewals"]), present)
    if "agreement_type" in present and cells["agreement_type"]:
        try:
            row.agreement_type, notice = read_type(cells["agreement_type"])
            if notice:
                row.notices.append(notice)
        except ValueProblem as problem:
            row.add_error("agreement_type", problem)
    for key in TEXT_COLUMNS:
        if key in present:
            row.texts[key] = cells[key]
    if "source_url" in present:
        read_text_into(row, "source_url", read_url, cells)
    if "source_language" in present:
        read_text_into(row, "source_language", read_language, cells)
    if cells.get("tie"):
        fill_from_tie(row, cells["tie"])
    check_required(row, present)
    return row


def read_into(row, key, reader, present):
    if key not in present:
        return
    try:
        setattr(row, key, reader())
    except ValueProblem as problem:
        row.add_error(key, problem)


def read_text_into(row, key, reader, cells):
    text = cells[key]
    try:
        row.texts[key] = reader(text) if text else ""
    except ValueProblem as problem:
        row.add_error(key, problem)


def require_country(text):
    code = country_code(text)
    if code is None:
        raise ValueProblem(_("unknown country or region 「%(text)s」") % {"text": text})
    return code


def fill_from_tie(row, text):
    """「バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)」 gives partner, country, region, date, type."""
    try:
        tie = parse_tie(text)
    except TieParseError as error:
        row.add_error("tie", error)
        return
    if not row.partner_names["name_ja"]:
        row.partner_names["name_ja"] = tie.partner_name
    if not row.country:
        if tie.country_code is None:
            row.add_error("tie", _("the country of 「%(text)s」 is not recognised: write it in the column %(column)s")
                          % {"text": text, "column": LABELS["country"]})
        row.country = tie.country_code or row.country
    if not row.region and tie.region:
        row.region = tie.region
    if not (row.signed and row.signed[0]) and tie.signed:
        row.signed = (tie.signed, tie.precision)
    if not row.agreement_type:
        row.agreement_type = tie.agreement_type


def check_required(row, present):
    organization_key = "org_name" if "org_name" in present else "org_code"
    if not (row.org_code or row.org_name):
        row.add_error(organization_key, _("the organization is missing"))
    partner_key = "partner_ja" if "partner_ja" in present else "tie"
    if not any(row.partner_names.values()) and "tie" not in row.errors:
        row.add_error(partner_key, _("the partner is missing"))
    if not row.country and "country" not in row.errors and "tie" not in row.errors:
        row.add_error("country" if "country" in present else "tie", _("the partner's country or region is missing"))
    if not row.agreement_type and "agreement_type" not in row.errors and "tie" not in row.errors:
        row.add_error("agreement_type" if "agreement_type" in present else "tie",
                      _("the type is missing: write %(types)s") % {"types": "、".join(TYPE_LABELS.values())})
