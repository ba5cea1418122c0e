"""Security headers (issue 26, finding 13): a Content-Security-Policy on every page, pages that need no inline
script or style, and cookies marked Secure when the deployment says it is served over HTTPS."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from registry.core.permissions import Role
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response):
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def staff():
    return logged_in(make_user(Role.COORDINATOR, username="csp_coordinator"))


@pytest.mark.parametrize("url", ["/", "/bases/", "/agreements/", "/admin/", "/admin/registry/base/",
                                 "/admin/registry/place/", "/admin/login/"])
def test_staff_pages_and_the_admin_carry_the_policy(url):
    response = staff().get(url, follow=True)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", ["/public/", "/api/v1/docs/"])
def test_the_portal_and_the_api_docs_carry_the_policy(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]


def test_the_api_docs_script_is_a_file_not_inline(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "<script>" not in page and "<style>" not in page
    script = client.get("/api/v1/docs/?script")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)


def test_no_template_of_ours_has_an_inline_script_style_or_event_handler():
    offenders = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("url", ["/", "/bases/", "/agreements/", "/contractors/", "/admin/registry/base/add/",
                                 "/admin/registry/agreement/add/", "/admin/registry/place/", "/public/"])
def test_pages_as_served_have_no_inline_script_style_or_event_handler(url):
    """Widgets and template tags add attributes the templates do not show (a Select2 width, say)."""
    html = staff().get(url, follow=True).content.decode()
    assert INLINE.findall(html) == []


def settings_under(**environ):
    """Settings as a server started with ``environ`` reads them (a fresh interpreter)."""
    code = ("import config.settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))")
    env = {**os.environ, **environ}
    for name in ("SECURE_COOKIES", "SECURE_PROXY_SSL_HEADER"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_https_behind_a_trusted_proxy_gives_secure_cookies_and_trusts_the_proxys_scheme():
    assert settings_under(SERVED_OVER_HTTPS="1", TRUSTED_PROXY_COUNT="1") == \
        "True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert settings_under(SERVED_OVER_HTTPS="1", TRUSTED_PROXY_COUNT="0") == "True True None"
    assert settings_under(SERVED_OVER_HTTPS="0", TRUSTED_PROXY_COUNT="1") == "False False None"


def test_the_session_cookie_is_secure_over_https_behind_the_proxy(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    make_user(Role.CLERK, "270008", username="tanaka")
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    response = client.post("/admin/login/", {"username": "tanaka", "password": "correct-horse-battery",
                                             "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
