"""Long imports as background tasks (django-tasks): a file over IMPORT_BACKGROUND_ROWS rows is previewed and
applied by the tasks worker while the page polls the job's progress; small files stay in the request.

A job names a sheet kind and a step: ``plan`` (the preview: read and plan, no writes) or ``apply`` (re-plan,
check it is the previewed plan, write). Each kind is a module with ``preview_upload(job, content, progress)``
→ (outcome, file hash) and ``apply_upload(job, content, progress)`` → outcome, running on the same engine as
the synchronous path; ``progress`` is an ``engine.Progress`` whose callbacks the planners and appliers call.
"""
import datetime
import importlib
import os
import socket
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django_tasks import task

from registry.models import ImportJob
from registry.core.locks import ProcessLock, is_held
from registry.sheets.engine import ImportBusy, PreviewOutdated, Progress, plan_fingerprint
from registry.sheets.outcome import outcome_from_data
from registry.sheets.reader import SheetLayoutError, SheetReadError, estimate_rows
from registry.sheets.uploads import upload_storage

# sheet kind → the module with its two steps
KINDS = {
    "survey": "registry.sheets.survey.importing",
    "agreements": "registry.sheets.agreements.plan",
    "contractors": "registry.sheets.contractors",
}

PHASES = {
    "queued": gettext_lazy("Waiting for the worker"),
    "reading": gettext_lazy("Reading the file"),
    "planning": gettext_lazy("Checking the rows"),
    "writing": gettext_lazy("Writing to the registry"),
    "done": gettext_lazy("Finished"),
}
# Errors that explain themselves to the user; anything else is reported as an unexpected failure.
EXPLAINED = (SheetReadError, SheetLayoutError, ImportBusy, PreviewOutdated)
# A waiting job not taken for this long was left for a worker that never started. A running job is alive as
# long as its worker holds the job's lock (``worker_lock``): a worker that died lets it go at once.
STALE_JOB = datetime.timedelta(hours=1)
UNFINISHED = (ImportJob.State.QUEUED, ImportJob.State.RUNNING)


def runs_in_background(content):
    """A file of more than IMPORT_BACKGROUND_ROWS rows (or whose size cannot be told cheaply) is a job."""
    rows = estimate_rows(content)
    return rows is None or rows > settings.IMPORT_BACKGROUND_ROWS


def start_job(*, kind, step, user, file_name, upload_name, options):
    """Create the job and enqueue its task; the page then polls the job."""
    if kind not in KINDS:
        raise ValueError(f"no background import for {kind!r}")
    prune_jobs()
    options = {**options, "language": translation.get_language() or settings.LANGUAGE_CODE}
    job = ImportJob.objects.create(kind=kind, step=step, user=user, file_name=file_name, upload_name=upload_name,
                                   options=options, phase="queued")
    run_import_job.using(queue_name=settings.IMPORT_TASKS_QUEUE).enqueue(str(job.pk))
    return job


def prune_jobs(retention_days=None):
    """Delete finished and failed jobs older than IMPORT_JOB_RETENTION_DAYS (``retention_days``), and mark
    failed the jobs a worker left: dead ones (``fail_dead_jobs``) and waiting ones not taken for STALE_JOB.
    Returns (deleted, marked failed)."""
    now = timezone.now()
    days = settings.IMPORT_JOB_RETENTION_DAYS if retention_days is None else retention_days
    deleted, _by_model = ImportJob.objects.filter(
        state__in=(ImportJob.State.DONE, ImportJob.State.FAILED), updated_at__lt=now - datetime.timedelta(days=days),
    ).delete()
    return deleted, fail_dead_jobs()


def fail_dead_jobs(jobs=None):
    """Mark failed, among ``jobs`` (a queryset; all jobs by default), the running ones whose worker died and
    the unfinished ones not heard from for STALE_JOB. Returns how many were marked failed.

    Called when a worker takes a task (so a restarted worker fails what its predecessor left), when a job
    starts, by ``manage.py prune_import_jobs`` and when a job's page or progress is read."""
    jobs = ImportJob.objects.all() if jobs is None else jobs
    unfinished = jobs.filter(state__in=UNFINISHED)
    stale = set(unfinished.filter(updated_at__lt=timezone.now() - STALE_JOB).exclude(worker_running_it())
                .values_list("pk", flat=True))
    stale |= {pk for pk in unfinished.filter(worker_running_it()).values_list("pk", flat=True)
              if not is_held(worker_lock_name(pk))}
    return sum(fail_if_dead(pk) for pk in stale)


def worker_running_it():
    """Jobs a worker took (it holds their lock while it runs them)."""
    return Q(state=ImportJob.State.RUNNING) & ~Q(worker="")


