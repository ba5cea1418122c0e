"""The PDF of a published round's report (registry.survey.printable.report_pdf_bytes): the survey's summary, then
each breakdown with its chart drawn as vector graphics (no picture embedded) and its table; offered beside the
list PDF."""
import html
import re
import subprocess

from registry.survey.report import survey_report
from registry.survey.printable import report_pdf_bytes
from tests.support.published import DAY_2017, load_2017


def test_the_report_pdf_holds_the_summary_and_every_breakdown_with_a_vector_chart(db, tmp_path, client):
    survey_round = load_2017()
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf_bytes(survey_round))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "平成29年9月30日" in text and "2017年9月30日" in text
    assert "336" in text and "195" in text
    for item in survey_report(survey_round, None)["breakdowns"]:
        assert item.title in text  # 国・地域別拠点数 …, in Japanese
        for label, _count in item.rows:
            assert str(label) in text, label  # the table
        for label in re.findall(r'text-anchor="end">([^<]+)</text>', str(item.chart)):
            assert html.unescape(label) in text, label  # the chart's labels are text, not a picture
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) == 2  # the listing's two heading lines, no image
    assert client.get(f"/opendata/{DAY_2017}/report.pdf")["Content-Type"] == "application/pdf"
