"""Signing in, in Chromium (docs/sign-in.md): a coordinator without a second factor reaches nothing but the
enrolment page, enrols (the code computed with pyotp from the secret the page shows), then everything works and
a recovery code works once; a clerk who forgot the password gets back in by e-mail (the server's mail is written
to files by Django's file backend and read from there)."""
import os
import re
import shutil
import time
from pathlib import Path

import pyotp
import pytest

from .live import DEMO_PASSWORD, NARROW, WIDE, enter_code, running_site, totp_code_from

pytestmark = pytest.mark.browser
NEW_PASSWORD = "kyoto-momiji-2026"
SET_UP = """
from django.contrib.auth import get_user_model
from registry.accounts.roles import grant_role
User = get_user_model()
user = User.objects.create_user("new_coordinator", "new_coordinator@example.jp", "{password}")
grant_role(user, "coordinator", [], actor_name="tests")
User.objects.filter(username="osaka_clerk").update(email="osaka_clerk@example.jp")
"""


@pytest.fixture
def mail_site(demo_database, tmp_path):
    """The demo site with a coordinator who has no second factor, and its mail written to files."""
    database = tmp_path / "site.sqlite3"
    shutil.copy(demo_database, database)
    mail_folder = tmp_path / "mail"
    with running_site(database, tmp_path / "server.log", EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                      EMAIL_FILE_PATH=str(mail_folder)) as site:
        site.manage("shell", "-c", SET_UP.format(password=DEMO_PASSWORD))
        site.mail_folder = mail_folder
        yield site


def password_step(page, site, username, password=DEMO_PASSWORD):
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form input[type=submit]")
    page.wait_for_load_state()


def log_out(page):
    page.click("form.sign-in-logout button, #site-header form button")
    page.wait_for_load_state()


def screenshot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        for viewport in (WIDE, NARROW):
            page.set_viewport_size(viewport)
            page.screenshot(path=str(Path(folder) / f"{name}-{viewport['width']}.png"), full_page=True)
        page.set_viewport_size(WIDE)


def test_a_coordinator_enrols_before_anything_else_and_a_recovery_code_works_once(mail_site, browser_page):
    page, site = browser_page, mail_site
    password_step(page, site, "new_coordinator")
    assert page.url.startswith(f"{site.url}/two-factor/")
    assert "二要素認証が必須です" in page.inner_text("#content-main")
    for path in ["/bases/", "/admin/", "/history/", "/sign-in/code/"]:
        page.goto(f"{site.url}{path}")
        assert page.url.startswith(f"{site.url}/two-factor/"), path
    screenshot(page, "enrol")
    assert page.locator("img.qr-code").get_attribute("src").startswith("data:image/svg+xml")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("#enrol-form input[type=submit]")
    page.wait_for_load_state()
    codes = page.locator(".code-list code").all_inner_texts()
    assert len(codes) == 10 and "今回だけ" in page.inner_text("#content-main")
    screenshot(page, "recovery-codes")
    page.click("text=続ける")
    page.goto(f"{site.url}/bases/")
    assert page.locator("table").count() >= 1
    page.goto(f"{site.url}/admin/registry/base/")
    assert page.url == f"{site.url}/admin/registry/base/"

    log_out(page)
    password_step(page, site, "new_coordinator")
    assert "/sign-in/code/" in page.url
    screenshot(page, "code")
    enter_code(page, codes[0])
    assert "回復コードでログインしました" in page.inner_text("body")
    page.goto(f"{site.url}/bases/")
    assert page.url == f"{site.url}/bases/"

    log_out(page)
    password_step(page, site, "new_coordinator")
    enter_code(page, codes[0])
    assert "/sign-in/code/" in page.url and "確認コードが正しくありません" in page.inner_text("#content-main")
    time.sleep(2)  # django-otp makes the next try after a wrong code wait a moment
    enter_code(page, totp_code_from(site.database, "new_coordinator"))
    page.goto(f"{site.url}/bases/")
    assert page.url == f"{site.url}/bases/"


def mail_link(folder, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(Path(folder).glob("*.log")) if Path(folder).is_dir() else []:
            found = re.search(r"http://\S+/password-reset/\S+/\S+/", path.read_text())
            if found:
                return found.group(0)
        time.sleep(0.3)
    raise AssertionError("no reset mail was written")


def test_a_clerk_who_forgot_the_password_gets_back_in_by_email(mail_site, browser_page):
    page, site = browser_page, mail_site
    page.goto(f"{site.url}/admin/login/")
    page.click("text=ログイン認証情報を忘れましたか？")
    screenshot(page, "reset-form")
    page.fill("#id_email", "osaka_clerk@example.jp")
    page.click("#password-reset-form input[type=submit]")
    page.wait_for_load_state()
    assert "再設定のメールを送りました" in page.inner_text("#content-main")
    link = mail_link(site.mail_folder)
    page.goto(link)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    screenshot(page, "set-password")
    page.click("#set-password-form input[type=submit]")
    page.wait_for_load_state()
    assert "パスワードを設定しました" in page.inner_text("#content-main")
    page.click("text=ログインする")
    page.fill("#id_username", "osaka_clerk")
    page.fill("#id_password", NEW_PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{site.url}/bases/")
    assert page.url == f"{site.url}/bases/" and page.locator("table").count() >= 1
    page.goto(link)  # the link worked once
    assert "このリンクは使えません" in page.inner_text("#content-main")
