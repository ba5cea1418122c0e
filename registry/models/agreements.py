import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registry.core.history import TrackedHistory
from registry.parsing.dates import Precision, format_partial_date
from registry.parsing.text import match_key
from registry.parsing.ties import TieType

from .querysets import RestrictedQuerySet, SharedQuerySet

PRECISION_CHOICES = [
    (Precision.DAY, _("day")),
    (Precision.MONTH, _("month")),
    (Precision.YEAR, _("year")),
    (Precision.UNKNOWN, _("unknown")),
]


class Partner(models.Model):
    """A foreign region, city or body; one record however many Japanese ties it has."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region / state / province")
        CITY = "city", _("City")
        ORGANIZATION = "organization", _("Organization")

    name_ja = models.CharField(_("name (Japanese)"), max_length=200, blank=True)
    name_native = models.CharField(_("name (native language)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    country = CountryField(_("country/region"))
    region = models.CharField(_("state/province"), max_length=100, blank=True,
                              help_text=_("Where a city lies, e.g. ミシガン州 for Battle Creek."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGION)
    match_keys = models.JSONField(_("matching keys"), default=list, editable=False)

    objects = SharedQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["country", "name_ja", "name_en"]

    def __str__(self):
        names = [n for n in (self.name_ja, self.name_en or self.name_native) if n]
        return " / ".join(dict.fromkeys(names)) or "?"

    def clean(self):
        if not (self.name_ja or self.name_en or self.name_native):
            raise ValidationError(_("A partner needs at least one name."))

    def set_match_keys(self):
        """The keys a sheet's names are matched by: one per name (Japanese, native, English)."""
        keys = {match_key(n) for n in (self.name_ja, self.name_native, self.name_en) if n}
        self.match_keys = sorted(k for k in keys if k)

    def save(self, *args, **kwargs):
        self.set_match_keys()
        super().save(*args, **kwargs)


class AgreementType(models.TextChoices):
    """The parser's ``TieType`` codes with their labels."""

    SISTER_CITY = TieType.SISTER_CITY, _("Sister city")
    FRIENDSHIP = TieType.FRIENDSHIP, _("Friendship tie")
    MOU = TieType.MOU, _("MOU")
    ECONOMIC = TieType.ECONOMIC, _("Economic exchange agreement")
    OTHER = TieType.OTHER, _("Other")


def runs_on(day):
    """The one "in force" rule, in SQL: no end date, or one on or after ``day`` (needs ``end_date``)."""
    return Q(end_date__isnull=True) | Q(end_date__gte=day)


class AgreementQuerySet(RestrictedQuerySet):
    def with_end_date(self, on=None):
        """Annotate ``end_date`` (the latest renewal's, else the tie's own) and ``in_force`` on ``on`` (today)."""
        on = on or datetime.date.today()
        queryset = self
        if "end_date" not in self.query.annotations:
            latest_renewal = (
                AgreementRenewal.objects.filter(agreement=OuterRef("pk"), valid_until__isnull=False)
                .order_by("-valid_until")
                .values("valid_until")[:1]
            )
            queryset = queryset.annotate(end_date=Coalesce(Subquery(latest_renewal), "ends_on"))
        return queryset.annotate(in_force=ExpressionWrapper(runs_on(on), output_field=BooleanField()))

    def in_force(self, on=None):
        """Ties still running on ``on`` (today)."""
        return self.with_end_date(on).filter(runs_on(on or datetime.date.today()))

    def ended(self, on=None):
        """Ties that ran out before ``on`` (today)."""
        return self.with_end_date(on).filter(~runs_on(on or datetime.date.today()))


class Agreement(models.Model):
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="agreements"
    )
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="agreements")
    agreement_type = models.CharField(_("type"), max_length=20, choices=AgreementType.choices, db_index=True)
    signed_on = models.DateField(_("signed"), null=True, blank=True, db_index=True)
    signed_precision = models.CharField(
        _("precision of signing date"), max_length=10, choices=PRECISION_CHOICES, default=Precision.UNKNOWN
    )
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    ends_precision = models.CharField(
        _("precision of end date"), max_length=10, choices=PRECISION_CHOICES, default=Precision.UNKNOWN
    )
    fields = models.CharField(_("fields of cooperation"), max_length=500, blank=True)
    intermediaries = models.CharField(_("intermediaries"), max_length=300, blank=True)
    source_title = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.CharField(_("source URL"), max_length=500, blank=True)
    source_language = models.CharField(_("source language"), max_length=10, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    bases = models.ManyToManyField("registry.Base", verbose_name=_("bases serving it"), blank=True,
                                   related_name="agreements")

    objects = AgreementQuerySet.as_manager()
    history = TrackedHistory(m2m_fields=[bases])

    class Meta:
        verbose_name = _("partnership agreement")
        verbose_name_plural = _("partnership agreements")
        ordering = ["organization__code", "signed_on"]
        permissions = [
            ("import_agreement", _("Can import partnership agreements")),
            ("export_agreement", _("Can export partnership agreements")),
        ]

    def __str__(self):
        return f"{self.organization.name} – {self.partner} ({self.get_agreement_type_display()})"

    def clean(self):
        errors = self.date_problems()
        if self.same_tie_exists():
            errors["agreement_type"] = _("This organization already has a tie of this type with this partner.")
        if errors:
            raise ValidationError(errors)

    def date_problems(self):
        """{field: message} for dates that do not fit together (checked without the database)."""
        errors = {}
        if self.signed_on is None and self.signed_precision != Precision.UNKNOWN:
            errors["signed_precision"] = _("Without a date the precision is unknown.")
        if self.signed_on is not None and self.signed_precision == Precision.UNKNOWN:
            errors["signed_precision"] = _("Give the precision of the signing date.")
        if self.ends_on and self.signed_on and self.ends_on < self.signed_on:
            errors["ends_on"] = _("The end date is before the signing date.")
        return errors

    def same_tie_exists(self):
        """A tie is identified by (organization, partner, type); sheets key their rows by it."""
        if not (self.organization_id and self.partner_id and self.agreement_type):
            return False
        same = Agreement.objects.filter(organization_id=self.organization_id, partner_id=self.partner_id,
                                        agreement_type=self.agreement_type)
        return same.exclude(pk=self.pk).exists()

    @property
    def signed_display(self):
        return format_partial_date(self.signed_on, self.signed_precision)

    @property
    def current_end(self):
        """The date the tie runs to: its latest renewal's, else its own (``end_date`` when annotated)."""
        if "end_date" in self.__dict__:
            return self.end_date
        latest = max((r.valid_until for r in self.renewals.all() if r.valid_until), default=None)
        return latest or self.ends_on

    def in_force_on(self, day):
        """The one "in force" rule (``runs_on`` in SQL): no end date, or one on or after ``day``."""
        end = self.current_end
        return end is None or end >= day


class AgreementRenewalQuerySet(RestrictedQuerySet):
    organization_field = "agreement__organization"


class AgreementRenewal(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="renewals"
    )
    renewed_on = models.DateField(_("renewed"), null=True, blank=True)
    renewed_precision = models.CharField(
        _("precision"), max_length=10, choices=PRECISION_CHOICES, default=Precision.UNKNOWN
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = AgreementRenewalQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["agreement", "renewed_on"]

    def __str__(self):
        return format_partial_date(self.renewed_on, self.renewed_precision) or str(_("renewal"))

    def clean(self):
        if self.renewed_on and self.valid_until and self.valid_until < self.renewed_on:
            raise ValidationError({"valid_until": _("A renewal cannot run out before it was renewed.")})
