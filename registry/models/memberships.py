from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.history import TrackedHistory
from registry.permissions import Role

from .querysets import RestrictedQuerySet, SharedQuerySet

ROLE_CHOICES = [(role, Role.LABELS[role]) for role in Role.ALL]


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
    # Who has access changes only through grant_role/revoke_role (which log a RoleChange):
    # replaying an old version would give back access that was taken away.
    history_revertible = False

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} @ {self.organization.name}"


class RoleChange(models.Model):
    """One role or organization membership given to or taken from a user: the audit trail of access."""

    class Action(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REVOKED = "revoked", _("Revoked")

    # Plain text, not foreign keys: the log outlives deleted users and organizations.
    user_name = models.CharField(_("user name"), max_length=150, db_index=True)
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES, blank=True)
    organization_code = models.CharField(_("organization code"), max_length=6, blank=True, db_index=True)
    organization_name = models.CharField(_("organization"), max_length=50, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor_name = models.CharField(_("changed by"), max_length=150, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)

    objects = SharedQuerySet.as_manager()

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-changed_at", "-id"]
        default_permissions = ["view"]
        # Rights that belong to no single record type live here, next to the access log.
        permissions = [
            ("view_changelog", _("Can view the change log of all records")),
            ("revert_change", _("Can revert recorded changes")),
        ]

    def __str__(self):
        what = self.get_role_display() if self.role else _("membership")
        if self.organization_code:
            what = f"{what} @ {self.organization_name}"
        return f"{self.user_name}: {what} {self.get_action_display()}"
