"""Client addresses: X-Forwarded-For counts only as far as TRUSTED_PROXY_COUNT trusts it (issue 26, findings 8, 9).

The API's anonymous throttle and the login lockout both key on the client's address; a client that writes
its own X-Forwarded-For must not escape the throttle nor get someone else throttled, and behind a trusted
proxy (every connection from the proxy's address) each client keeps its own count.
"""
import logging

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from registry.core.permissions import Role
from tests.support.roles import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
RATES = {"anon": "3/minute", "user": "3/minute"}


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def api_status(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().get("/api/v1/rounds/", **headers).status_code


@override_settings(API_THROTTLE_RATES=RATES, TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_rotating_the_header_does_not_escape_the_throttle():
    statuses = [api_status("192.0.2.66", f"198.51.100.{n}") for n in range(4)]
    assert statuses == [200, 200, 200, 429]


@override_settings(API_THROTTLE_RATES=RATES, TRUSTED_PROXY_COUNT=0)
def test_a_forged_header_does_not_get_someone_else_throttled():
    for _ in range(4):
        api_status("192.0.2.66", "192.0.2.5")
    assert api_status("192.0.2.5") == 200


@override_settings(API_THROTTLE_RATES=RATES, TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_each_client_has_its_own_count():
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    statuses = [api_status(PROXY, f"203.0.113.{n}, 198.51.100.7") for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert api_status(PROXY, "198.51.100.8") == 200


def login(forwarded, username, password):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    return client.post(reverse("admin:login"), {"username": username, "password": password,
                                                "next": reverse("admin:index")})


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_lockout_locks_the_guesser_not_the_user(settings):
    make_user(Role.CLERK, "270008", username="tanaka")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(f"192.0.2.{n}, 203.0.113.9", "tanaka", "wrong-password")
    assert login("192.0.2.99, 203.0.113.9", "tanaka", PASSWORD).status_code == 429  # the guesser stays locked
    assert login("198.51.100.7", "tanaka", PASSWORD).status_code == 302  # tanaka, behind the same proxy, logs in


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_lockout_ignores_the_header(settings):
    make_user(Role.CLERK, "270008", username="tanaka")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(f"203.0.113.{n}", "tanaka", "wrong-password")
    assert login("198.51.100.7", "tanaka", PASSWORD).status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_access_log_names_the_client_behind_the_proxy(caplog):
    with caplog.at_level(logging.INFO, logger="registry.access"):
        api_status(PROXY, "192.0.2.1, 198.51.100.7")
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.access"]
    assert lines and lines[-1].startswith('198.51.100.7 "GET /api/v1/rounds/" 200')
