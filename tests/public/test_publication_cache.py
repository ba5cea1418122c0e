"""What is published is cached, and what a visitor sees still follows every change of the published data.

Each test first reads pages and API answers (so they are cached), then changes the data the way people do —
publish a round, correct a published figure, move a base, edit a tie — and reads again. It also checks that
the grouped figures across rounds equal the round-by-round counts they replaced.
"""
import datetime
import re

import pytest
from django.utils.http import parse_http_date
from simple_history.utils import bulk_update_with_history

from registry.core.history import change_context
from registry.core import stamps
from registry.models import Agreement, Base, BaseRoundRecord, Organization, Partner, SurveyRound
from registry.public.portal.data import countries_by_round, openings_by_round, organization_history
from registry.public.publishing import publication
from registry.survey.report import compare_rounds
from registry.survey import lifecycle
from registry.survey.summary import RoundCounts, reported_records, summarize, survey_summary
from registry.core.permissions import Role
from tests.support.published import load_2017, publish
from tests.support.roles import make_user

DAY = datetime.date(2017, 9, 30)
NEXT = datetime.date(2018, 9, 30)


@pytest.fixture
def round_2017(db):
    return load_2017()


def open_next_round(closing=1, new_base_of=None, survey_round=None):
    """The 2018 round: ``closing`` bases closed, a new base of ``new_base_of`` (an organization code), the rest
    confirmed unchanged; returned open."""
    survey_round = survey_round or lifecycle.open_round(NEXT).survey_round
    records = list(BaseRoundRecord.objects.filter(survey_round=survey_round).select_related("base").order_by("pk"))
    for record in records[:closing]:
        lifecycle.propose_closing(survey_round, record.base, datetime.date(2018, 3, 31), "撤退", None)
    lifecycle.confirm_unchanged(survey_round, [r.base for r in records[closing:]], None)
    if new_base_of is not None:
        with change_context(reason="新設"):
            organization = Organization.objects.get(code=new_base_of)
            Base.objects.create(organization=organization, number=900, name="新設のソウル事務所", countries=["KR"],
                                cities="ソウル", form="a", staff_dispatched=2, staff_local=1)
    return survey_round


def stat(page, label):
    """The figure shown under ``label`` on the portal's home page."""
    return int(re.search(label + r"<b>(\d+)</b>", page).group(1))


def test_publishing_a_round_shows_it_everywhere_at_once(round_2017, client):
    home = client.get("/public/").content.decode()
    trends = client.get("/public/trends/").content.decode()
    rounds = client.get("/api/v1/rounds/").json()["results"]
    assert "2018-09-30" not in home + trends and [r["reference_date"] for r in rounds] == ["2017-09-30"]
    assert client.get("/api/v1/bases/?round=2018-09-30").json()["count"] == 0

    survey_round = lifecycle.open_round(NEXT).survey_round
    stamp = publication().stamp
    # An open round is not public: what was cached stays valid while clerks work (the stamp is unchanged).
    survey_round = open_next_round(new_base_of="270008", survey_round=survey_round)
    assert publication().stamp == stamp
    assert "2018-09-30" not in client.get("/public/trends/").content.decode()
    publish(survey_round)

    assert publication().stamp != stamp
    home = client.get("/public/").content.decode()
    assert stat(home, "拠点") == survey_summary(survey_round)["bases"] and "2018-09-30" in home
    assert "2018-09-30" in client.get("/public/trends/").content.decode()
    assert [r["reference_date"] for r in client.get("/api/v1/rounds/").json()["results"]] == ["2018-09-30",
                                                                                            "2017-09-30"]
    assert client.get("/api/v1/bases/?round=2018-09-30").json()["count"] == reported_records(survey_round).count()
    assert "新設のソウル事務所" in client.get("/public/organizations/270008/").content.decode()
    assert client.get("/opendata/2018-09-30/bases.csv").status_code == 200


def test_a_correction_of_a_published_figure_shows_at_once(round_2017, client):
    url = f"/api/v1/rounds/{DAY}/summary/"
    before = client.get(url).json()["staff"]["total"]
    home = client.get("/public/").content.decode()
    assert stat(home, "職員数") == before
    csv_before = client.get(f"/opendata/{DAY}/bases.csv").content.decode()
    record = reported_records(SurveyRound.objects.get(reference_date=DAY)).order_by("pk").first()
    coordinator = make_user(Role.COORDINATOR, username="cache_coordinator")

    lifecycle.correct(record, {"staff_local": record.staff_local + 5}, "集計誤り", coordinator)

    assert client.get(url).json()["staff"]["total"] == before + 5
    assert stat(client.get("/public/").content.decode(), "職員数") == before + 5
    assert client.get(f"/opendata/{DAY}/bases.csv").content.decode() != csv_before


