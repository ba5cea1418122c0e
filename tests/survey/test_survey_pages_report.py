"""The survey report: the survey's own numbers, breakdowns with charts, comparison of rounds, scope."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Base, BaseStatus, ReviewState, SurveyRound
from registry.core.permissions import Role
from registry.survey.report import summary_rows
from registry.sheets.survey.importing import import_survey_file
from registry.survey.summary import survey_summary
from tests.conftest import SURVEY_2017
from tests.support.factories import make_base
from tests.support.lists_helpers import record_for
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db
DATE_2017 = datetime.date(2017, 9, 30)


def report_page(client, reference_date, query=""):
    response = client.get(reverse("registry:survey_report", args=[reference_date]) + query)
    assert response.status_code == 200
    return response


def breakdown(response, title_start):
    return next(item for item in response.context["report"]["breakdowns"] if item.title.startswith(title_start))


def test_report_of_the_2017_survey_matches_survey_summary(admin_client):
    outcome = import_survey_file(SURVEY_2017.read_bytes(), SURVEY_2017.name, DATE_2017)
    assert not outcome.errors
    summary = survey_summary(SurveyRound.objects.get(reference_date=DATE_2017))
    response = report_page(admin_client, DATE_2017)
    report = response.context["report"]
    assert report["summary"] == summary
    assert report["summary_rows"] == summary_rows(summary)
    html = response.content.decode()
    for label, value in summary_rows(summary):
        assert f"<tr><th>{label}</th><td class=\"num\">{value}</td></tr>" in html
    assert "<tr><th>拠点数</th><td class=\"num\">195</td></tr>" in html
    assert "<tr><th>職員数 計</th><td class=\"num\">336</td></tr>" in html
    for item in report["breakdowns"]:
        assert item.total == summary["bases"], item.title  # every breakdown adds up to 拠点数
        assert item.chart.count('class="bar"') == len(item.rows)
        assert item.chart in html
    forms = breakdown(response, "形態別")
    assert [count for _label, count in forms.rows] == [60, 21, 113, 1]
    countries = breakdown(response, "国・地域別")
    assert len(countries.rows) == summary["countries"]
    assert countries.rows[0] == ("中国", max(count for _label, count in countries.rows))


@pytest.fixture
def small_round(organization):
    survey_round = SurveyRound.objects.create(reference_date=DATE_2017)
    bases = [
        make_base(organization("福岡県"), 1, countries=["KR"], established_fy=2013, staff_dispatched=2),
        make_base(organization("北九州市"), 1, countries=["CN", "KR"], established_fy=1990, staff_local=1),
        make_base(organization("大阪府"), 1, countries=["VN"], established_fy=None, form="c"),
        make_base(organization("大阪府"), 2, countries=["TH"], established_fy=2013, form="b"),
    ]
    for base in bases:
        record_for(survey_round, base, review_state=ReviewState.UNCHANGED)
    closing = make_base(organization("大阪府"), 3, countries=["US"])
    record_for(survey_round, closing, review_state=ReviewState.CLOSING)  # proposed closings are not reported
    return survey_round, bases


def test_breakdowns_count_a_city_under_its_prefecture_and_years_with_their_era(admin_client, small_round):
    response = report_page(admin_client, DATE_2017)
    assert breakdown(response, "都道府県別").rows == [("大阪府", 2), ("福岡県", 3)]  # 北九州市 counts twice: CN, KR
    years = breakdown(response, "設置年度別")
    assert years.rows == [("1990(平成2年度)", 2), ("2013(平成25年度)", 2), ("不明", 1)]
    assert ">2013 (H25)</text>" in years.chart
    assert breakdown(response, "国・地域別").rows[0] == ("韓国", 2)


def test_clerk_report_counts_only_what_they_may_see(client, small_round, organization):
    survey_round, _bases = small_round
    clerk = make_user(Role.CLERK, organization("大阪府"))
    client.force_login(clerk)
    report = report_page(client, DATE_2017).context["report"]
    assert report["summary"] == survey_summary(survey_round, user=clerk)
    assert report["summary"]["organizations"] == 1 and report["summary"]["bases"] == 2
    assert breakdown(report_page(client, DATE_2017), "都道府県別").rows == [("大阪府", 2)]


def test_comparison_with_another_round(admin_client, small_round, organization):
    survey_round, bases = small_round
    later = SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 30))
    kept, changed, closed, _other = bases
    record_for(later, kept, review_state=ReviewState.UNCHANGED)
    record_for(later, changed, staff_local=4, review_state=ReviewState.CHANGED)
    record_for(later, bases[3], status=BaseStatus.CLOSED, review_state=ReviewState.CHANGED)
    opened = make_base(organization("北海道"), 1, countries=["RU"], staff_dispatched=1)
    record_for(later, opened, review_state=ReviewState.NEW)

    response = report_page(admin_client, "2018-09-30", "?compare=2017-09-30")
    comparison = response.context["comparison"]
    assert comparison.older == survey_round and comparison.newer == later
    assert [record.base for record in comparison.opened] == [opened]
    assert {record.base for record in comparison.closed} == {closed, bases[3]}
    assert [(old.base, fields) for old, _new, fields in comparison.changed] == [(changed, [str(Base._meta.get_field("staff_local").verbose_name)])]
    staff = {label: (old, new, difference) for label, old, new, difference in comparison.rows}
    assert staff["職員数 計"] == (3, 2 + 4 + 1, 4)
    assert staff["拠点数"] == (5, 4, -1)
    # the same comparison from the older round's page
    assert report_page(admin_client, DATE_2017, "?compare=2018-09-30").context["comparison"].opened[0].base == opened


def test_a_comparison_narrowed_to_a_prefecture_counts_only_its_bases(admin_client, small_round, organization):
    """?prefecture= narrows the comparison as it narrows the report (a lead's own prefecture by default)."""
    survey_round, bases = small_round
    later = SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 30))
    for base in bases:
        record_for(later, base, review_state=ReviewState.UNCHANGED)
    record_for(later, make_base(organization("大阪府"), 9, countries=["KR"]), review_state=ReviewState.NEW)
    record_for(later, make_base(organization("福岡県"), 9, countries=["KR"]), review_state=ReviewState.NEW)
    response = report_page(admin_client, "2018-09-30", "?compare=2017-09-30&prefecture=27")
    comparison = response.context["comparison"]
    assert [record.base.organization.name for record in comparison.opened] == ["大阪府"]
    bases_row = {label: (old, new) for label, old, new, _difference in comparison.rows}["拠点数"]
    assert bases_row == (2, 3)  # 大阪府's two, then three; 福岡県's and 北九州市's are not counted
    assert '<input type="hidden" name="prefecture" value="27">' in response.content.decode()  # kept on compare


