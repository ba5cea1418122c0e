"""Run a survey import from a file, as the command and the tests do (the admin goes through the same resource)."""
from registry.sheets.survey.resource import SurveyBaseResource

from registry.sheets.reader import read_table
from registry.sheets.session import ImportSession
from registry.sheets.survey.layout import parse_survey_table, sheet_to_dataset


def read_survey_dataset(content, file_name=""):
    return sheet_to_dataset(parse_survey_table(read_table(content, file_name)))


def import_survey_file(content, file_name, survey_date, *, user=None, dry_run=False, conflicts=""):
    """Preview (dry_run) or apply one survey file; returns the SurveyOutcome.

    ``conflicts`` decides bases the clerks already answered in the open round that the sheet changes:
    "sheet" or "clerk" wins; left empty, such a base is an error (listed in the preview).
    """
    dataset = read_survey_dataset(content, file_name)
    session = ImportSession(survey_date=survey_date, user=user, file_name=file_name, conflicts=conflicts)
    outcome = SurveyBaseResource(session=session).import_data(dataset, dry_run=dry_run).outcome
    if dry_run:
        outcome.import_record = None
    return outcome
