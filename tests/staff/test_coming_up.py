"""今後の予定: anniversaries of ties in the next 12 months, endings in the next 90 days, the open round's due date.

The expected anniversaries are counted here from the ties' dates and precisions, by a rule written independently of
registry/staff/coming_up.py: a tie known to the day counts when its 10/20/25/30/40/50th anniversary day falls within a year
from today; known to the month, when that month is not over and begins within the year; known to the year, when
that year is this one or the one the window ends in.
"""
import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from registry.models import Agreement, AgreementType, Organization, Partner, SurveyRound
from registry.core.permissions import Role
from tests.conftest import SURVEY_2017
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db

MILESTONES = (10, 20, 25, 30, 40, 50)


def one_year_later(day):
    return day.replace(year=day.year + 1) if (day.month, day.day) != (2, 29) else day.replace(year=day.year + 1, day=28)


def expected_anniversaries(ties, today):
    """(tie pk, years) of every anniversary in the coming 12 months, from the ties' own dates."""
    window_end = one_year_later(today)  # exclusive
    found = set()
    for tie in ties:
        signed, precision = tie.signed_on, tie.signed_precision
        if signed is None or precision == "unknown":
            continue
        for years in MILESTONES:
            year = signed.year + years
            if precision == "day":
                try:
                    day = signed.replace(year=year)
                except ValueError:
                    day = datetime.date(year, 2, 28)
                hit = today <= day < window_end
            elif precision == "month":
                month_index = year * 12 + signed.month
                hit = today.year * 12 + today.month <= month_index and datetime.date(year, signed.month, 1) < window_end
            else:
                hit = year in {today.year, (window_end - datetime.timedelta(days=1)).year}
            if hit:
                found.add((tie.pk, years))
    return found


def add_tie(organization, name, signed_on, precision, **fields):
    partner = Partner.objects.create(name_ja=name, country="US")
    return Agreement.objects.create(organization=organization, partner=partner, agreement_type=AgreementType.FRIENDSHIP,
                                    signed_on=signed_on, signed_precision=precision, **fields)


@pytest.fixture
def demo(db):
    """The demo's ties (what ``setup_demo`` imports: fixtures/partnership_agreements.tsv) and a few more."""
    call_command("import_agreements", SURVEY_2017.with_name("partnership_agreements.tsv"), stdout=open("/dev/null", "w"))
    today = datetime.date.today()
    osaka = Organization.objects.get(code="270008")
    sapporo = Organization.objects.get(code="011002")
    # Around the window's edges, at every precision (the demo's own ties come from fixtures/).
    in_six_months = today + datetime.timedelta(days=182)
    add_tie(osaka, "ちょうど30年", today.replace(year=today.year - 30), "day")
    add_tie(osaka, "昨日で20年", (today - datetime.timedelta(days=1)).replace(year=today.year - 20), "day")
    add_tie(osaka, "月まで25年", in_six_months.replace(year=in_six_months.year - 25, day=1), "month")
    add_tie(osaka, "年だけ50年", datetime.date(today.year - 49, 1, 1), "year")
    add_tie(osaka, "年だけ15年", datetime.date(today.year - 15, 1, 1), "year")
    add_tie(osaka, "日付不明", None, "unknown")
    add_tie(sapporo, "札幌の10年", in_six_months.replace(year=in_six_months.year - 10), "day")
    return {"osaka": osaka, "sapporo": sapporo, "today": today}


def listed_anniversaries(page):
    return len(re.findall(r'<tr class="event-anniversary">', page))


def test_the_page_lists_exactly_the_anniversaries_of_the_next_12_months(client, demo):
    client.force_login(make_user(Role.COORDINATOR))
    page = client.get(reverse("registry:coming_up")).content.decode()
    expected = expected_anniversaries(Agreement.objects.all(), demo["today"])
    assert len(expected) >= 6  # the demo's ties and those added around the window's edges
    assert listed_anniversaries(page) == len(expected)
    for pk, years in expected:
        tie = Agreement.objects.get(pk=pk)
        assert escape(f"{tie.partner}: {years}周年") in page, (tie, years)
    assert "年だけ15年" not in page and "日付不明" not in page


def test_a_clerk_sees_only_their_organizations_anniversaries(client, demo):
    client.force_login(make_user(Role.CLERK, demo["osaka"]))
    page = client.get(reverse("registry:coming_up")).content.decode()
    expected = expected_anniversaries(Agreement.objects.filter(organization=demo["osaka"]), demo["today"])
    assert listed_anniversaries(page) == len(expected)
    assert "札幌の10年" not in page


def test_imprecise_dates_show_what_is_not_known_and_the_era(client, demo):
    client.force_login(make_user(Role.CLERK, demo["osaka"]))
    page = client.get(reverse("registry:coming_up")).content.decode()
    year = demo["today"].year + 1
    assert f"{year}年（月日不明）" in page  # 年だけ50年
    assert "月（日不明）" in page  # 月まで25年
    assert f"令和{year - 2018}年" in page


def test_filters_by_kind_and_organization(client, demo):
    client.force_login(make_user(Role.COORDINATOR))
    url = reverse("registry:coming_up")
    sapporo_only = client.get(url, {"organization": demo["sapporo"].pk, "kind": "anniversary"}).content.decode()
    assert listed_anniversaries(sapporo_only) == 1 and "札幌の10年" in sapporo_only
    endings = client.get(url, {"kind": "ending"}).content.decode()
    assert listed_anniversaries(endings) == 0


def test_endings_in_the_next_90_days_and_the_due_date(client, organization):
    today = datetime.date.today()
    osaka = organization("大阪府")
    add_tie(osaka, "三年のMOU", today.replace(year=today.year - 3), "day", ends_on=today + datetime.timedelta(days=30))
    add_tie(osaka, "まだ先", today.replace(year=today.year - 3), "day", ends_on=today + datetime.timedelta(days=200))
    add_tie(osaka, "もう終了", today.replace(year=today.year - 3), "day", ends_on=today - datetime.timedelta(days=1))
    make_base(osaka, number=7, name="ハノイ委託拠点", form="c", status="closed",
              closed_on=today + datetime.timedelta(days=60))
    SurveyRound.objects.create(reference_date=today - datetime.timedelta(days=10), status="open",
                               due_date=today + datetime.timedelta(days=20))
    client.force_login(make_user(Role.CLERK, osaka))
    page = client.get(reverse("registry:coming_up")).content.decode()
    assert "三年のMOU" in page and "まだ先" not in page and "もう終了" not in page
    assert "ハノイ委託拠点" in page
    assert "回答期限" in page
    sapporo_page = make_user(Role.CLERK, organization("札幌市"))
    client.force_login(sapporo_page)
    page = client.get(reverse("registry:coming_up")).content.decode()
    assert "三年のMOU" not in page and "ハノイ委託拠点" not in page and "回答期限" in page


def test_the_home_page_shows_coming_up_to_clerks_and_coordinators(client, demo):
    for user in (make_user(Role.CLERK, demo["osaka"]), make_user(Role.COORDINATOR)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert 'id="home-coming-up"' in page and "今後の予定" in page
        assert "ちょうど30年" in page
    client.force_login(make_user(Role.SUPERVISOR))
    assert 'id="home-coming-up"' not in client.get("/").content.decode()
