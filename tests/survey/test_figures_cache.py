"""A round's counts are kept between views (registry/survey/summary.py ``round_counts``) and are never shown stale:
every way a round record, a base or an organization is written makes the next view count again."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_update_with_history

from registry.core import stamps
from registry.core.history.tracking import write_in_bulk
from registry.models import BaseRoundRecord, Organization, SurveyRound
from registry.core.permissions import Role
from registry.survey.report import compare_rounds, survey_report
from registry.survey.records import FIGURE_FIELDS
from registry.survey.summary import reported_records, survey_summary
from tests.support.lists_helpers import counted_one_by_one, record_for
from tests.support.roles import make_user
from tests.survey.test_summary_counts import random_round

pytestmark = pytest.mark.django_db


def counted(survey_round, user=None):
    return counted_one_by_one(reported_records(survey_round, user).select_related("base__organization__prefecture"))[0]


def grouped_queries(survey_round, user=None):
    with CaptureQueriesContext(connection) as queries:
        summary = survey_summary(survey_round, user)
    return summary, [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]


def test_a_second_view_is_not_counted_again():
    survey_round = random_round(1)
    first, counting = grouped_queries(survey_round)
    second, again = grouped_queries(survey_round)
    assert counting and not again
    assert first == second == counted(survey_round)


def active_record(survey_round):
    return reported_records(survey_round).select_related("base").first()


def test_a_saved_record_is_counted_at_once():
    survey_round = random_round(2)
    survey_summary(survey_round)
    record = active_record(survey_round)
    record.staff_local += 7
    record.save()
    assert survey_summary(survey_round) == counted(survey_round)
    assert survey_summary(survey_round)["staff"]["local"] == counted(survey_round)["staff"]["local"]


def test_a_deleted_record_and_a_bulk_write_are_counted_at_once():
    survey_round = random_round(3)
    before = survey_summary(survey_round)
    records = list(reported_records(survey_round)[:5])
    for record in records:
        record.staff_dispatched += 1
    write_in_bulk(BaseRoundRecord, updated=records, fields=["staff_dispatched"])
    after_bulk = survey_summary(survey_round)
    assert after_bulk["staff"]["dispatched"] == before["staff"]["dispatched"] + 5 == counted(survey_round)["staff"]["dispatched"]
    active_record(survey_round).delete()
    assert survey_summary(survey_round) == counted(survey_round)
    assert survey_summary(survey_round)["bases"] < after_bulk["bases"]


def test_a_base_moved_to_another_organization_is_counted_under_it():
    survey_round = random_round(0)
    coordinator = make_user(Role.COORDINATOR)
    report = survey_report(survey_round, coordinator)
    record = active_record(survey_round)
    elsewhere = Organization.objects.get(name="沖縄県" if record.base.organization.name != "沖縄県" else "北海道")
    record.base.organization = elsewhere
    record.base.number = 900
    record.base.save()
    assert survey_report(survey_round, coordinator)["summary"] == counted(survey_round)
    assert survey_report(survey_round, coordinator)["breakdowns"] != report["breakdowns"]


def test_a_write_no_signal_reports_is_counted_once_the_history_is_checked(monkeypatch):
    """simple-history's own bulk API sends no signal of ours; its history entries renew the counts."""
    survey_round = random_round(1)
    before = survey_summary(survey_round)
    record = active_record(survey_round)
    record.staff_local += 11
    monkeypatch.setattr(stamps, "CHECK_SECONDS", 3600)
    bulk_update_with_history([record], BaseRoundRecord, ["staff_local"])
    assert survey_summary(survey_round) == before  # within CHECK_SECONDS: as counted before
    monkeypatch.setattr(stamps, "CHECK_SECONDS", -1)
    assert survey_summary(survey_round)["staff"]["local"] == before["staff"]["local"] + 11
    assert survey_summary(survey_round) == counted(survey_round)


def test_a_clerks_counts_are_kept_apart_from_everyone_elses():
    survey_round = random_round(2)
    osaka = Organization.objects.get(name="大阪府")
    clerk = make_user(Role.CLERK, osaka)
    assert survey_summary(survey_round, clerk) == counted(survey_round, clerk)
    assert survey_summary(survey_round, make_user(Role.COORDINATOR)) == counted(survey_round)
    assert survey_summary(survey_round, clerk)["bases"] < survey_summary(survey_round)["bases"]


def test_a_comparison_follows_a_change_of_either_round():
    older = random_round(2)
    newer = SurveyRound.objects.create(reference_date=datetime.date(2030, 9, 30))
    for record in reported_records(older).select_related("base"):
        record_for(newer, record.base, **{name: getattr(record, name) for name in FIGURE_FIELDS})
    assert compare_rounds(newer, older, user=None).changed_count == 0
    record = active_record(newer)
    record.name = f"{record.name}（改称）"
    record.save()
    comparison = compare_rounds(newer, older, user=None)
    assert comparison.changed_count == 1
    assert [(o.base_id, n.pk) for o, n, _fields in comparison.changed] == [(record.base_id, record.pk)]
    old_record = BaseRoundRecord.objects.get(survey_round=older, base=record.base)
    old_record.name = record.name
    old_record.save()
    assert compare_rounds(newer, older, user=None).changed_count == 0


def test_a_clerk_of_no_organization_sees_empty_figures_not_an_error(client):
    """A clerk whose last membership was removed still reads the round's report and comparison: nothing counted."""
    older = random_round(1)
    newer = SurveyRound.objects.create(reference_date=datetime.date(2030, 9, 30))
    clerk = make_user(Role.CLERK, "大阪府")
    clerk.memberships.all().delete()
    assert survey_summary(older, clerk)["bases"] == 0
    assert compare_rounds(newer, older, clerk).opened_count == 0
    client.force_login(clerk)
    for url in (f"/survey/{older.reference_date}/", f"/survey/{older.reference_date}/?compare={newer.reference_date}",
                f"/survey/{older.reference_date}/list/"):
        assert client.get(url).status_code == 200, url