def test_comparison_counts_everything_lists_the_first_and_sees_empty_values_as_equal(admin_client, small_round,
                                                                                   monkeypatch):
    survey_round, bases = small_round
    later = SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 30))
    record_for(later, bases[2], review_state=ReviewState.UNCHANGED)  # no fiscal year, no contractor: unchanged
    monkeypatch.setattr("registry.survey.report.LISTED", 1)
    response = report_page(admin_client, DATE_2017, "?compare=2018-09-30")
    comparison = response.context["comparison"]
    assert comparison.changed == [] and comparison.changed_count == 0
    assert comparison.closed_count == 3 and len(comparison.closed) == 1
    assert "全 3 件のうち最初の 1 件を表示しています。" in response.content.decode()


@pytest.mark.parametrize("value", ["2017-09-30", "2019-01-01", "yesterday"])
def test_comparison_with_an_impossible_round_explains_why(admin_client, small_round, value):
    response = report_page(admin_client, DATE_2017, f"?compare={value}")
    assert "comparison" not in response.context and response.context["compare_error"]


def test_report_is_printable(admin_client, small_round):
    from django.conf import settings
    from django.contrib.staticfiles import finders

    html = report_page(admin_client, DATE_2017).content.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)  # no <style>: the CSP allows files only
    print_rules = [finders.find(href.removeprefix(settings.STATIC_URL)) for href in stylesheets]
    assert any("@media print" in open(path, encoding="utf-8").read() for path in print_rules if path)
    assert "<svg" in html and not re.search(r"<script(?![^>]*\bsrc=)", html)  # the charts need no script


