from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.core.history import TrackedHistory
from registry.core.permissions import Role

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
    # A handover's date: on it the daily task (manage.py accounts daily) ends the membership.
    ends_on = models.DateField("終了日", null=True, blank=True)

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
    """One account event: a role or membership given or taken, an invitation, a password reset, a handover, a
    deactivation, a second factor enrolled or reset. The audit trail of access, written only through
    ``registry.accounts.audit.record`` and never edited or deleted through the UI."""

    class Action(models.TextChoices):
        GRANTED = "granted", "付与"
        REVOKED = "revoked", "取消"
        INVITED = "invited", "招待"
        INVITATION_RESENT = "invitation_resent", "招待の再送"
        INVITATION_WITHDRAWN = "invitation_withdrawn", "招待の取り下げ"
        ACCEPTED = "accepted", "招待の受諾"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "パスワード再設定の依頼"
        PASSWORD_RESET = "password_reset", "パスワード再設定"
        HANDOVER_SCHEDULED = "handover_scheduled", "引継ぎの予定"
        ENDED = "ended", "所属の終了"
        IDLE_NOTICE = "idle_notice", "未使用の予告"
        DEACTIVATED = "deactivated", "停止"
        REACTIVATED = "reactivated", "再開"
        MFA_ENROLLED = "mfa_enrolled", "二要素認証の登録"
        MFA_RESET = "mfa_reset", "二要素認証のリセット"
        RECOVERY_CODE_USED = "recovery_code_used", "回復コードの使用"

    # Plain text, not foreign keys: the log outlives deleted users and organizations.
    user_name = models.CharField(_("user name"), max_length=150, db_index=True)
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES, blank=True)
    organization_code = models.CharField(_("organization code"), max_length=6, blank=True, db_index=True)
    organization_name = models.CharField(_("organization"), max_length=50, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    actor_name = models.CharField(_("changed by"), max_length=150, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField("操作元アドレス", null=True, blank=True)
    detail = models.CharField("内容", max_length=300, blank=True)

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
