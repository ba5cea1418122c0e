"""The columns of the list pages' downloads: exactly the filtered rows, in the page's order.

The files themselves are written by ``registry.downloads`` (streamed, formulas neutralised, control characters
cleaned).
"""
from django.utils.translation import gettext_lazy as _

from registry.downloads import Column, choice_label, country_names, stored_codes
from registry.models import AgreementType, BaseStatus, Contractor, OperatingForm
from registry.parsing.eras import format_fiscal_year


def name_or_blank(related):
    return str(related) if related is not None else ""


BASE_COLUMNS = (
    Column("organization_code", _("organization code"), lambda b: b.organization.code),
    Column("organization", _("organization"), lambda b: b.organization.name),
    Column("prefecture", _("prefecture"), lambda b: name_or_blank(b.organization.home_prefecture)),
    Column("number", _("base number"), lambda b: b.number),
    Column("name", _("base name"), lambda b: b.name),
    Column("countries", _("countries/regions"), lambda b: country_names(stored_codes(b))),
    Column("cities", _("cities"), lambda b: b.cities),
    Column("form", _("form"), lambda b: choice_label(OperatingForm, b.form)),
    Column("form_detail", _("form detail"), lambda b: b.form_detail),
    Column("contractor", _("contractor"), lambda b: name_or_blank(b.contractor)),
    Column("host_agency", _("host agency"), lambda b: name_or_blank(b.host_agency)),
    Column("joint_office", _("joint office"), lambda b: name_or_blank(b.joint_office)),
    Column("established_fy", _("fiscal year established"), lambda b: format_fiscal_year(b.established_fy)),
    Column("department", _("department in charge"), lambda b: b.department),
    Column("staff_dispatched", _("staff dispatched"), lambda b: b.staff_dispatched),
    Column("staff_local", _("staff hired locally"), lambda b: b.staff_local),
    Column("staff_total", _("staff total"), lambda b: b.staff_total),
    Column("reason", _("reason for setting up"), lambda b: b.reason),
    Column("activities", _("main activities"), lambda b: b.activities),
    Column("url", _("URL"), lambda b: b.url),
    Column("remarks", _("remarks"), lambda b: b.remarks),
    Column("status", _("status"), lambda b: choice_label(BaseStatus, b.status)),
    Column("closed_on", _("closing date"), lambda b: b.closed_on.isoformat() if b.closed_on else ""),
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

