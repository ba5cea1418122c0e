"""/opendata/: a public page in Japanese listing each published round's files with their sizes; every CSV
meant for Excel starts with a BOM, and the data package says so."""
import re

import pytest
from django.test import Client

from tests.support.english_check import english_lines
from tests.support.published import load_2017

pytestmark = pytest.mark.django_db
FILES = ["datapackage.json", "bases.csv", "agreements.csv", "organizations.csv", "list.pdf", "report.pdf"]


@pytest.fixture
def round_2017():
    return load_2017()


def listed_files(page):
    """(name, URL, size shown) of each listed file."""
    return re.findall(r'<a href="(/opendata/[^"]+)"><code>([^<]+)</code></a></td><td class="num">([\d,]+) バイト', page)


def test_opendata_lists_each_rounds_files_with_their_sizes(round_2017):
    for pdf in ("list.pdf", "report.pdf"):  # built as the worker builds them after publication
        assert Client().get(f"/opendata/2017-09-30/{pdf}").status_code == 200
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/opendata/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "オープンデータ" in page and "2017-09-30現在の調査回" in page and '<html lang="ja">' in page
    listed = listed_files(page)
    assert [name for _url, name, _size in listed] == FILES
    for url, _name, size in listed:
        body = Client().get(url).content
        assert int(size.replace(",", "")) == len(body), url
    assert not english_lines(page, {"CSV", "BOM", "UTF", "Excel", "DCAT", "API", "CC", "BY", "GeoNames",
                                    "Natural", "Earth"})


def test_opendata_without_a_published_round_says_so(db):
    response = Client().get("/opendata/")
    assert response.status_code == 200 and "公開された調査回はまだありません" in response.content.decode()


@pytest.mark.parametrize("table", ["bases", "agreements", "organizations"])
def test_open_data_csv_starts_with_a_bom_that_the_package_declares(round_2017, table):
    client = Client()
    body = client.get(f"/opendata/2017-09-30/{table}.csv").content
    assert body.startswith("\ufeff".encode())
    resource = next(r for r in client.get("/opendata/2017-09-30/datapackage.json").json()["resources"]
                    if r["name"] == table)
    assert resource["encoding"] == "utf-8-sig"


def test_the_list_never_builds_a_pdf_that_is_not_built_yet(round_2017):
    """A visitor waits for no PDF: one the worker has not built yet reads 「作成中」, and is still not built."""
    from registry.public.publishing import publication
    from registry.survey.printable import LIST_PDF, REPORT_PDF

    page = Client().get("/opendata/").content.decode()
    assert [name for _url, name, _size in listed_files(page)] == FILES[:4]
    assert page.count("作成中") == 2 and "list.pdf" in page and "report.pdf" in page
    state = publication(None)
    assert [state.round_kept(state.rounds[0], part) for part in (LIST_PDF, REPORT_PDF)] == [None, None]
