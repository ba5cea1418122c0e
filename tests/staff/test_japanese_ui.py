"""Japanese everywhere: every page of the permission matrix, as every role, shows no English word that is not data.

Data are the values stored in the database (English names of organizations and partners, user names, file
names...); codes (identifiers, addresses, file names) and the words in ALLOWED are the listed exceptions.
Messages of our own code must all be translated (test_every_message_of_ours_is_translated).
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client

from tests.support.english_check import data_pattern, english_lines
from tests.core.test_permission_matrix import MATRIX, ROLES, build_world

ROOT = Path(__file__).resolve().parents[2]

# Words that stay as they are in a Japanese UI: formats, protocols, abbreviations, key names, "No" as in 拠点No.
ALLOWED = frozenset({
    "CSV", "Excel", "xlsx", "xls", "ods", "csv", "tsv", "TSV", "URL", "ID", "IP", "SHA", "HTTP", "Accept", "GET", "POST", "UTF",
    "BOM", "MOU", "OCR", "JSON", "PDF", "LDAP", "User", "Agent", "No", "Control", "Command", "Mac",
    "QR",  # QRコード: the two-factor enrolment
    # The public portal: the API, the catalog format, licence and data sources by their names, and the language
    # switch, which names English in English.
    "API", "DCAT", "CC", "BY", "GeoNames", "Natural", "Earth", "English",
    # The accessibility policy names the standard, its level and the checking tools by their own names.
    "JIS", "X", "WCAG", "AA", "A", "axe", "core", "playwright", "python", "Chromium", "px",
})
# Text written by libraries that our translations cannot reach, with why it is tolerated:
LIBRARY_TEXT = [
    # django-axes names its records with English f-strings (superuser-only login-attempt pages).
    re.compile(r"(Failed access: user|Attempted Access:|Access Log for) .*"),
    # Django names the rows of its automatic link tables (delete confirmations of users and groups).
    re.compile(r"\b\w+-\w+ の関連: .*"),
]


def stored_texts():
    """Every text value in the database: what pages show as data."""
    values = set()
    for model in apps.get_models():
        text_fields = [f.attname for f in model._meta.concrete_fields
                       if isinstance(f, (models.CharField, models.TextField, models.GenericIPAddressField))]
        if not text_fields or model._meta.app_label in {"sessions", "contenttypes"}:
            continue
        for row in model._default_manager.values_list(*text_fields):
            values.update(str(value) for value in row if value and any(c.isascii() and c.isalpha() for c in str(value)))
    return sorted(values, key=len, reverse=True)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            built.data = data_pattern(stored_texts())
            yield built
            transaction.set_rollback(True)


PAGES = [(key, case) for key, cases in MATRIX.items() for case in cases if case.method == "get"]
# The portal and the API follow the visitor's language (Japanese unless asked otherwise): they are walked here.
# Every other page is Japanese whatever the browser asks: tests/staff/test_japanese_only.py walks those with an English
# browser, which says more than a walk without one would (each page is fetched by one of the two tests).
FOLLOW_THE_BROWSER = [(key, case) for key, case in PAGES if key.split(":")[0] in ("portal", "api")]
JAPANESE_ONLY = [(key, case) for key, case in PAGES if (key, case) not in FOLLOW_THE_BROWSER]
pytestmark = pytest.mark.any_database  # text of templates and code: .ci/run runs it in one database's run


def page_ids(pages):
    return [f"{key}#{index}" for index, (key, _case) in enumerate(pages)]


@pytest.mark.parametrize("key, case", FOLLOW_THE_BROWSER, ids=page_ids(FOLLOW_THE_BROWSER))
def test_pages_show_no_english_outside_data(db, world, key, case):
    url = case.url(world)
    found = []
    for role in ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        found += [f"{role} {response.status_code}: {line}"
                  for line in english_lines(response.content.decode(), ALLOWED, world.data)
                  if not any(pattern.search(line) for pattern in LIBRARY_TEXT)]
    assert not found, f"GET {url}\n  " + "\n  ".join(dict.fromkeys(found))


def test_error_pages_are_japanese(client, settings):
    from django.template.loader import render_to_string
    from django.utils import translation

    for code in ("400", "403", "404", "500"):
        # In the site's language: an earlier test's request with an English browser leaves English active in this
        # thread (the test client does not reset it), which no server request would find.
        with translation.override(settings.LANGUAGE_CODE):
            page = render_to_string(f"{code}.html")
        assert not english_lines(page, ALLOWED), code
        assert "ホームに戻る" in page
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "ページが見つかりません" in response.content.decode()


def test_every_message_of_ours_is_translated(tmp_path):
    """makemessages over a copy of our code and templates finds no message without a Japanese translation."""
    for name in ("config", "registry", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete"],
                   cwd=tmp_path, check=True, capture_output=True)
    po = tmp_path / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    for option in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(["msgattrib", option, "--no-obsolete", "--no-location", str(po)],
                                check=True, capture_output=True, text=True)
        entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        assert not entries, f"{option}:\n  " + "\n  ".join(entries)
