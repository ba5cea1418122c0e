"""Open data of a published round: machine-readable CSV, a datapackage frictionless accepts, a DCAT catalog."""
import csv
import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from frictionless import Package

from registry.public.opendata.reading import summary_from_open_data
from registry.public.publishing import portable_text
from registry.models import SurveyRound
from registry.survey.summary import survey_summary
from tests.support.published import load_2017

pytestmark = pytest.mark.django_db
DAY = datetime.date(2017, 9, 30)


@pytest.fixture
def round_2017():
    return load_2017()


@pytest.fixture
def open_data(round_2017, tmp_path):
    call_command("export_open_data", "--survey-date", "2017-09-30", "-o", str(tmp_path), stdout=open("/dev/null", "w"))
    return tmp_path


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_2017_open_data_validates_with_frictionless(open_data):
    report = Package(str(open_data / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    descriptor = json.loads((open_data / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "PDL-1.0"
    assert [r["path"] for r in descriptor["resources"]] == ["bases.csv", "agreements.csv", "organizations.csv"]


def test_re_reading_the_2017_open_data_gives_the_rounds_summary(open_data, round_2017):
    summary = summary_from_open_data(open_data)
    assert summary == survey_summary(round_2017)
    assert (summary["organizations"], summary["bases"], summary["countries"], summary["cities"]) == (66, 195, 15, 42)
    assert summary["forms"] == {"a": 60, "b": 21, "c": 113, "d": 1}
    assert summary["staff"] == {"total": 336, "dispatched": 121, "local": 215}


def test_bases_are_machine_readable(open_data):
    table = rows(open_data / "bases.csv")
    header, body = table[0], table[1:]
    assert header[:4] == ["調査基準日", "全国地方公共団体コード", "地方公共団体名", "拠点ID"]
    assert len(body) == 195
    text = (open_data / "bases.csv").read_text(encoding="utf-8")
    assert not any(ch in text for ch in "①②③④⑤⑥⑦⑧⑨⑩㈱")
    by_column = [dict(zip(header, row)) for row in body]
    assert all(len(row["全国地方公共団体コード"]) == 6 and row["全国地方公共団体コード"].isdigit() for row in by_column)
    assert all(row["設置年度"] == "" or 1868 <= int(row["設置年度"]) <= 2017 for row in by_column)
    osaka = [row for row in by_column if row["地方公共団体名"] == "大阪府"]
    assert osaka and {row["国・地域名"] for row in osaka} >= {"中国"}
    # A base in several countries keeps one 拠点ID over its rows.
    ids = [row["拠点ID"] for row in by_column]
    assert len(set(ids)) == 194


def test_agreements_carry_iso_dates_with_their_precision(open_data):
    table = rows(open_data / "agreements.csv")
    body = [dict(zip(table[0], row)) for row in table[1:]]
    dates = {row["相手先名"]: (row["提携日"], row["提携日_精度"]) for row in body}
    assert dates["上海市"] == ("1980-11-21", "day")
    assert ("2023-10", "month") in dates.values()
    undated = [row for row in body if row["提携日_精度"] == "unknown"]
    assert all(row["提携日"] == "" for row in undated)


def test_an_unpublished_round_has_no_open_data(db):
    load_2017(published=False)
    with pytest.raises(CommandError, match="no published survey round"):
        call_command("export_open_data", "--survey-date", "2017-09-30", "-o", "/tmp/never-written")


def test_open_data_files_and_catalog_at_stable_urls(client, round_2017):
    base = "/opendata/2017-09-30/"
    response = client.get(base + "bases.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("調査基準日,全国地方公共団体コード")
    package = client.get(base + "datapackage.json").json()
    assert package["name"] == "overseas-bases-2017-09-30"
    catalog = client.get("/opendata/catalog.jsonld").json()
    dataset = catalog["dcat:dataset"][0]
    urls = [d["dcat:downloadURL"] for d in dataset["dcat:distribution"]]
    assert "http://testserver/opendata/2017-09-30/bases.csv" in urls
    assert client.get("/opendata/2016-09-30/bases.csv").status_code == 404
    SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 30))  # not published
    assert client.get("/opendata/2018-09-30/bases.csv").status_code == 404
    assert len(client.get("/opendata/catalog.jsonld").json()["dcat:dataset"]) == 1
    assert client.get(base + "secrets.csv").status_code == 404


def test_platform_dependent_characters_are_written_out():
    assert portable_text("①拠点 ⑳ ㈱フォーバル ㍻ Ⅲ") == "(1)拠点 (20) (株)フォーバル 平成 III"
    assert portable_text("上海事務所") == "上海事務所"
