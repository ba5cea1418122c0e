from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.core.history import TrackedHistory

from .bases import BaseStatus, OperatingForm, StaffFigures
from .fields import CountriesField
from .querysets import RestrictedQuerySet, SharedQuerySet


class RoundStatus(models.TextChoices):
    """A round's lifecycle: 準備中 → 受付中 → 締切 → 公表 (only ever forward)."""

    PREPARING = "preparing", _("In preparation")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed for answers")
    PUBLISHED = "published", _("Published")


class SurveyRoundQuerySet(SharedQuerySet):
    def published(self):
        return self.filter(status=RoundStatus.PUBLISHED)

    def open(self):
        return self.filter(status=RoundStatus.OPEN)

    def frozen(self):
        """Rounds whose figures no longer follow the bases (closed or published)."""
        return self.filter(status__in=[RoundStatus.CLOSED, RoundStatus.PUBLISHED])


class SurveyRound(models.Model):
    """One yearly round of 「自治体の海外拠点一覧」, named by its reference date."""

    Status = RoundStatus

    reference_date = models.DateField(_("reference date"), unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("round status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.PREPARING, db_index=True
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = SurveyRoundQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-reference_date"]

    def __str__(self):
        return self.title or f"{self.reference_date:%Y-%m-%d} 調査"

    @property
    def is_open(self):
        return self.status == RoundStatus.OPEN

    @property
    def is_frozen(self):
        return self.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED)

    @property
    def is_published(self):
        return self.status == RoundStatus.PUBLISHED


class ReviewState(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", _("Not yet reviewed")
    UNCHANGED = "unchanged", _("Confirmed unchanged")
    CHANGED = "changed", pgettext_lazy("review state", "Changed")
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
    countries = CountriesField(_("countries/regions"), blank=True)
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
    # The rest of the sheet's row, so a closed round can print its sheet from its own figures.
    form_detail = models.CharField(_("form detail"), max_length=300, blank=True)
    department = models.CharField(_("department in charge"), max_length=200, blank=True)
    reason = models.TextField(_("reason for setting up"), blank=True)
    activities = models.TextField(_("main activities"), blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last reviewed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = BaseRoundRecordQuerySet.as_manager()
    # The last change of a round's figures is one index probe (what a published round shows: publishing.py).
    history = TrackedHistory(indexes=[("survey_round", "history_date", "history_id")])

    class Meta:
        verbose_name = _("round figures")
        verbose_name_plural = _("round figures")
        ordering = ["survey_round", "base__organization__code", "base__number"]
        constraints = [
            models.UniqueConstraint(fields=["survey_round", "base"], name="one_record_per_base_per_round"),
        ]

    def __str__(self):
        return f"{self.survey_round} / {self.base}"


class RoundResponseQuerySet(RestrictedQuerySet):
    organization_field = "organization"


class RoundResponse(models.Model):
    """An organization's answer to a round: 回答完了 once its clerk says so, until the coordinator returns it."""

    survey_round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), on_delete=models.PROTECT, related_name="responses"
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("answer completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answer completed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    returned_reason = models.TextField(_("reason for returning"), blank=True)
    # 確認済み: the prefecture's lead checked the completed answer (cleared when it is returned or answered again).
    checked_at = models.DateTimeField("都道府県の確認日時", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="都道府県の確認者", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = RoundResponseQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("round answer")
        verbose_name_plural = _("round answers")
        ordering = ["survey_round", "organization__code"]
        constraints = [
            models.UniqueConstraint(fields=["survey_round", "organization"], name="one_response_per_round"),
        ]

    def __str__(self):
        return f"{self.survey_round} / {self.organization}"

    @property
    def completed(self):
        return self.completed_at is not None

    @property
    def checked(self):
        return self.completed and self.checked_at is not None


class RoundReminder(models.Model):
    """One reminder sent to an organization's clerks (kept as the log of reminders)."""

    survey_round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), on_delete=models.PROTECT, related_name="reminders"
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    sent_by = models.CharField(_("sent by"), max_length=150, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)

    objects = RoundResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("round reminder")
        verbose_name_plural = _("round reminders")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.survey_round} / {self.organization} {self.sent_at:%Y-%m-%d %H:%M}"


class RoundCorrectionQuerySet(RestrictedQuerySet):
    organization_field = "record__base__organization"


class RoundCorrection(models.Model):
    """An explicit correction of a closed or published round's figures for one base (訂正)."""

    record = models.ForeignKey(
        BaseRoundRecord, verbose_name=_("round figures"), on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.TextField(_("reason for the correction"))
    changes = models.JSONField(_("changes"), default=dict)
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)
    corrected_by = models.CharField(_("corrected by"), max_length=150, blank=True)

    objects = RoundCorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("round correction")
        verbose_name_plural = _("round corrections")
        ordering = ["corrected_at"]

    def __str__(self):
        return f"{self.record} 訂正"


class ImportRecord(models.Model):
    """One applied import: the file, who loaded it and what it changed."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey sheet")
        AGREEMENTS = "agreements", _("Partnership agreements")
        CONTRACTORS = "contractors", _("Contractors")
        INVITATIONS = "invitations", "招待"

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


class ImportLock(models.Model):
    """Held while an import is applied, so a second one is told 「取込中です」 instead of colliding."""

    NAME = "import"

    name = models.CharField(_("name"), max_length=20, primary_key=True)
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    acquired_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("import lock")
        verbose_name_plural = _("import locks")

    def __str__(self):
        return f"{self.name} ({self.user_name})"
