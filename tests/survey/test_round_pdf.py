"""The PDF of a published round (registry.survey.printable), read back with poppler's pdftotext: the survey's
layout with its title in 和暦 and 西暦, headings on every page, rows never split, page numbers, the summary table
at the end; built by the tasks worker after a publication or a correction and offered beside the open data."""
import datetime
import re
import subprocess

import pytest
from django.db import transaction

from registry.models import SurveyRound
from registry.core.permissions import Role
from registry.survey import lifecycle
from registry.survey.printable import round_pdf_bytes
from registry.survey.summary import reported_records
from tests.support.published import DAY_2017, load_2017
from tests.support.roles import make_user

PDF_URL = f"/opendata/{DAY_2017}/list.pdf"
HEADINGS = ["団体", "番号", "拠点名", "国・地域", "都市", "形態", "委託先", "設置年度", "職員数計", "派遣職員数",
            "現地職員数"]


def pdf_pages(content, tmp_path):
    path = tmp_path / "round.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [[line for line in page.splitlines() if line.strip()] for page in text.split("\f") if page.strip()]


@pytest.fixture(scope="module")
def published_2017(django_db_setup, django_db_blocker, tmp_path_factory):
    """The 2017 round published, its PDF built once, its pages' lines and its records (organization, name)."""
    with django_db_blocker.unblock(), transaction.atomic():
        survey_round = load_2017()
        content = round_pdf_bytes(survey_round)
        records = [(str(record.base.organization), record.name) for record in
                   reported_records(survey_round).select_related("base__organization")]
        transaction.set_rollback(True)
    return content, pdf_pages(content, tmp_path_factory.mktemp("pdf")), records


def test_the_first_page_is_titled_with_the_date_in_both_calendars(db, published_2017):
    content, pages, _records = published_2017
    assert content.startswith(b"%PDF-")
    assert "自治体の海外拠点一覧" in pages[0][0]
    assert "平成29年9月30日" in pages[0][0] and "2017年9月30日" in pages[0][0]


def test_every_page_starts_with_the_headings_and_ends_with_its_number(db, published_2017):
    _content, pages, _records = published_2017
    assert len(pages) > 1
    for number, lines in enumerate(pages, start=1):
        body = lines[1:] if number == 1 else lines  # the title comes first on page 1
        assert re.findall(r"\S+", body[0]) == HEADINGS, (number, body[0])
        assert re.sub(r"\s", "", lines[-1]) == f"-{number}/{len(pages)}-"  # 「- 3 / 14 -」: poppler drops the spaces


def test_every_base_is_on_the_list_whole_on_one_page(db, published_2017):
    _content, pages, records = published_2017
    organizations = {organization for organization, _name in records}
    lines = [line for page in pages for line in page]
    for organization, name in records:  # the name whole, on the line that begins its row
        assert any(line.startswith(organization[:3]) and name in line for line in lines), (organization, name)
    for number, page in enumerate(pages, start=1):  # a row carried over would begin with a wrapped cell's end
        first_row = page[2] if number == 1 else page[1]
        assert any(first_row.startswith(organization[:3]) for organization in organizations), (number, first_row)


def test_the_last_page_ends_with_the_summary_as_the_sheet_prints_it(db, published_2017):
    _content, pages, _records = published_2017
    last = "\n".join(pages[-1])
    assert re.search(r"自治体数\s+拠点数\s+設置国・地域数\s+設置都市数\s+形態別拠点数", last)
    assert re.search(r"^\s*66\s+195\s+15\s+\d+\s+a\s+60\s*$", last, re.M)
    for letter, count in (("b", 21), ("c", 113), ("d", 1)):
        assert re.search(rf"^\s*{letter}\s+{count}\s*$", last, re.M), letter
    assert re.search(r"計\s+336\s+121\s+215", last) and re.search(r"平均\s+1\.7\s+0\.6\s+1\.1", last)
    assert "※複数国地域にまたがる場合は国ごとにカウントしている。" in last


def test_the_worker_builds_it_after_publication_and_again_after_a_correction(
        db, client, admin_client, django_capture_on_commit_callbacks, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.sheets.test_import_jobs import run_db_worker
    from tests.public.test_publication_cache import reads_round_records

    with django_capture_on_commit_callbacks(execute=True):
        survey_round = load_2017()
    run_db_worker()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PDF_URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not reads_round_records(queries.captured_queries)  # built by the worker, kept
    assert f'href="{PDF_URL}"' in client.get("/public/").content.decode()
    assert f'href="{PDF_URL}"' in admin_client.get(f"/survey/{DAY_2017}/").content.decode()

    record = reported_records(survey_round).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.correct(record, {"name": "訂正後の事務所名"}, "名称の誤り", make_user(Role.COORDINATOR))
    run_db_worker()
    with CaptureQueriesContext(connection) as queries:
        corrected = client.get(PDF_URL).content
    assert not reads_round_records(queries.captured_queries)
    text = "\n".join(line for page in pdf_pages(corrected, tmp_path) for line in page)
    assert "訂正後の事務所名" in text and "訂正" in text.replace("訂正後の事務所名", "")


def test_an_unpublished_round_has_no_pdf(client, db):
    load_2017(published=False)
    assert client.get(PDF_URL).status_code == 404
    assert SurveyRound.objects.get(reference_date=DAY_2017).reference_date == datetime.date(2017, 9, 30)


def test_the_public_pdf_leaves_out_the_forms_free_text_detail(db, tmp_path):
    """The open data and the API do not publish a record's form detail; neither does the published list."""
    survey_round = load_2017()
    record = reported_records(survey_round).first()
    record.form_detail = "非公開の形態メモ"
    record.save(update_fields=["form_detail"])
    text = "\n".join("\n".join(page) for page in pdf_pages(round_pdf_bytes(survey_round), tmp_path))
    assert record.name.split()[0] in text and "非公開の形態メモ" not in text
