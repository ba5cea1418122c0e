"""Who watches what, what they were told, and how they want to hear it (issue 29; docs/notifications.md).

These are a user's own settings and messages, not registry records: they keep no history.
"""
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_feed_token():
    return secrets.token_urlsafe(32)


class NotificationSettings(models.Model):
    """A user's choice of e-mail (immediate or a daily digest) and the secret of their calendar feed."""

    class EmailMode(models.TextChoices):
        DIGEST = "digest", _("Daily digest")
        IMMEDIATE = "immediate", _("Immediately")
        NONE = "none", _("No e-mail")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notification_settings")
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.DIGEST)
    feed_token = models.CharField(_("calendar feed key"), max_length=64, unique=True, default=new_feed_token)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)

    @classmethod
    def of(cls, user):
        found, _created = cls.objects.get_or_create(user=user)
        return found

    def renew_feed_token(self):
        """A new feed address; the old one answers 404 from now on."""
        self.feed_token = new_feed_token()
        self.save(update_fields=["feed_token"])


WATCH_TARGETS = ("organization", "base", "agreement", "contractor")


class Watch(models.Model):
    """A user following one record (a base, a tie, a contractor) or a whole organization.

    ``muted`` turns off a watch a clerk has by default (their own organizations) — the opt-out.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="watches")
    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"), null=True,
                                     blank=True, on_delete=models.CASCADE, related_name="+")
    base = models.ForeignKey("registry.Base", verbose_name=_("overseas base"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey("registry.Agreement", verbose_name=_("partnership agreement"), null=True,
                                  blank=True, on_delete=models.CASCADE, related_name="+")
    contractor = models.ForeignKey("registry.Contractor", verbose_name=_("contractor / host agency"), null=True,
                                   blank=True, on_delete=models.CASCADE, related_name="+")
    muted = models.BooleanField(_("muted"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    TARGETS = WATCH_TARGETS

    class Meta:
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        constraints = [
            models.CheckConstraint(
                name="watch_has_one_target",
                condition=(
                    Q(organization__isnull=False, base__isnull=True, agreement__isnull=True, contractor__isnull=True)
                    | Q(organization__isnull=True, base__isnull=False, agreement__isnull=True, contractor__isnull=True)
                    | Q(organization__isnull=True, base__isnull=True, agreement__isnull=False, contractor__isnull=True)
                    | Q(organization__isnull=True, base__isnull=True, agreement__isnull=True, contractor__isnull=False)
                ),
            ),
            *(models.UniqueConstraint(fields=["user", target], condition=Q(**{f"{target}__isnull": False}),
                                      name=f"unique_watch_{target}") for target in WATCH_TARGETS),
        ]

    @property
    def target(self):
        return next(getattr(self, name) for name in self.TARGETS if getattr(self, f"{name}_id"))

    def __str__(self):
        return f"{self.user}: {self.target}"


class Notification(models.Model):
    """One message to one user: a change by someone else (one per change group), or a reminder."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        REMINDER = "reminder", _("Reminder")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    text = models.CharField(_("message"), max_length=500)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # A change: its group and what it did ({"counts": [[model label, action, n], ...], "organizations": [ids]}).
    change_group = models.UUIDField(_("change group"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # A reminder: what it is about and how far ahead, so the daily task never sends it twice.
    reminder_key = models.CharField(_("reminder"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "change_group"], condition=Q(change_group__isnull=False),
                                    name="one_notification_per_change_group"),
            models.UniqueConstraint(fields=["user", "reminder_key"], condition=~Q(reminder_key=""),
                                    name="one_notification_per_reminder"),
        ]

    def __str__(self):
        return self.text
