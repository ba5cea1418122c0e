"""Japanese only, whatever the browser says: staff pages, the admin, history labels and exports in Japanese
with ``Accept-Language: en``; the portal keeps its language switch."""
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from registry.core.history.context import Source, change_context
from registry.models import Organization
from registry.core.permissions import Role
from registry.sheets.outcome import ImportOutcome, RowNotice
from tests.support.english_check import english_lines
from tests.support.roles import make_user
from tests.staff.test_japanese_ui import (  # noqa: F401  (the module's world)
    ALLOWED, JAPANESE_ONLY, LIBRARY_TEXT, page_ids, world,
)

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
pytestmark = pytest.mark.any_database  # text of templates and code: .ci/run runs it in one database's run


@pytest.mark.parametrize("key, case", JAPANESE_ONLY, ids=page_ids(JAPANESE_ONLY))
def test_pages_show_no_english_with_an_english_browser(db, world, key, case):  # noqa: F811
    """Every page but the portal's and the API's (tests/staff/test_japanese_ui.py), with an English browser."""
    url = case.url(world)
    assert not url.startswith(("/public/", "/api/")), url  # those follow the visitor's language
    found = []
    for role, user in world.users.items():
        client = Client(**ENGLISH)
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if "text/html" in response.get("Content-Type", ""):
            found += [f"{role}: {line}" for line in english_lines(response.content.decode(), ALLOWED, world.data)
                      if not any(pattern.search(line) for pattern in LIBRARY_TEXT)]
    assert not found, f"GET {url}\n  " + "\n  ".join(dict.fromkeys(found))


def test_the_portal_still_follows_the_browser(db):
    assert 'lang="en"' in Client(**ENGLISH).get("/public/", follow=True).content.decode()


@pytest.fixture
def supervisor_client(db):
    client = Client(**ENGLISH)
    client.force_login(make_user(Role.SUPERVISOR, username="jp_only_super"))
    return client


INTERNAL_NAMES = {"import: command": "調査の取込（コマンド）",
                  "command: load_local_governments": "団体一覧の読込（コマンド）",
                  "geocode_places": "地点の位置付け（コマンド）", "setup_demo": "デモの準備（コマンド）"}


@pytest.fixture
def commands_history(db):
    organization = Organization.objects.get(code="270008")
    for index, actor in enumerate(INTERNAL_NAMES):
        with change_context(source=Source.COMMAND, actor_name=actor, reason="geocode_places"):
            organization.name_kana = f"かな{index}"
            organization.save()
    return organization


def test_history_shows_commands_by_what_they_did(supervisor_client, commands_history):
    page = supervisor_client.get(reverse("registry:history")).content.decode()
    export = supervisor_client.get(reverse("registry:history_export", args=["csv"]))
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    for shown in (page, text):
        for internal, label in INTERNAL_NAMES.items():
            assert label in shown and internal not in shown
        assert "地点の位置付け" in shown and "geocode_places" not in shown


def test_the_admin_search_icon_is_named_in_japanese(supervisor_client):
    page = supervisor_client.get(reverse("admin:registry_organization_changelist")).content.decode()
    assert 'alt="検索"' in page and 'alt="Search"' not in page


def test_the_admin_hides_the_browser_time_zone_note(supervisor_client):
    page = supervisor_client.get(reverse("admin:index")).content.decode()
    assert "registry/admin.css" in page
    css = supervisor_client.get("/static/registry/admin.css")
    assert ".timezonewarning { display: none; }" in b"".join(css.streaming_content).decode()


def test_the_xlsx_sheet_is_named_in_japanese(supervisor_client):
    response = supervisor_client.get(reverse("registry:base_list") + "?export=xlsx")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as package:
        workbook = package.read("xl/workbook.xml").decode()
    assert 'name="海外拠点"' in workbook and 'name="bases"' not in workbook


def test_row_notices_are_located_in_japanese_on_pages(db):
    outcome = ImportOutcome(notices=[RowNotice(205, "注意")])
    assert outcome.shown_warnings() == ["205行目：注意"]
    assert outcome.report_lines() == ["warning: row 205: 注意"]  # the command line keeps its form
    assert ImportOutcome.from_data(outcome.as_data()).shown_warnings() == ["205行目：注意"]


def test_the_api_docs_page_is_japanese(db):
    page = Client(**ENGLISH).get("/api/v1/docs/").content.decode()
    assert '<html lang="ja">' in page and "<title>API 仕様 | 海外拠点レジストリ</title>" in page