def test_moving_a_base_to_another_organization_moves_its_published_figures(round_2017, client):
    record = reported_records(SurveyRound.objects.get(reference_date=DAY)).filter(
        base__organization__code="270008").order_by("pk").first()
    sapporo = Organization.objects.get(name="札幌市")
    assert record.name not in client.get(f"/public/organizations/{sapporo.code}/").content.decode()
    listed = client.get(f"/api/v1/bases/?round={DAY}&organization={sapporo.code}").json()["count"]
    base = record.base
    with change_context(reason="所管の変更"):
        base.organization = sapporo
        base.number = 901
        base.save()
    assert record.name in client.get(f"/public/organizations/{sapporo.code}/").content.decode()
    assert client.get(f"/api/v1/bases/?round={DAY}&organization={sapporo.code}").json()["count"] == listed + 1


def test_an_edited_tie_shows_on_the_public_pages(round_2017, client):
    agreement = Agreement.objects.filter(organization__code="270008").select_related("partner").first()
    country = str(agreement.partner.country)
    assert agreement.partner.name_ja in client.get(f"/public/countries/{country}/").content.decode()
    listed = client.get("/api/v1/agreements/?organization=270008").json()["count"]
    partner = agreement.partner
    with change_context(reason="名称の訂正"):
        partner.name_ja = "改名した提携先"
        partner.save()
    assert "改名した提携先" in client.get(f"/public/countries/{country}/").content.decode()
    with change_context(reason="提携の削除"):
        agreement.delete()
    assert client.get("/api/v1/agreements/?organization=270008").json()["count"] == listed - 1


def test_cached_answers_keep_etag_and_last_modified_right(round_2017, client):
    first = client.get("/api/v1/bases/?round=2017-09-30")
    assert first["ETag"] and first["Last-Modified"]
    assert client.get("/api/v1/bases/?round=2017-09-30", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    rounds_before = client.get("/api/v1/rounds/")
    publish(open_next_round())
    again = client.get("/api/v1/rounds/")
    # HTTP dates count whole seconds (the publication may fall in the same second): never older, and a new ETag.
    assert parse_http_date(again["Last-Modified"]) >= parse_http_date(rounds_before["Last-Modified"])
    assert client.get("/api/v1/rounds/", HTTP_IF_NONE_MATCH=rounds_before["ETag"]).status_code == 200
    # The list of 2017 did not change, its ETag still holds; the rounds list did.
    assert client.get("/api/v1/bases/?round=2017-09-30", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/public/trends/").status_code == 200
    rounds_etag = again["ETag"]
    lifecycle.publish_round(SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30), status="closed"))
    assert client.get("/api/v1/rounds/", HTTP_IF_NONE_MATCH=rounds_etag).status_code == 200


def test_signed_in_callers_are_never_served_the_public_answer(round_2017, client):
    clerk = make_user(Role.CLERK, "270008", username="cache_clerk")
    public = client.get("/api/v1/bases/?round=2017-09-30&organization=270008").json()["results"]
    assert all("remarks" not in row for row in public)
    client.force_login(clerk)
    own = client.get("/api/v1/bases/?round=2017-09-30&organization=270008").json()["results"]
    assert own and all("remarks" in row for row in own)


def test_figures_across_rounds_equal_the_round_by_round_counts(round_2017):
    publish(open_next_round(closing=3, new_base_of="270008"))
    state = publication()
    rounds = list(reversed(state.rounds))
    per_round = countries_by_round(state)
    for survey_round in rounds:
        assert per_round[survey_round.pk] == RoundCounts.of(reported_records(survey_round)).countries()
    older, newer = rounds
    comparison = compare_rounds(older, newer, None)
    assert openings_by_round(state) == {newer.pk: (comparison.opened_count, comparison.closed_count)}
    assert (comparison.opened_count, comparison.closed_count) == (1, 3)
    osaka = Organization.objects.get(code="270008")
    for survey_round, bases, staff in organization_history(state, osaka):
        figures = summarize(reported_records(survey_round).filter(base__organization=osaka))
        assert (bases, staff) == (figures["bases"], figures["staff"]["total"])


