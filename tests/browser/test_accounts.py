"""Accounts in a real browser (issue 23): a coordinator invites a clerk of 京都市, the clerk sets a password from
the e-mailed link and sees only 京都市; a handover dated today and the daily task hand the seat to a successor.

The server is a separate process: it writes its mail to files (Django's file backend, EMAIL_FILE_PATH), which
the test reads as the invitee reads their inbox.
"""
import re
import shutil

import pytest
from django.utils import timezone

from .live import log_in, new_page, running_site

pytestmark = pytest.mark.browser
PASSWORD = "kyoto-new-pass-2026"


@pytest.fixture
def mail_site(demo_database, tmp_path):
    database = tmp_path / "site.sqlite3"
    shutil.copy(demo_database, database)
    outbox = tmp_path / "mail"
    outbox.mkdir()
    file_mail = "django.core.mail.backends.filebased.EmailBackend"
    with running_site(database, tmp_path / "server.log", EMAIL_BACKEND=file_mail, EMAIL_FILE_PATH=str(outbox)) as site:
        site.outbox = outbox
        yield site


def invitation_path(site, address):
    """The link of the newest e-mail to ``address`` the server wrote."""
    for path in sorted(site.outbox.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        text = path.read_text()
        if f"To: {address}" in text:
            return re.search(r"(/invitation/[^/\s]+/)", text).group(1)
    raise AssertionError(f"no mail to {address}")


def accept(page, site, address):
    page.goto(site.url + invitation_path(site, address))
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/admin/login/" in page.url
    log_in(page, site, address, PASSWORD)


def test_an_invited_clerk_of_kyoto_signs_in_and_a_handover_moves_the_seat(mail_site, chromium):
    site = mail_site
    coordinator = new_page(chromium)
    log_in(coordinator, site, "coordinator")
    coordinator.goto(f"{site.url}/accounts/organizations/261009/")
    coordinator.fill("#id_name", "京都 一郎")
    coordinator.fill("#id_email", "ichiro@kyoto.example.jp")
    coordinator.click("text=招待メールを送る")
    assert "招待を送りました" in coordinator.locator(".messages").inner_text()
    assert "招待中" in coordinator.locator("#account-table").inner_text()

    clerk = new_page(chromium)
    accept(clerk, site, "ichiro@kyoto.example.jp")
    clerk.goto(f"{site.url}/bases/")
    bases = clerk.locator("main").inner_text()
    assert "京都市" in bases and "大阪府" not in bases and "札幌市" not in bases
    clerk.goto(f"{site.url}/accounts/")
    assert "京都市" in clerk.locator("#account-table").inner_text()
    assert "大阪府" not in clerk.locator("#account-table").inner_text()

    coordinator.goto(f"{site.url}/accounts/organizations/261009/")
    coordinator.locator("#account-table tr", has_text="ichiro@kyoto.example.jp").locator("text=引継ぎ").click()
    coordinator.fill("#id_ends_on", timezone.localdate().isoformat())
    coordinator.fill("#id_successor_name", "京都 次郎")
    coordinator.fill("#id_successor_email", "jiro@kyoto.example.jp")
    coordinator.click("text=引継ぎを予定する")
    assert "引継ぎを予定し" in coordinator.locator(".messages").inner_text()
    site.manage("accounts", "daily")

    clerk.goto(f"{site.url}/bases/")
    assert "京都市" not in clerk.locator("main").inner_text()  # the old account no longer acts for 京都市
    successor = new_page(chromium)
    accept(successor, site, "jiro@kyoto.example.jp")
    assert successor.locator("#round-todo").count() == 1  # the open round's work, where the clerk left it
    successor.goto(f"{site.url}/bases/")
    assert "京都市" in successor.locator("main").inner_text()
    for page in (coordinator, clerk, successor):
        page.context.close()
