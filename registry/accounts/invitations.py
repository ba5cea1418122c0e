"""Inviting people: the invitation, its signed single-use link, resending, withdrawing and accepting it.

The link carries the invitation's id and key, signed with the site's secret (``TimestampSigner``): a forged or
altered link is refused, and it works only while the invitation is open, unexpired and has that key — resending
gives a new key (the old link stops working), accepting or withdrawing closes it. An account created by an
invitation has a usable password from the start: Django's password reset never mails an account without one,
which is why invitations do not go through it.
"""
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from registry.accounts import audit
from registry.accounts.mail import message, send_after_commit, site_link
from registry.models import Invitation, RoleChange
from registry.core.permissions import Role
from registry.accounts.roles import grant_role

SALT = "registry.accounts.invitation"
ROLE_NAMES = {role: Role.GROUP_NAMES[role] for role in Role.ALL}


class InvitationError(Exception):
    """Why an invitation cannot be made or accepted, in Japanese."""


def expiry(now=None):
    return (now or timezone.now()) + datetime.timedelta(days=settings.INVITATION_DAYS)


def token(invitation):
    return signing.TimestampSigner(salt=SALT).sign(f"{invitation.pk}.{invitation.key}")


def link(invitation):
    return site_link(reverse("registry:invitation_accept", args=[token(invitation)]))


def find_by_token(value):
    """The open, unexpired invitation the link names, or raises InvitationError."""
    try:
        pk, key = signing.TimestampSigner(salt=SALT).unsign(value).split(".", 1)
    except (signing.BadSignature, ValueError):
        raise InvitationError("この招待のリンクは正しくありません。") from None
    invitation = Invitation.objects.filter(pk=pk).first()
    if invitation is None or invitation.key != key or invitation.withdrawn_at is not None:
        raise InvitationError("この招待のリンクは使えません（取り下げられたか、新しいリンクが送られています）。")
    if invitation.accepted_at is not None:
        raise InvitationError("この招待はすでに受諾されています。ログイン画面からログインしてください。")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("この招待の有効期限が切れています。招待した人に再送を依頼してください。")
    return invitation


def refusal(email, role, organizations):
    """Why ``email`` cannot be invited with this role (empty when it can)."""
    if role == Role.CLERK and not organizations:
        raise InvitationError("担当者の招待には団体が必要です。")
    if role == Role.LEAD and (len(organizations) != 1 or organizations[0].kind != organizations[0].Kind.PREFECTURE):
        raise InvitationError("取りまとめ担当の招待には都道府県の団体コードを一つ指定します（例：270008 大阪府）。")
    if role not in Role.WITH_ORGANIZATIONS and organizations:
        raise InvitationError("団体を指定できるのは担当者と取りまとめ担当の招待だけです。")
    if get_user_model().objects.filter(username__iexact=email).exists() or \
            get_user_model().objects.filter(email__iexact=email).exists():
        raise InvitationError(f"{email} のアカウントはすでにあります。")
    if Invitation.objects.open().filter(email__iexact=email).exists():
        raise InvitationError(f"{email} には受諾待ちの招待があります（再送または取り下げができます）。")


def invitation_message(invitation, organizations=None):
    if organizations is None:
        organizations = list(invitation.organizations.all())
    organizations = "、".join(o.name for o in organizations) or "全団体"
    return message(invitation.email, "アカウントへの招待", "registry/accounts/invitation_email.txt", {
        "invitation": invitation, "link": link(invitation), "role": ROLE_NAMES[invitation.role],
        "organizations": organizations, "days": settings.INVITATION_DAYS})


def record_invited(invitation, organizations, action=RoleChange.Action.INVITED, detail=""):
    codes = " ".join(o.code for o in organizations)
    audit.record(invitation.email, action, role=invitation.role,
                 organization=organizations[0] if len(organizations) == 1 else None,
                 detail=detail or f"{invitation.name} 団体 {codes}".strip())


@transaction.atomic
def invite(name, email, role, organizations=(), invited_by=None, replaces=None, handover_on=None, check=True):
    """Create the invitation, record it and mail its link (after commit)."""
    email = email.strip().lower()
    organizations = list(organizations)
    if check:
        refusal(email, role, organizations)
    invitation = Invitation.objects.create(
        name=name.strip(), email=email, role=role, invited_by=invited_by, expires_at=expiry(), sent_count=1,
        replaces=replaces, handover_on=handover_on)
    invitation.organizations.set(organizations)
    record_invited(invitation, organizations)
    send_after_commit([invitation_message(invitation, organizations)])
    return invitation


@transaction.atomic
def resend(invitation):
    """A new link (the old one stops working) valid for INVITATION_DAYS from now."""
    if not invitation.is_open:
        raise InvitationError("受諾済みまたは取り下げ済みの招待は再送できません。")
    invitation.key = Invitation._meta.get_field("key").default()
    invitation.expires_at = expiry()
    invitation.sent_count += 1
    invitation.save(update_fields=["key", "expires_at", "sent_count"])
    record_invited(invitation, list(invitation.organizations.all()), RoleChange.Action.INVITATION_RESENT)
    send_after_commit([invitation_message(invitation)])


@transaction.atomic
def withdraw(invitation):
    if not invitation.is_open:
        raise InvitationError("受諾済みまたは取り下げ済みの招待は取り下げられません。")
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    record_invited(invitation, list(invitation.organizations.all()), RoleChange.Action.INVITATION_WITHDRAWN)


@transaction.atomic
def accept(invitation, password):
    """Create the account (user name = the e-mail address) with the password, the role and the organizations."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise InvitationError("この招待はすでに使われています。")
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=invitation.email).exists():
        raise InvitationError(f"{invitation.email} のアカウントはすでにあります。")
    family, _sep, given = invitation.name.partition(" ")
    user = user_model.objects.create_user(invitation.email, invitation.email, password,
                                          last_name=family[:150], first_name=given.strip()[:150])
    organizations = list(invitation.organizations.all())
    grant_role(user, invitation.role, organizations if invitation.role in Role.WITH_ORGANIZATIONS else (),
               actor_name=user.get_username(), reason="招待の受諾")
    invitation.accepted_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "user"])
    audit.record(user, RoleChange.Action.ACCEPTED, role=invitation.role,
                 organization=organizations[0] if len(organizations) == 1 else None,
                 detail=f"招待 #{invitation.pk}", actor_name=user.get_username())
    return user
