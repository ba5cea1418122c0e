"""Run a survey import from a file, as the command and the tests do (the admin goes through the same engine)."""
from registry.sheets.session import ImportSession
from registry.sheets.survey.plan import apply_survey_plan, plan_survey


def import_survey_file(content, file_name, survey_date, *, user=None, dry_run=False, conflicts=""):
    """Preview (dry_run: plan only, nothing written) or apply one survey file; returns the SurveyOutcome.

    ``conflicts`` decides bases the clerks already answered in the open round that the sheet changes:
    "sheet" or "clerk" wins; left empty, such a base is an error when applying (listed in the preview).
    """
    session = ImportSession(survey_date=survey_date, user=user, file_name=file_name, conflicts=conflicts)
    plan = plan_survey(content, file_name, session)
    if dry_run:
        return plan.outcome
    return apply_survey_plan(plan)
