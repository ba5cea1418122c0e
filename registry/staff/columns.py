"""The columns of the list pages' downloads: exactly the filtered rows, in the page's order.

The files themselves are written by ``registry.core.downloads`` (streamed, formulas neutralised, control characters
cleaned).
"""
from django.utils.translation import gettext_lazy as _

from registry.core.downloads import Column, choice_label, country_names
from registry.models import AgreementType, Base, BaseStatus, Contractor, OperatingForm, Organization
from registry.parsing.eras import format_fiscal_year


def home_prefecture_name(row):
    """``Organization.home_prefecture`` of a base's organization, from a row of values."""
    if row["organization__kind"] == Organization.Kind.PREFECTURE:
        return row["organization__name"]
    return row["organization__prefecture__name"] or ""


def field(name, convert=None):
    """A column reading one lookup of ``values()``, converted (blank for NULL unless ``convert`` says otherwise)."""
    if convert is None:
        return {"fields": (name,), "value": lambda row: blank_if_none(row[name])}
    return {"fields": (name,), "value": lambda row: convert(row[name])}


def blank_if_none(value):
    return "" if value is None else value


# Read with values(): no model instances for a 10,000-row download.
BASE_COLUMNS = (
    Column("organization_code", _("organization code"), **field("organization__code")),
    Column("organization", _("organization"), **field("organization__name")),
    Column("prefecture", _("prefecture"), home_prefecture_name,
           fields=("organization__kind", "organization__name", "organization__prefecture__name")),
    Column("number", _("base number"), **field("number")),
    Column("name", _("base name"), **field("name")),
    Column("countries", _("countries/regions"), **field("countries", country_names)),
    Column("cities", _("cities"), **field("cities")),
    Column("form", _("form"), **field("form", lambda value: choice_label(OperatingForm, value))),
    Column("form_detail", _("form detail"), **field("form_detail")),
    Column("contractor", _("contractor"), **field("contractor__name")),
    Column("host_agency", _("host agency"), **field("host_agency__name")),
    Column("joint_office", _("joint office"), **field("joint_office__name")),
    Column("established_fy", _("fiscal year established"), **field("established_fy", format_fiscal_year)),
    Column("department", _("department in charge"), **field("department")),
    Column("staff_dispatched", _("staff dispatched"), **field("staff_dispatched")),
    Column("staff_local", _("staff hired locally"), **field("staff_local")),
    Column("staff_total", _("staff total"), lambda row: Base.total_of(row["staff_dispatched"], row["staff_local"]),
           fields=("staff_dispatched", "staff_local")),
    Column("reason", _("reason for setting up"), **field("reason")),
    Column("activities", _("main activities"), **field("activities")),
    Column("url", _("URL"), **field("url")),
    Column("remarks", _("remarks"), **field("remarks")),
    Column("status", _("status"), **field("status", lambda value: choice_label(BaseStatus, value))),
    Column("closed_on", _("closing date"), **field("closed_on", lambda value: value.isoformat() if value else "")),
)

AGREEMENT_COLUMNS = (
    Column("organization_code", _("organization code"), lambda a: a.organization.code),
    Column("organization", _("organization"), lambda a: a.organization.name),
    Column("partner", _("partner"), lambda a: str(a.partner)),
    Column("partner_country", _("partner country/region"), lambda a: str(a.partner.country.name or "")),
    Column("agreement_type", _("type"), lambda a: choice_label(AgreementType, a.agreement_type)),
    Column("signed", _("signed"), lambda a: a.signed_display),
    Column("ends", _("ends"), lambda a: a.end_date.isoformat() if a.end_date else ""),
    Column("active", _("active"), lambda a: _("Active") if a.in_force else _("Ended")),
    Column("fields", _("fields of cooperation"), lambda a: a.fields),
    Column("intermediaries", _("intermediaries"), lambda a: a.intermediaries),
    Column("notes", _("notes"), lambda a: a.notes),
)

CONTRACTOR_COLUMNS = (
    Column("name", _("name"), lambda c: c.name),
    Column("kind", _("kind"), lambda c: choice_label(Contractor.Kind, c.kind)),
    Column("country", _("country/region"), lambda c: str(c.country.name or "")),
    Column("base_count", _("bases run"), lambda c: c.base_count),
    Column("notes", _("notes"), lambda c: c.notes),
)

