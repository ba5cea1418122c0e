"""Run a survey import from a file, as the command, the background job and the tests do (the admin's
small files go through the same engine via the resource)."""
import datetime

from registry.sheets.engine import OUTDATED, PreviewOutdated, Progress
from registry.sheets.session import ImportSession
from registry.sheets.survey.plan import apply_survey_plan, plan_survey


def import_survey_file(content, file_name, survey_date, *, user=None, dry_run=False, conflicts="", expected=None,
                       progress=None):
    """Preview (dry_run: plan only, nothing written) or apply one survey file; returns the SurveyOutcome.

    ``conflicts`` decides bases the clerks already answered in the open round that the sheet changes:
    "sheet" or "clerk" wins; left empty, such a base is an error when applying (listed in the preview).
    ``expected`` is the (file hash, plan digest) of the preview being confirmed: if the file or the registry
    no longer give that plan, ``PreviewOutdated`` is raised and nothing is written. ``progress`` is an
    ``engine.Progress``.
    """
    progress = progress or Progress()
    session = ImportSession(survey_date=survey_date, user=user, file_name=file_name, conflicts=conflicts)
    plan = plan_survey(content, file_name, session, progress.phase("planning"))
    if dry_run:
        return plan.outcome
    if expected is not None and expected[0] != session.sha256:
        raise PreviewOutdated(OUTDATED)
    return apply_survey_plan(plan, expected[1] if expected else None, progress.phase("writing"))


# -- the background job's two steps (registry/sheets/jobs.py) -------------------------------------------

def preview_upload(job, content, progress):
    """Plan the uploaded file; returns the outcome the preview shows and the file's hash."""
    session = ImportSession(survey_date=survey_date_of(job), user=job.user, file_name=job.file_name)
    plan = plan_survey(content, job.file_name, session, progress.phase("planning"))
    return plan.outcome, session.sha256


def apply_upload(job, content, progress):
    """Apply the uploaded file as previewed (the job's options hold the preview's file hash and digest)."""
    return import_survey_file(content, job.file_name, survey_date_of(job), user=job.user,
                              conflicts=job.options.get("conflicts") or "", expected=job.options["expected"],
                              progress=progress)


def survey_date_of(job):
    return datetime.date.fromisoformat(job.options["survey_date"])