def fail_if_dead(job_id):
    """Fail the job if, looked at again under a row lock, it is still left unfinished by a dead or absent
    worker (a worker that reported or finished since keeps its job)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, state__in=UNFINISHED).first()
        if job is None:
            return False
        if job.worker and job.state == ImportJob.State.RUNNING:
            if is_held(worker_lock_name(job.pk)):
                return False
        elif job.updated_at >= timezone.now() - STALE_JOB:
            return False
        with translation.override(job.options.get("language") or settings.LANGUAGE_CODE):
            fail(job, dead_job_message(job))
    return True


def dead_job_message(job):
    if not job.worker:
        return gettext("The import did not finish: the background worker stopped or never started. "
                       "Nothing was imported. Try again.")
    if committed_before_dying(job):
        job.result = {**(job.result or {}), "applied": True}
        return gettext("The background worker stopped after the file was imported, before its job could show "
                       "the result. The change log shows what was written.")
    return gettext("The background worker stopped while it ran this job (%(worker)s): nothing was written to "
                   "the registry. Try again.") % {"worker": job.worker}


def committed_before_dying(job):
    """Whether the apply's transaction committed: its last progress (every row written) is written to the job's
    row inside that transaction, so the row shows it only if the import was committed."""
    return job.step == ImportJob.Step.APPLY and job.phase == "writing" and 0 < job.total <= job.done


def worker_lock_name(job_id):
    return f"registry-import-job-{job_id}"


class JobProgress(Progress):
    """Stores the progress on the job, at most once every ``interval`` seconds (and at each phase's end).

    Each write also goes to the shared cache, where the page reads it first (``job_progress``): the apply step
    writes in one transaction, and the job's row written inside it is seen by no one else before it commits.
    """

    def __init__(self, job, interval=0.5):
        self.job = job
        self.interval = interval
        self.last_write = 0.0

    def phase(self, name):
        self.write(name, 0, 0)

        def progress(done, total):
            now = time.monotonic()
            if done < total and now - self.last_write < self.interval:
                return
            self.write(name, done, total)

        return progress

    def write(self, name, done, total):
        job = self.job
        if (job.phase, job.done, job.total) == (name, done, total):
            return
        job.phase, job.done, job.total = name, done, total
        cache.set(progress_key(job.pk), [name, done, total], STALE_JOB.total_seconds())
        job.save(update_fields=["phase", "done", "total", "updated_at"])
        self.last_write = time.monotonic()


def progress_key(job_id):
    return f"registry:import-job-progress:{job_id}"


def job_progress(job):
    """(phase, done, total) as the page shows them: while the job runs, its worker's latest report from the
    cache (seen even while the apply's transaction hides the job's row), else what the row holds."""
    if not job.finished:
        latest = cache.get(progress_key(job.pk))
        if latest is not None:
            return tuple(latest)
    return job.phase, job.done, job.total


@task(queue_name=settings.IMPORT_TASKS_QUEUE)
def run_import_job(job_id):
    """The task: run one job's step and store what it found (or why it failed) on the job.

    The worker holds the job's lock (``worker_lock_name``) from before it marks the job running until the job is
    finished: if the worker dies, the lock goes with it, and the next look at the job marks it failed."""
    fail_dead_jobs()  # what a worker that died before this one left
    lock = ProcessLock(worker_lock_name(job_id), remove_file=True)
    if not lock.acquire():
        return ImportJob.State.RUNNING  # another worker runs it
    try:
        return run_taken_job(job_id)
    finally:
        lock.release()


def run_taken_job(job_id):
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ImportJob.State.QUEUED:
        return job.state
    job.state, job.worker = ImportJob.State.RUNNING, f"{socket.gethostname()} pid {os.getpid()}"
    job.save(update_fields=["state", "worker", "updated_at"])
    progress = JobProgress(job)
    with translation.override(job.options.get("language") or settings.LANGUAGE_CODE):
        try:
            progress.write("reading", 0, 0)
            run_step(job, progress)
        except EXPLAINED as error:
            fail(job, str(error))
        except Exception:
            if getattr(job, "applied", False):  # its transaction committed: the registry holds the import
                job.result = {**(job.result or {}), "applied": True}
                fail(job, gettext("The file was imported, but an unexpected error stopped its job before it "
                                  "could show the result. The change log shows what was written."))
            else:
                fail(job, gettext("The import stopped on an unexpected error: nothing was imported."))
            raise
    return job.state


def run_step(job, progress):
    kind = importlib.import_module(KINDS[job.kind])
    storage = upload_storage(job.upload_name)
    try:
        content = storage.read()
    except OSError as error:
        raise SheetReadError(gettext("The uploaded file is no longer available. Upload it again.")) from error
    if job.step == ImportJob.Step.PLAN:
        outcome, sha256 = kind.preview_upload(job, content, progress)
        job.result = {"sha256": sha256, "fingerprint": plan_fingerprint(outcome)}
    else:
        outcome = kind.apply_upload(job, content, progress)
        job.applied = True  # committed: from here on, a failure must not say that nothing was imported
        try:
            storage.remove()  # as the admin's confirm step does: an applied upload is not kept
        except OSError:
            pass  # already gone: what was applied stands
    job.outcome = outcome.as_data()
    job.state = ImportJob.State.DONE
    job.phase, job.done = "done", job.total
    job.save(update_fields=["outcome", "result", "state", "phase", "done", "updated_at"])


def fail(job, message):
    job.state, job.error = ImportJob.State.FAILED, message
    job.save(update_fields=["state", "error", "result", "updated_at"])


def applied_before_failing(job):
    """A failed apply job whose import had committed (what failed came after it)."""
    return bool((job.result or {}).get("applied"))


def job_outcome(job):
    """What the job found, as the worker stored it (JSON data, ``ImportOutcome.as_data``)."""
    return outcome_from_data(job.outcome)
