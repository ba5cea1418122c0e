from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.core.history import TrackedHistory
from registry.parsing.eras import format_fiscal_year
from registry.parsing.text import split_multi

from .fields import CountriesField
from .querysets import RestrictedQuerySet

CITY_SEPARATOR = "、"


class OperatingForm(models.TextChoices):
    OWN_OFFICE = "a", _("a: own office")
    DISPATCHED = "b", _("b: staff dispatched to a host body")
    CONTRACTED = "c", _("c: contracted out")
    OTHER = "d", _("d: other")


class BaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class Closure(models.TextChoices):
    """Where a base stands on closing, in the words the import, the report and the lists share."""

    PROPOSED = "proposed", _("Proposed for closing")
    CLOSED = "closed", _("Closed")


class BaseQuerySet(RestrictedQuerySet):
    def with_closure(self):
        """Annotate ``closing_proposed``: the open round has a closure proposed for the (still active) base."""
        from .surveys import BaseRoundRecord

        proposed = BaseRoundRecord.objects.filter(
            base=models.OuterRef("pk"), survey_round__status="open", review_state="closing"
        )
        return self.annotate(closing_proposed=models.Exists(proposed))

    def closure(self, value):
        """廃止予定 (proposed in the open round, still active) or 閉鎖 (closed)."""
        if value == Closure.CLOSED:
            return self.filter(status=BaseStatus.CLOSED)
        if value == Closure.PROPOSED:
            return self.with_closure().filter(status=BaseStatus.ACTIVE, closing_proposed=True)
        return self


class StaffFigures(models.Model):
    """Staff counts; the total is always derived so it can never disagree."""

    staff_dispatched = models.PositiveSmallIntegerField(_("staff dispatched"), default=0)
    staff_local = models.PositiveSmallIntegerField(_("staff hired locally"), default=0)

    class Meta:
        abstract = True

    @property
    def staff_total(self):
        return self.total_of(self.staff_dispatched, self.staff_local)

    @staticmethod
    def total_of(dispatched, local):
        """The total of two staff counts (a missing count is 0), for rows read without model instances."""
        return (dispatched or 0) + (local or 0)


class Base(StaffFigures):
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="bases"
    )
    number = models.PositiveIntegerField(_("base number"))
    name = models.CharField(_("base name"), max_length=200, blank=True)
    countries = CountriesField(_("countries/regions"), blank=False)
    cities = models.CharField(
        _("cities"), max_length=300, blank=True, help_text=_("Several cities are separated by 、")
    )
    form = models.CharField(_("form"), max_length=1, choices=OperatingForm.choices, db_index=True)
    form_detail = models.CharField(_("form detail"), max_length=300, blank=True)
    contractor = models.ForeignKey(
        "registry.Contractor",
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracted_bases",
    )
    host_agency = models.ForeignKey(
        "registry.Contractor",
        verbose_name=_("host agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_bases",
    )
    joint_office = models.ForeignKey(
        "registry.JointOffice",
        verbose_name=_("joint office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bases",
    )
    established_fy = models.PositiveSmallIntegerField(_("fiscal year established"), null=True, blank=True)
    department = models.CharField(_("department in charge"), max_length=200, blank=True)
    reason = models.TextField(_("reason for setting up"), blank=True)
    activities = models.TextField(_("main activities"), blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BaseStatus.choices, default=BaseStatus.ACTIVE, db_index=True
    )
    closed_on = models.DateField(_("closing date"), null=True, blank=True)
    closing_reason = models.TextField(_("closing reason"), blank=True)

    objects = BaseQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("overseas base")
        verbose_name_plural = _("overseas bases")
        ordering = ["organization__code", "number"]
        permissions = [
            ("import_base", _("Can import survey rounds")),
            ("export_base", _("Can export overseas bases")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="unique_base_number_per_organization"),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(closed_on__isnull=False),
                name="closed_base_has_closing_date",
            ),
        ]

    def __str__(self):
        label = self.name or CITY_SEPARATOR.join(self.city_list)
        return f"{self.organization.name} #{self.number} {label}".strip()

    @property
    def city_list(self):
        return split_multi(self.cities)

    @property
    def closure_label(self):
        """閉鎖, 廃止予定 (needs ``with_closure()``) or empty."""
        if self.status == BaseStatus.CLOSED:
            return Closure.CLOSED.label
        if getattr(self, "closing_proposed", False):
            return Closure.PROPOSED.label
        return ""

    @property
    def established_display(self):
        return format_fiscal_year(self.established_fy)

    def clean(self):
        errors = {}
        if self.status == BaseStatus.CLOSED and not self.closed_on:
            errors["closed_on"] = _("A closed base needs its closing date.")
        if self.status == BaseStatus.ACTIVE and self.closed_on:
            errors["closed_on"] = _("An active base has no closing date.")
        if errors:
            raise ValidationError(errors)
