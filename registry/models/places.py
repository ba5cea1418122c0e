from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registry.core.history import TrackedHistory

from .querysets import SharedQuerySet


class PlaceQuerySet(SharedQuerySet):
    """Places are read by everyone; a clerk pins a place nobody located yet, and changes a located one only
    when no other organization's records name it.

    A located point moved by one organization's clerk would move on every map showing another organization's
    bases (and, pinned by hand, geocoding would never put it back): such a place is for a coordinator to change.
    """

    def for_organizations(self, organization_ids, action):
        if action == "view":
            return self
        from registry.public.geo.usage import place_keys_named_outside

        outside = place_keys_named_outside(organization_ids)
        located = self.exclude(source=Place.Source.UNRESOLVED).values_list("pk", "country", "name")
        theirs = [pk for pk, country, name in located if (country, name) in outside]
        return self.exclude(pk__in=theirs)


class Place(models.Model):
    """Where a city name of a base or a partner lies: found offline in GeoNames, or pinned by hand.

    One record per country and name as the records write it (上海 in CN), so every base and tie naming it
    shares the point. A name GeoNames does not know (華東地区, spelling variants) is kept without
    coordinates until a clerk pins it.
    """

    class Source(models.TextChoices):
        GEONAMES = "geonames", _("GeoNames")
        MANUAL = "manual", _("Pinned by hand")
        UNRESOLVED = "unresolved", _("Not found")

    country = CountryField(_("country/region"))
    name = models.CharField(_("name"), max_length=200)
    geonames_id = models.PositiveIntegerField(_("GeoNames id"), null=True, blank=True)
    geonames_name = models.CharField(_("GeoNames name"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.UNRESOLVED,
                              db_index=True)

    objects = PlaceQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["country", "name"]
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="one_place_per_country_and_name")]

    def __str__(self):
        return f"{self.name} ({self.country.code})"

    @property
    def located(self):
        return self.latitude is not None and self.longitude is not None

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValidationError({"latitude": _("A latitude lies between -90 and 90.")})
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValidationError({"longitude": _("A longitude lies between -180 and 180.")})