def test_a_write_no_signal_reports_is_noticed_by_the_history(round_2017, client, monkeypatch):
    """A write that sends no model signal (simple-history's bulk API called directly) still leaves history, and
    each process compares the history with the stamp's every CHECK_SECONDS (here at once)."""
    agreement = Agreement.objects.filter(organization__code="270008").select_related("partner").first()
    country = str(agreement.partner.country)
    monkeypatch.setattr(stamps, "CHECK_SECONDS", 3600)
    client.get(f"/public/countries/{country}/")
    partner = agreement.partner
    partner.name_ja = "履歴だけが知る名前"
    bulk_update_with_history([partner], Partner, ["name_ja"])
    assert "履歴だけが知る名前" not in client.get(f"/public/countries/{country}/").content.decode()
    monkeypatch.setattr(stamps, "CHECK_SECONDS", -1)
    assert "履歴だけが知る名前" in client.get(f"/public/countries/{country}/").content.decode()


def reads_round_records(queries):
    return any('FROM "registry_baseroundrecord"' in query["sql"] for query in queries)


def test_a_rounds_open_data_is_kept_across_other_publications_and_follows_the_live_tables(round_2017, client):
    """bases.csv of 2017 is not built again when 2018 is published, but is when what it shows of the tables as
    they stand changes: a contractor's name, a base's number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.public.opendata.package import round_files

    url = f"/opendata/{DAY}/bases.csv"
    first = client.get(url).content
    publish(open_next_round())
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).content
    assert again == first and not reads_round_records(queries.captured_queries)

    record = reported_records(SurveyRound.objects.get(reference_date=DAY)).filter(
        contractor__isnull=False).select_related("contractor", "base").order_by("pk").first()
    with change_context(reason="名称の変更"):
        record.contractor.name = "改称した委託先"
        record.contractor.save()
    renamed = client.get(url).content.decode()
    assert "改称した委託先" in renamed
    with change_context(reason="番号の変更"):
        record.base.number = 977
        record.base.save()
    renumbered = client.get(url).content.decode()
    assert ",977," in renumbered and ",977," not in renamed
    assert renumbered == round_files(SurveyRound.objects.get(reference_date=DAY))["bases.csv"]


def test_after_a_publication_the_worker_builds_what_the_public_reads_first(
        round_2017, client, django_capture_on_commit_callbacks):
    """Publishing enqueues one background build; once the real worker ran it, a visitor's first request of the
    open data, the summaries, the home page and the trends reads no round figures, and gets what a request
    would have built."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from registry.public.opendata.package import round_files
    from tests.sheets.test_import_jobs import run_db_worker

    survey_round = open_next_round(new_base_of="270008")
    with django_capture_on_commit_callbacks(execute=True):
        publish(survey_round)
    builds = DBTaskResult.objects.filter(task_path="registry.public.publishing_tasks.build_published")
    assert builds.count() == 1
    run_db_worker()
    assert builds.get().status == "SUCCESSFUL"

    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key

    state = publication()
    for path in ("/public/", "/public/trends/"):  # the pages' content is rendered, in both languages
        for language in ("ja", "en"):
            key = make_template_fragment_key("portal_page", [state.key("portal", path, language)])
            assert cache.get(key) is not None, (path, language)
    rounds = state.rounds
    urls = ["/public/", "/public/trends/"]
    for each in rounds:
        urls += [f"/opendata/{each.reference_date}/bases.csv", f"/opendata/{each.reference_date}/organizations.csv",
                 f"/api/v1/rounds/{each.reference_date}/summary/"]
    answers = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and not reads_round_records(queries.captured_queries), url
        answers[url] = response.content
    assert "新設のソウル事務所" in answers[f"/opendata/{NEXT}/bases.csv"].decode()
    assert f"{NEXT}" in answers["/public/"].decode() and f"{NEXT}" in answers["/public/trends/"].decode()
    for each in rounds:
        built = round_files(each)
        for name in ("bases.csv", "organizations.csv"):
            assert answers[f"/opendata/{each.reference_date}/{name}"] == built[name].encode("utf-8")
        summary = client.get(f"/api/v1/rounds/{each.reference_date}/summary/").json()
        assert {key: summary[key] for key in ("bases", "staff")} == {
            key: survey_summary(each)[key] for key in ("bases", "staff")}
