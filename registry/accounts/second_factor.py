"""Two-factor sign-in: who must have a second factor, enrolling one, and the gate every request passes.

A second factor is a TOTP app (django-otp's ``TOTPDevice``) and its single-use recovery codes (a ``StaticDevice``),
enrolled together and reset together. ``MFA_REQUIRED_ROLES`` names the roles that must have one; anyone else may.
After the password (the admin's login form, the one sign-in of the site), ``SecondFactorMiddleware`` lets a
signed-in user who is not yet verified reach only the code page (when they have a device) or the enrolment page
(when their role requires one), and logging out. docs/sign-in.md.
"""
import base64
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.accounts import audit
from registry.core.permissions import Role, user_roles

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "認証アプリ"
RECOVERY_DEVICE_NAME = "回復コード"
CODE_STEP = "two_factor_code"
ENROL_STEP = "two_factor"
OPEN_WHILE_PENDING = {"admin:logout"}


def role_names(user):
    names = set(user_roles(user))
    if user.is_superuser:
        names.add("superuser")
    return names


def requires_second_factor(user):
    return bool(role_names(user) & set(settings.MFA_REQUIRED_ROLES))


def has_second_factor(user):
    return user_has_device(user, confirmed=True)


def app_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_app_device(user):
    """The not yet confirmed app device the enrolment page shows (the same secret on every visit until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def base32_secret(device):
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def grouped(secret):
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def normalized_code(text):
    return "".join((text or "").split()).replace("-", "").lower()


@transaction.atomic
def new_recovery_codes(user):
    """Replace the user's recovery codes with fresh ones; returns them (shown once, stored only by django-otp)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME,
                                                         defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remaining_recovery_codes(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def confirm_app_device(user, device, code):
    """Confirm the enrolment with a code from the app; returns the recovery codes, or None for a wrong code."""
    if device.user_id != user.pk or not device.verify_token(normalized_code(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    audit.record(user, audit_action().MFA_ENROLLED, detail="認証アプリと回復コード")
    return codes


@transaction.atomic
def remove_second_factor(user, detail):
    """Delete every device of the user (their sessions verified by one of them are no longer verified)."""
    had = has_second_factor(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if had:
        audit.record(user, audit_action().MFA_RESET, detail=detail)
    return had


def may_reset(actor, target):
    """A coordinator resets a clerk's second factor; a superuser anyone's; nobody their own through this page."""
    if actor.pk == target.pk or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if Role.COORDINATOR not in user_roles(actor) or target.is_superuser:
        return False
    return role_names(target) <= {Role.CLERK}


def may_reset_anyone(actor):
    return actor.is_active and (actor.is_superuser or Role.COORDINATOR in user_roles(actor))


def audit_action():
    from registry.models import RoleChange

    return RoleChange.Action


def pending_step(user):
    """The page a signed-in user who is not verified must go to, or None when nothing is asked of them."""
    if has_second_factor(user):
        return CODE_STEP
    if requires_second_factor(user):
        return ENROL_STEP
    return None


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a signed-in user who owes a code or an enrolment reaches only that page
    and logging out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        step = pending_step(user)
        if step is None:
            return None
        request.second_factor_step = step
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name == step or view_name in OPEN_WHILE_PENDING:
            return None
        target = reverse(step)
        next_url = request.GET.get("next", "") if view_name == "admin:login" else request.get_full_path()
        if request.method == "GET" and next_url:
            target += "?" + urlencode({"next": next_url})
        return redirect(target)
