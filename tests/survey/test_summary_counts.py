"""The summary and the report's breakdowns, counted by the database, give the figures a plain count of every
record gives (the survey's rules written out record by record), on random rounds, for every role's scope."""
import datetime
import random
from collections import Counter

import pytest

from registry.models import BaseStatus, Organization, ReviewState, SurveyRound
from registry.core.permissions import Role
from registry.survey.report import survey_report
from registry.survey.summary import reported_records, survey_summary
from tests.support.factories import make_base
from tests.support.lists_helpers import counted_one_by_one, record_for
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db
ORGANIZATIONS = ["大阪府", "大阪市", "堺市", "福岡県", "北九州市", "北海道", "札幌市", "沖縄県"]
COUNTRIES = ["CN", "KR", "US", "HK", "TW", "VN", "SG", "FR"]
CITIES = ["上海", "ソウル", "ニューヨーク", "香港", "台北、高雄", "ホーチミン/ハノイ", "上海・香港", "", "パリ リヨン"]
STATES = [ReviewState.UNCHANGED, ReviewState.CHANGED, ReviewState.NEW, ReviewState.NOT_REVIEWED,
          ReviewState.CLOSING]


def random_round(seed):
    rng = random.Random(seed)
    survey_round = SurveyRound.objects.create(reference_date=datetime.date(2000 + seed, 9, 30))
    numbers = Counter()
    for _ in range(60):
        organization = Organization.objects.get(name=rng.choice(ORGANIZATIONS))
        numbers[organization.pk] += 1
        base = make_base(organization, numbers[organization.pk], countries=rng.sample(COUNTRIES, rng.choice([1, 1, 2, 3])))
        record_for(
            survey_round, base,
            countries=[] if rng.random() < 0.1 else base.countries,
            cities=rng.choice(CITIES), form=rng.choice("abcd"),
            established_fy=rng.choice([None, 1978, 1990, 2002, 2013, 2019]),
            staff_dispatched=rng.randint(0, 3), staff_local=rng.randint(0, 5),
            status=BaseStatus.CLOSED if rng.random() < 0.1 else BaseStatus.ACTIVE,
            review_state=rng.choice(STATES),
        )
    return survey_round


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("role", [None, Role.COORDINATOR, Role.CLERK])
def test_database_counts_equal_the_record_by_record_count(seed, role):
    survey_round = random_round(seed)
    user = None
    if role == Role.CLERK:
        user = make_user(role, Organization.objects.get(name="大阪府"), Organization.objects.get(name="北九州市"))
    elif role:
        user = make_user(role)
    summary, countries, years, prefectures = counted_one_by_one(
        reported_records(survey_round, user).select_related("base__organization__prefecture")
    )
    assert survey_summary(survey_round, user) == summary
    if user is None:
        return
    report = survey_report(survey_round, user)
    assert report["summary"] == summary
    by_country, _by_form, by_prefecture, by_year = (item.rows for item in report["breakdowns"])
    assert sorted(count for _label, count in by_country) == sorted(countries.values())
    assert dict(by_prefecture) == dict(prefectures)
    assert [count for _label, count in by_year] == [years[year] for year in sorted(years, key=lambda y: (y is None, y))]
