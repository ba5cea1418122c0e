"""The published sheet: the survey's own layout, written from a round's frozen figures (not from today's bases)."""
from registry.sheets.formats import survey_workbook_bytes
from registry.models import Base
from registry.sheets.survey.resource import SurveyBaseResource
from registry.survey.summary import reported_records

from registry.survey.records import COPIED_FIELDS


def as_sheet_row(record):
    """An unsaved base carrying what the round reported, so the sheet's own export writes it."""
    base = Base(organization=record.base.organization, number=record.base.number)
    for name in COPIED_FIELDS:
        setattr(base, name, getattr(record, name))
    return base


def sheet_order(base):
    return (base.organization.kind != "prefecture", base.organization.code, base.number)


class FrozenSheetResource(SurveyBaseResource):
    """The survey resource over a list of the round's rows instead of a queryset of bases."""

    def filter_export(self, queryset, **kwargs):
        return sorted(queryset, key=sheet_order)

    def before_export(self, queryset, **kwargs):
        order = []
        for base in queryset:
            if base.organization_id not in order:
                order.append(base.organization_id)
        self.org_numbers = {organization_id: index for index, organization_id in enumerate(order, 1)}


def published_sheet_xlsx(survey_round, user=None):
    records = reported_records(survey_round, user).select_related("base__organization", "contractor")
    dataset = FrozenSheetResource().export(queryset=[as_sheet_row(record) for record in records])
    return survey_workbook_bytes(dataset, survey_round.reference_date)
