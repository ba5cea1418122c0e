"""A long import running as a background task: what it works on, how far it got, and what it found."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One preview (``plan``) or apply of an uploaded sheet, run by the tasks worker (registry/sheets/jobs.py).

    The page that started it polls ``phase``, ``done`` and ``total``; only the user who started it sees it.
    """

    class Step(models.TextChoices):
        PLAN = "plan", _("Preview")
        APPLY = "apply", _("Import")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("sheet"), max_length=30)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    upload_name = models.CharField(_("stored upload"), max_length=255)
    options = models.JSONField(_("options"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The worker process that took the job ("host pid N"): while the job runs, that process holds the job's lock
    # (registry/sheets/jobs.py ``worker_lock_name``), so a worker that died is seen at once.
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    # What the step found, as JSON data: what the preview page or the result message shows
    # (registry/sheets/outcome.py, ``ImportOutcome.as_data``); ``result`` holds the preview's file hash and digest.
    outcome = models.JSONField(_("outcome"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    reported = models.BooleanField(_("reported"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.step} {self.file_name} ({self.state})"

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)
