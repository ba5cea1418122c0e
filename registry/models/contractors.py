from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registry.core.history import TrackedHistory
from registry.parsing.text import match_key

from .querysets import SharedQuerySet


class MatchedByName(models.Model):
    """A record found again by its name however the sheet spells the company form (㈱, 株式会社 …)."""

    name = models.CharField(_("name"), max_length=200)
    match_key = models.CharField(_("matching key"), max_length=200, unique=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.match_key = match_key(self.name)
        super().save(*args, **kwargs)


class Contractor(MatchedByName):
    """A company, person or body that runs (form c) or hosts (form b) a base."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")
        PUBLIC_BODY = "public_body", _("Public body")
        HOST_AGENCY = "host_agency", _("Host agency")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY, db_index=True)
    country = CountryField(_("country/region"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = SharedQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("contractor / host agency")
        verbose_name_plural = _("contractors / host agencies")
        ordering = ["name"]


class JointOffice(MatchedByName):
    """One office run together by several organizations, each listing it in the survey."""

    country = CountryField(_("country/region"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = SharedQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("joint office")
        verbose_name_plural = _("joint offices")
        ordering = ["name"]
