"""The sign-in and the password reset answer an existing and an unknown account alike: the same status, the same
page, and no measurable difference in time over 50 tries each.

How it is measured: the two kinds of request alternate (so a slow moment of the machine hits both), after a few
unmeasured warm-up requests; each answer's time is taken with ``perf_counter``. The comparison is of the medians,
which ignore the few requests a busy machine delays: the medians must differ by less than a tolerance of 25% of
the faster median, and at least 3 ms. That tolerance is wide for a noisy shared machine and narrow for what a
real leak costs: the sign-in test hashes with PBKDF2 at 30,000 iterations (about 15–30 ms here), so skipping the
hash for unknown user names — the classic leak, which Django's ModelBackend avoids by hashing a password for
them too — would show as a gap of the whole hash. The reset renders the same mail and writes the same audit row
for both (registry/accounts/password_reset.py); only the mail's hand-over differs, after the response.
"""
import re
import statistics
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from registry.core.permissions import Role
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db
TRIES = 50
WARM_UP = 5


class MeasurablePBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Production's hasher with fewer iterations: slow enough that a skipped hash would show, quick enough for 100
    sign-ins."""

    iterations = 30_000


def page_text(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def alternate(send_known, send_unknown):
    """Time ``TRIES`` answers of each kind, alternating; returns their answers and times."""
    answers, times = {"known": [], "unknown": []}, {"known": [], "unknown": []}
    for number in range(WARM_UP + TRIES):
        for kind, send in (("known", send_known), ("unknown", send_unknown)):
            cache.clear()  # the reset's limits and axes' counts start afresh (not timed)
            started = time.perf_counter()
            response = send(number)
            elapsed = time.perf_counter() - started
            if number >= WARM_UP:
                answers[kind].append(response)
                times[kind].append(elapsed)
    return answers, times


def assert_no_measurable_difference(times):
    known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
    tolerance = max(0.003, 0.25 * min(known, unknown))
    assert abs(known - unknown) < tolerance, (
        f"median {known * 1000:.1f} ms for an existing account, {unknown * 1000:.1f} ms for an unknown one")
    return known, unknown


@override_settings(PASSWORD_HASHERS=["tests.accounts.test_sign_in_timing.MeasurablePBKDF2PasswordHasher"])
def test_a_wrong_password_and_an_unknown_user_name_get_the_same_answer_in_the_same_time():
    make_user(Role.CLERK, "大阪府", username="osaka")
    client = Client()

    def attempt(username, number):
        # a new client address each time: django-axes would otherwise lock the fifth failure out
        return client.post(reverse("admin:login"), {"username": username, "password": "not-the-password"},
                           REMOTE_ADDR=f"10.9.{number // 250}.{number % 250}")

    answers, times = alternate(lambda n: attempt("osaka", n), lambda n: attempt("nobody", n))
    assert {r.status_code for r in answers["known"] + answers["unknown"]} == {200}
    assert page_text(answers["known"][0]).replace("osaka", "nobody") == page_text(answers["unknown"][0])
    known, _unknown = assert_no_measurable_difference(times)
    assert known > 0.005, "the hash is too quick here for the comparison to mean anything"


def test_a_reset_for_an_existing_and_an_unknown_address_gets_the_same_answer_in_the_same_time():
    make_user(Role.CLERK, "大阪府", username="osaka")
    client = Client()

    def ask(email, number):
        return client.post(reverse("admin_password_reset"), {"email": email}, REMOTE_ADDR="10.8.0.1")

    answers, times = alternate(lambda n: ask("osaka@example.jp", n), lambda n: ask("nobody@example.jp", n))
    assert {(r.status_code, r["Location"]) for r in answers["known"] + answers["unknown"]} == {
        (302, reverse("password_reset_done"))}
    assert_no_measurable_difference(times)