def test_report_query_count_does_not_grow_with_bases(admin_client, small_round, organization):
    survey_round, bases = small_round
    later = SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 30))
    for base in bases[1:]:
        record_for(later, base, review_state=ReviewState.UNCHANGED)
    record_for(later, bases[0], staff_local=5, review_state=ReviewState.CHANGED)  # something to list
    url = reverse("registry:survey_report", args=[DATE_2017]) + "?compare=2018-09-30"
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).context["comparison"]
    for number in range(10, 40):
        base = make_base(organization("北九州市"), number, countries=["CN"] if number % 2 else ["KR", "TW"])
        record_for(survey_round, base, review_state=ReviewState.UNCHANGED)
        record_for(later, base, staff_local=number % 3, review_state=ReviewState.UNCHANGED)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few)


def test_comparison_matches_a_record_by_record_comparison(organization, monkeypatch):
    """Opened, closed and changed bases of two rounds with known differences of every kind (empty values,
    proposed closings, several organizations) are what comparing the records one by one gives, counted in
    full and listed by organization code and base number."""
    import random

    from registry.survey.report import changed_fields, compare_rounds
    from registry.survey.records import FIGURE_FIELDS
    from tests.support.factories import make_contractor

    rng = random.Random(14)
    contractors = [make_contractor(f"委託先{n}") for n in range(2)]
    older = SurveyRound.objects.create(reference_date=DATE_2017)
    newer = SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30))
    variations = {
        "name": lambda: rng.choice(["上海事務所", "上海代表処", ""]),
        "countries": lambda: rng.choice([["CN"], ["CN", "KR"], []]),
        "cities": lambda: rng.choice(["上海", "", "上海、北京"]),
        "form": lambda: rng.choice("abcd"),
        "contractor": lambda: rng.choice([None, *contractors]),
        "established_fy": lambda: rng.choice([None, 1990, 2013]),
        "staff_dispatched": lambda: rng.choice([0, 2]),
        "staff_local": lambda: rng.choice([0, 1]),
    }
    for number in range(1, 61):
        base = make_base(organization(["北海道", "大阪府", "福岡県", "北九州市"][number % 4]), number,
                         **{name: make() for name, make in variations.items() if name != "contractor"})
        states = {"review_state": rng.choice([ReviewState.UNCHANGED, ReviewState.CHANGED, ReviewState.CLOSING]),
                  "status": rng.choice([BaseStatus.ACTIVE, BaseStatus.ACTIVE, BaseStatus.CLOSED])}
        if rng.random() < 0.8:
            record_for(older, base, **states)
        if rng.random() < 0.8:
            changes = {name: make() for name, make in variations.items() if rng.random() < 0.15}
            record_for(newer, base, **changes, **states)

    for number, before, after in ((61, {"contractor": None}, {"contractor_id": contractors[0].pk}),
                                  (62, {"established_fy": 2013}, {"established_fy": None})):
        base = make_base(organization("大阪府"), number, **before)  # only an empty value differs
        record_for(older, base)
        record_for(newer, base, **after)

    monkeypatch.setattr("registry.survey.report.LISTED", 3)
    comparison = compare_rounds(newer, older, user=None)

    def reported(survey_round):
        return {record.base_id: record for record in survey_round.records.select_related("base__organization")
                if record.status == BaseStatus.ACTIVE and record.review_state != ReviewState.CLOSING}

    old, new = reported(older), reported(newer)
    in_order = sorted(old | new, key=lambda pk: ((old | new)[pk].base.organization.code, (old | new)[pk].base.number))
    opened = [pk for pk in in_order if pk in new and pk not in old]
    closed = [pk for pk in in_order if pk in old and pk not in new]
    changed = [pk for pk in in_order if pk in old and pk in new
               and any(getattr(old[pk], name) != getattr(new[pk], name) for name in FIGURE_FIELDS)]
    assert min(len(opened), len(closed), len(changed)) > 3  # every kind is counted beyond what is listed
    assert (comparison.opened_count, comparison.closed_count, comparison.changed_count) == (
        len(opened), len(closed), len(changed))
    assert [record.pk for record in comparison.opened] == [new[pk].pk for pk in opened[:3]]
    assert [record.pk for record in comparison.closed] == [old[pk].pk for pk in closed[:3]]
    assert [(o.pk, n.pk, fields) for o, n, fields in comparison.changed] == [
        (old[pk].pk, new[pk].pk, changed_fields(old[pk], new[pk])) for pk in changed[:3]]
    assert all(fields for _o, _n, fields in comparison.changed)
    monkeypatch.setattr("registry.survey.report.LISTED", 200)
    assert {n.base.number for _o, n, _fields in compare_rounds(older, newer, user=None).changed} >= {61, 62}
