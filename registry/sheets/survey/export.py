"""The survey sheet out: the same layout and headers, one row per active base, ready for the next round."""
from registry.models import Base, BaseStatus
from registry.sheets.survey.layout import survey_workbook_bytes
from registry.sheets.survey.resource import SurveyBaseResource


def survey_export_queryset(organization=None, queryset=None):
    bases = queryset if queryset is not None else Base.objects.all()
    bases = bases.filter(status=BaseStatus.ACTIVE)
    if organization is not None:
        bases = bases.filter(organization=organization)
    return bases


def export_survey_xlsx(queryset, reference_date=None):
    dataset = SurveyBaseResource().export(queryset=queryset)
    return survey_workbook_bytes(dataset, reference_date)
