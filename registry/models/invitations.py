"""Invitations: a person asked by e-mail to join the registry with a role (and, for clerks, organizations).

The link in the e-mail carries the invitation's id and its ``key`` signed with the site's secret
(registry/accounts/invitations.py); accepting it, resending it (a new key) or withdrawing it makes the old link
useless, and ``expires_at`` bounds it in time. A handover's successor is invited with ``replaces`` (the outgoing
account) and ``handover_on`` (the day the outgoing account loses the organizations).
"""
import secrets

from django.conf import settings
from django.db import models

from .memberships import ROLE_CHOICES


def new_key():
    return secrets.token_urlsafe(24)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor withdrawn (an expired one is still open: it can be resent)."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)


class Invitation(models.Model):
    name = models.CharField("氏名", max_length=150)
    email = models.EmailField("メールアドレス", db_index=True)
    role = models.CharField("役割", max_length=20, choices=ROLE_CHOICES)
    organizations = models.ManyToManyField("registry.Organization", verbose_name="団体", blank=True,
                                           related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="招待した人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("招待日時", auto_now_add=True)
    expires_at = models.DateTimeField("有効期限")
    key = models.CharField(max_length=64, default=new_key)
    sent_count = models.PositiveSmallIntegerField("送信回数", default=0)
    accepted_at = models.DateTimeField("受諾日時", null=True, blank=True)
    withdrawn_at = models.DateTimeField("取り下げ日時", null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="アカウント", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="invitations")
    replaces = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="前任者", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="successor_invitations")
    handover_on = models.DateField("引継ぎ日", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "招待"
        verbose_name_plural = "招待"
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.name} <{self.email}>"

    @property
    def is_open(self):
        return self.accepted_at is None and self.withdrawn_at is None
