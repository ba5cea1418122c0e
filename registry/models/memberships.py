from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.history import TrackedHistory

from .querysets import RestrictedQuerySet


class Membership(models.Model):
    """A user working for an organization; clerks act only within these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="memberships"
    )

    objects = RestrictedQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} @ {self.organization.name}"
