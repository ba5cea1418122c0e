"""The one place tests meet the two-factor rule (registry/accounts/second_factor.py).

``client.force_login(user)`` stands for a finished sign-in: password *and* second factor. For a user who has a
second factor, or whose role requires one, tests/conftest.py makes every ``force_login`` also verify the session
the way django-otp's own ``django_otp.login`` does after a right code — with a real, confirmed TOTP device of the
user (enrolled here when missing). Nothing in the application is relaxed: a session without a verified device
still reaches nothing but the code or enrolment page. Tests of that rule sign in with
``force_login_unverified``; tests that type codes use ``totp_code``.
"""
import base64
import time

import pyotp
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.accounts import second_factor

_original_force_login = Client.force_login


def enrol(user, name="tests"):
    """A confirmed TOTP device for ``user`` (their existing one, if any)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def totp_code(device, later_steps=0):
    """The code an authenticator app shows for ``device`` now (or ``later_steps`` periods later), via pyotp."""
    secret = base64.b32encode(device.bin_key).decode()
    return pyotp.TOTP(secret, digits=device.digits, interval=device.step).at(time.time() + later_steps * device.step)


def verify_session(client, user):
    """Mark the client's session as verified by the user's device, as ``django_otp.login`` does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrol(user).persistent_id
    session.save()


def force_login_verified(client, user, backend=None):
    _original_force_login(client, user, backend)
    if second_factor.requires_second_factor(user) or second_factor.has_second_factor(user):
        verify_session(client, user)


def force_login_unverified(client, user, backend=None):
    """Signed in with the password only: what a person is before typing the code."""
    _original_force_login(client, user, backend)


def install():
    """Called once by tests/conftest.py."""
    Client.force_login = force_login_verified
