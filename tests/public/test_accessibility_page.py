"""The portal's アクセシビリティ方針 page: the target, and the last automated check as the crawl wrote it."""
import json

import pytest
from django.test import Client

from registry.public.portal import accessibility

pytestmark = pytest.mark.django_db


def write(folder, role, date, pages, violations):
    (folder / f"{role}.json").write_text(json.dumps({
        "date": date, "role": role, "tool": "axe-core 4.12.1", "rules": ["wcag2a", "wcag2aa"],
        "widths": [1400, 390], "pages_checked": pages, "violations": violations, "seconds": 1,
    }), encoding="utf-8")


def test_the_page_adds_up_the_roles_runs_and_says_when(tmp_path, monkeypatch):
    write(tmp_path, "anon", "2026-12-07T21:00:00+00:00", 18, 0)
    write(tmp_path, "root", "2026-12-07T21:30:00+00:00", 290, 0)
    monkeypatch.setattr(accessibility, "RESULTS", tmp_path)
    text = Client().get("/public/accessibility/").content.decode()
    assert "JIS X 8341-3:2016 の適合レベル AA" in text
    assert "2026年12月8日 06:30" in text  # the last run, in JST
    assert "308 ページ分" in text and "問題は見つかりませんでした" in text


def test_violations_are_told_and_a_missing_run_too(tmp_path, monkeypatch):
    monkeypatch.setattr(accessibility, "RESULTS", tmp_path)
    assert "自動試験はまだ実行されていません" in Client().get("/public/accessibility/").content.decode()
    write(tmp_path, "anon", "2026-12-07T21:00:00+00:00", 18, 3)
    assert "3 件の問題が見つかりました" in Client().get("/public/accessibility/").content.decode()


def test_the_portal_footer_links_the_policy_and_reports_go_to_the_contact(settings):
    settings.ACCESSIBILITY_CONTACT = "a11y@example.jp"
    assert 'href="/public/accessibility/"' in Client().get("/public/").content.decode()
    assert 'href="mailto:a11y@example.jp"' in Client().get("/public/accessibility/").content.decode()
