from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registry.history import TrackedHistory

from .bases import BaseStatus, OperatingForm, StaffFigures
from .querysets import RestrictedQuerySet, SharedQuerySet


class SurveyRound(models.Model):
    """One yearly round of 「自治体の海外拠点一覧」, named by its reference date."""

    reference_date = models.DateField(_("reference date"), unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = SharedQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-reference_date"]

    def __str__(self):
        return self.title or f"{self.reference_date:%Y-%m-%d} 調査"


class ReviewState(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", _("Not yet reviewed")
    UNCHANGED = "unchanged", _("Confirmed unchanged")
    CHANGED = "changed", _("Changed")
    NEW = "new", _("Newly added")
    CLOSING = "closing", _("Proposed for closing")


class BaseRoundRecordQuerySet(RestrictedQuerySet):
    organization_field = "base__organization"


class BaseRoundRecord(StaffFigures):
    """What one survey round reported for one base, kept so rounds stay comparable."""

    survey_round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), on_delete=models.PROTECT, related_name="records"
    )
    base = models.ForeignKey(
        "registry.Base", verbose_name=_("overseas base"), on_delete=models.PROTECT, related_name="round_records"
    )
    name = models.CharField(_("base name"), max_length=200, blank=True)
    countries = CountryField(_("countries/regions"), multiple=True, blank=True)
    cities = models.CharField(_("cities"), max_length=300, blank=True)
    form = models.CharField(_("form"), max_length=1, choices=OperatingForm.choices)
    contractor = models.ForeignKey(
        "registry.Contractor", verbose_name=_("contractor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    established_fy = models.PositiveSmallIntegerField(_("fiscal year established"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BaseStatus.choices, default=BaseStatus.ACTIVE)
    review_state = models.CharField(
        _("review"), max_length=20, choices=ReviewState.choices, default=ReviewState.NOT_REVIEWED, db_index=True
    )
    proposed_closing_on = models.DateField(_("proposed closing date"), null=True, blank=True)
    proposed_closing_reason = models.TextField(_("proposed closing reason"), blank=True)

    objects = BaseRoundRecordQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("round figures")
        verbose_name_plural = _("round figures")
        ordering = ["survey_round", "base__organization__code", "base__number"]
        constraints = [
            models.UniqueConstraint(fields=["survey_round", "base"], name="one_record_per_base_per_round"),
        ]

    def __str__(self):
        return f"{self.survey_round} / {self.base}"


class ImportRecord(models.Model):
    """One applied import: the file, who loaded it and what it changed."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey sheet")
        AGREEMENTS = "agreements", _("Partnership agreements")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SURVEY)
    survey_round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="imports",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=10, blank=True)
    counts = models.JSONField(_("counts"), default=dict)
    warnings = models.JSONField(_("warnings"), default=list)

    objects = SharedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import record")
        verbose_name_plural = _("import records")
        ordering = ["-created_at"]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def label(self):
        if self.survey_round_id:
            return f"{self.survey_round.reference_date:%Y-%m-%d} 調査の取込 #{self.pk}"
        return f"{self.get_kind_display()}の取込 #{self.pk}"
