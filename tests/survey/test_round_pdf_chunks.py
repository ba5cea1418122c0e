"""The published list's PDF laid out a chunk of rows at a time (registry/survey/pdf_chunks.py): the same pages as
one long document (breaks, headings, numbers 「- n / N -」, the summary at the end), every row once and whole."""
import re
import subprocess

import pytest
from django.db import transaction

from registry.survey import pdf_chunks
from registry.survey.printable import round_pdf_bytes
from tests.support.published import load_2017


def page_texts(content, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture(scope="module")
def two_layouts(django_db_setup, django_db_blocker):
    """The 2017 round's PDF in one chunk (195 rows) and in chunks of 40 rows."""
    with django_db_blocker.unblock(), transaction.atomic():
        survey_round = load_2017()
        whole = round_pdf_bytes(survey_round)
        saved, pdf_chunks.LIST_CHUNK_ROWS = pdf_chunks.LIST_CHUNK_ROWS, 40
        try:
            chunked = round_pdf_bytes(survey_round)
        finally:
            pdf_chunks.LIST_CHUNK_ROWS = saved
        transaction.set_rollback(True)
    return whole, chunked


def test_chunks_of_40_rows_give_the_pages_of_one_document(db, two_layouts, tmp_path):
    whole, chunked = two_layouts
    pages = page_texts(whole, tmp_path, "whole.pdf")
    assert len(pages) > 4  # so that 40-row chunks (about a page each) each had a last page to carry over
    assert page_texts(chunked, tmp_path, "chunked.pdf") == pages


def test_the_pdf_is_one_compressed_document_with_its_title(db, two_layouts, tmp_path):
    whole, chunked = two_layouts
    path = tmp_path / "chunked.pdf"
    path.write_bytes(chunked)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Title:\s+自治体の海外拠点一覧（平成29年9月30日現在", info, re.M)
    assert len(whole) < 400_000  # the merged pages' drawings are compressed again


# -- the chunking itself, on small pages ----------------------------------------------------------------------

def small_pages(rows, first, last, tall=()):
    from weasyprint import HTML

    cells = "".join(f'<tr id="row-{index}"><td>{label}</td><td>{"長い説明 " * 400 if label in tall else ""}</td></tr>'
                    for index, label in enumerate(rows))
    html = ("<style>@page { size: A7; margin: 5mm } body { font-size: 8pt } tr { break-inside: avoid }"
            " thead { display: table-header-group } table { table-layout: fixed; width: 100% }"
            " th:first-child { width: 15mm }</style>"
            f"{'<h1>題</h1>' if first else ''}<table><thead><tr><th>見出し</th><th>説明</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>{'<p>集計</p>' if last else ''}")
    return HTML(string=html).render()


def numbered(count):
    from weasyprint import HTML

    return HTML(string="<style>@page { size: A7; margin: 5mm; @bottom-center { content: '- ' counter(page) ' / '"
                       " counter(pages) ' -' } } div + div { break-before: page }</style>" + "<div></div>" * count
                ).render()


@pytest.mark.parametrize("tall", [(), ("行0053",)], ids=["plain-rows", "a-row-taller-than-a-page"])
def test_every_row_is_on_the_list_once_and_every_page_numbered(tmp_path, tall):
    labels = [f"行{number:04d}" for number in range(120)]
    content = pdf_chunks.chunked_pdf(lambda rows, first, last: small_pages(rows, first, last, tall), labels,
                                     numbered, "題", chunk_rows=30)
    pages = page_texts(content, tmp_path, "small.pdf")
    text = "\n".join(pages)
    assert [label for label in re.findall(r"行\d{4}", text)] == labels
    assert text.count("集計") == 1 and "集計" in pages[-1] and "題" in pages[0]
    for number, page in enumerate(pages, start=1):
        if not tall:  # (WeasyPrint repeats no headings on a page that only continues a row taller than a page)
            assert page.split()[0] == "見出し" or number == 1, (number, page[:80])
        assert re.sub(r"\s", "", page.strip().splitlines()[-1]) == f"-{number}/{len(pages)}-"
