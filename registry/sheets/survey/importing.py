"""Run a survey import from a file, as the command, the background job and the tests do (the admin's
small files go through the same engine via the resource)."""
import datetime

from registry.sheets.engine import preview_job, run_import
from registry.sheets.session import ImportSession
from registry.sheets.survey.plan import apply_survey_plan, plan_survey


def import_survey_file(content, file_name, survey_date, *, user=None, dry_run=False, conflicts="", expected=None,
                       progress=None):
    """Preview or apply one survey file (``engine.run_import``); returns the SurveyOutcome.

    ``conflicts`` decides bases the clerks already answered in the open round that the sheet changes:
    "sheet" or "clerk" wins; left empty, such a base is an error when applying (listed in the preview).
    """
    session = ImportSession(survey_date=survey_date, user=user, file_name=file_name, conflicts=conflicts)
    return run_import(session, plan_survey, apply_survey_plan, content, dry_run=dry_run, expected=expected,
                      progress=progress)


# -- the background job's two steps (registry/sheets/jobs.py) -------------------------------------------

def preview_upload(job, content, progress):
    """Plan the uploaded file; returns the outcome the preview shows and the file's hash."""
    session = ImportSession(survey_date=survey_date_of(job), user=job.user, file_name=job.file_name)
    return preview_job(session, plan_survey, content, progress)


def apply_upload(job, content, progress):
    """Apply the uploaded file as previewed (the job's options hold the preview's file hash and digest)."""
    return import_survey_file(content, job.file_name, survey_date_of(job), user=job.user,
                              conflicts=job.options.get("conflicts") or "", expected=job.options["expected"],
                              progress=progress)


def survey_date_of(job):
    return datetime.date.fromisoformat(job.options["survey_date"])
