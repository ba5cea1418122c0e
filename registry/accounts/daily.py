"""The accounts' daily task (``manage.py accounts daily``, also run by the tasks worker): memberships whose end
date has come end; accounts nobody signed in to for a while get a notice, then are stopped.

Each step reads what is already done (a membership ended is gone; a notice or a stop is an audit row after the
last sign-in), so running it twice the same day does nothing the second time.

An account's idle clock starts at its latest of: last sign-in, creation, and reactivation by a coordinator.
Superusers are never stopped (nobody could start them again from the staff pages).
"""
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from registry.accounts import audit
from registry.accounts.mail import message, send_after_commit, site_link
from registry.core.history import Source, change_context
from registry.models import Membership, RoleChange
from registry.core.permissions import Role
from registry.accounts.roles import revoke_role

DAILY_ACTOR = "accounts daily"
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass
class DailyResult:
    ended: int = 0
    notices: int = 0
    deactivated: int = 0

    def as_line(self):
        return f"ended={self.ended} notices={self.notices} deactivated={self.deactivated}"


def end_due_memberships(today):
    """Memberships whose end date is today or past end; the account loses the organization (and, left with none,
    the clerk role)."""
    ended = 0
    due = Membership.objects.filter(ends_on__lte=today).select_related("user", "organization").order_by("pk")
    for membership in due:
        with transaction.atomic():
            revoke_role(membership.user, Role.CLERK, [membership.organization], actor_name=DAILY_ACTOR,
                        reason=f"引継ぎ（{membership.ends_on:%Y-%m-%d} 終了）")
            audit.record(membership.user, RoleChange.Action.ENDED, role=Role.CLERK,
                         organization=membership.organization, detail=f"{membership.ends_on:%Y-%m-%d} 終了",
                         actor_name=DAILY_ACTOR)
        ended += 1
    return ended


def latest_event(*actions):
    rows = RoleChange.objects.filter(user_name=OuterRef("username"), action__in=actions)
    return Subquery(rows.order_by("-changed_at").values("changed_at")[:1], output_field=DateTimeField())


def with_idle_clock(users):
    """Users annotated with ``active_since`` (their idle clock's start) and ``noticed_at`` (their last notice)."""
    epoch = Value(EPOCH, output_field=DateTimeField())
    return users.annotate(
        active_since=Greatest(Coalesce("last_login", epoch), F("date_joined"),
                              Coalesce(latest_event(RoleChange.Action.REACTIVATED), epoch)),
        noticed_at=latest_event(RoleChange.Action.IDLE_NOTICE))


def idle_candidates(now):
    users = get_user_model().objects.filter(is_active=True, is_superuser=False)
    notice_from = now - datetime.timedelta(days=settings.ACCOUNT_IDLE_DAYS - settings.ACCOUNT_IDLE_NOTICE_DAYS)
    return with_idle_clock(users).filter(active_since__lte=notice_from).order_by("pk")


def notice_message(user, stop_on):
    return message(user.email, "アカウント停止の予告", "registry/accounts/idle_email.txt", {
        "user": user, "stop_on": stop_on, "days": settings.ACCOUNT_IDLE_DAYS, "link": site_link("/admin/login/")})


def idle_accounts(now):
    """Notices to idle accounts not yet told since their last activity; stops those told long enough ago."""
    notices = deactivated = 0
    stop_before = now - datetime.timedelta(days=settings.ACCOUNT_IDLE_DAYS)
    notice_age = datetime.timedelta(days=settings.ACCOUNT_IDLE_NOTICE_DAYS)
    for user in idle_candidates(now):
        noticed = user.noticed_at is not None and user.noticed_at > user.active_since
        if not noticed:
            with transaction.atomic():
                stop_on = timezone.localdate(max(user.active_since + datetime.timedelta(
                    days=settings.ACCOUNT_IDLE_DAYS), now + notice_age))
                audit.record(user, RoleChange.Action.IDLE_NOTICE, detail=f"{stop_on:%Y-%m-%d} 以降に停止",
                             actor_name=DAILY_ACTOR)
                if user.email:
                    send_after_commit([notice_message(user, stop_on)])
            notices += 1
        elif user.active_since <= stop_before and user.noticed_at <= now - notice_age:
            deactivate(user, "未使用のため停止", actor_name=DAILY_ACTOR)
            deactivated += 1
    return notices, deactivated


@transaction.atomic
def deactivate(user, detail, actor_name=None):
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(user, RoleChange.Action.DEACTIVATED, detail=detail, actor_name=actor_name)


@transaction.atomic
def reactivate(user):
    """A stopped account works again; its idle clock starts anew."""
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(user, RoleChange.Action.REACTIVATED)


def run_daily(today=None, now=None):
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = DailyResult()
    with change_context(actor_name=DAILY_ACTOR, source=Source.COMMAND, reason="アカウントの日次処理"):
        result.ended = end_due_memberships(today)
        result.notices, result.deactivated = idle_accounts(now)
    return result

