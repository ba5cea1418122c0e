"""The annual update workflow: progress per organization, the clerk's review steps and their history."""
import datetime
import io

import pytest
from django.urls import reverse

from registry.core.history import Source
from registry.models import BaseRoundRecord, ReviewState, SurveyRound
from registry.core.permissions import Role
from registry.survey.lifecycle import REASON_OPENED, REASON_UNCHANGED, open_round
from tests.support.factories import make_base
from tests.support.lists_helpers import record_for
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db
LAST_YEAR = datetime.date(2017, 9, 30)
THIS_YEAR = datetime.date(2018, 9, 30)


def url(name, *args, query=""):
    return reverse(f"registry:{name}", args=[THIS_YEAR, *args]) + query


@pytest.fixture
def rounds(organization):
    """Last year's (closed) round recorded three Fukuoka bases and two Osaka ones; this year's round is open."""
    last = SurveyRound.objects.create(reference_date=LAST_YEAR, status=SurveyRound.Status.CLOSED)
    fukuoka, osaka = organization("福岡県"), organization("大阪府")
    bases = {
        "f1": make_base(fukuoka, 1, name="ソウル事務所", staff_dispatched=1),
        "f2": make_base(fukuoka, 2, name="上海事務所", staff_local=2),
        "f3": make_base(fukuoka, 3, name="大連事務所"),
        "o1": make_base(osaka, 1, name="大阪府上海事務所"),
        "o2": make_base(osaka, 2, name="大阪府ソウル事務所", countries=["KR"]),
    }
    for base in bases.values():
        record_for(last, base, review_state=ReviewState.NEW)
    this = open_round(THIS_YEAR, datetime.date(2018, 11, 30)).survey_round
    return last, this, bases


def states(survey_round):
    return set(BaseRoundRecord.objects.filter(survey_round=survey_round).values_list("review_state", flat=True))


@pytest.fixture
def fukuoka_clerk(client, organization):
    clerk = make_user(Role.CLERK, organization("福岡県"), username="fukuoka_clerk")
    client.force_login(clerk)
    return clerk


def progress(client):
    response = client.get(url("survey_progress"))
    assert response.status_code == 200
    return {row.organization.name: row.counts for row in response.context["progress"]}


def counts(unchanged=0, changed=0, new=0, closing=0, not_reviewed=0):
    return {
        ReviewState.UNCHANGED: unchanged,
        ReviewState.CHANGED: changed,
        ReviewState.NEW: new,
        ReviewState.CLOSING: closing,
        ReviewState.NOT_REVIEWED: not_reviewed,
    }


def test_before_any_review_every_active_base_is_not_yet_reviewed(admin_client, rounds):
    assert progress(admin_client) == {"福岡県": counts(not_reviewed=3), "大阪府": counts(not_reviewed=2)}


def test_progress_after_a_partial_review(client, rounds, fukuoka_clerk, organization, django_user_model):
    _last, this, bases = rounds
    # The clerk confirms f1 as it is, edits f2 first, and proposes closing f3.
    response = client.post(url("survey_review"), {"action": "unchanged", "base": [bases["f1"].pk]})
    assert response.status_code == 302
    f2 = bases["f2"]
    f2.staff_local = 3
    f2.save()
    client.post(url("survey_review"), {"action": "unchanged", "base": [f2.pk]})
    response = client.post(
        url("survey_propose_closing", bases["f3"].pk), {"closing_on": "2018-03-31", "reason": "事業見直しのため"}
    )
    assert response.status_code == 302
    # Osaka adds a base during the round (新規); nobody there has reviewed anything else yet.
    make_base(organization("大阪府"), 3, name="大阪府新拠点")

    assert progress(client) == {"福岡県": counts(unchanged=1, changed=1, closing=1)}
    coordinator = make_user(Role.COORDINATOR, username="coordinator")
    client.force_login(coordinator)
    assert progress(client) == {
        "福岡県": counts(unchanged=1, changed=1, closing=1),
        "大阪府": counts(new=1, not_reviewed=2),
    }
    response = client.get(url("survey_progress"))
    assert response.context["pending_count"] == 2  # nobody has said 回答完了 yet
    fukuoka = organization("福岡県")
    client.post(url("survey_review"), {"action": "complete", "organization": fukuoka.pk})
    assert client.get(url("survey_progress")).context["pending_count"] == 1

    # The coordinator confirms Osaka: the base last year did not have is recorded as new.
    osaka_ids = [base.pk for base in organization("大阪府").bases.all()]
    client.post(url("survey_review"), {"action": "unchanged", "base": osaka_ids})
    assert progress(client)["大阪府"] == counts(unchanged=2, new=1)
    client.post(url("survey_review"), {"action": "complete", "organization": organization("大阪府").pk})
    assert client.get(url("survey_progress")).context["pending_count"] == 0

    record = BaseRoundRecord.objects.get(survey_round=this, base=bases["f3"])
    assert record.proposed_closing_on == datetime.date(2018, 3, 31)
    assert record.proposed_closing_reason == "事業見直しのため"
    assert BaseRoundRecord.objects.get(survey_round=this, base=f2).staff_local == 3  # snapshot of current values


def test_every_review_step_leaves_history_with_who_and_why(client, rounds, fukuoka_clerk):
    _last, this, bases = rounds
    client.post(url("survey_review"), {"action": "unchanged", "base": [bases["f1"].pk, bases["f2"].pk]})
    client.post(url("survey_propose_closing", bases["f3"].pk), {"closing_on": "2018-03-31", "reason": "撤退"})
    entries = BaseRoundRecord.history.filter(survey_round=this).exclude(
        history_change_reason=REASON_OPENED).order_by("history_id")
    assert [(e.base_id, e.history_user, e.change_source) for e in entries] == [
        (bases["f1"].pk, fukuoka_clerk, Source.REVIEW),
        (bases["f2"].pk, fukuoka_clerk, Source.REVIEW),
        (bases["f3"].pk, fukuoka_clerk, Source.REVIEW),
    ]
    assert entries[0].history_change_reason == REASON_UNCHANGED
    assert entries[0].change_group == entries[1].change_group != entries[2].change_group
    assert "撤退" in entries[2].history_change_reason


def test_closing_needs_a_date_and_reason(client, rounds, fukuoka_clerk):
    _last, this, bases = rounds
    response = client.post(url("survey_propose_closing", bases["f3"].pk), {"closing_on": "", "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors.keys() == {"closing_on", "reason"}
    assert states(this) == {ReviewState.NOT_REVIEWED}


def test_clerk_cannot_review_another_organizations_base(client, rounds, fukuoka_clerk):
    _last, this, bases = rounds
    response = client.post(url("survey_review"), {"action": "unchanged", "base": [bases["f1"].pk, bases["o1"].pk]})
    assert response.status_code == 403
    response = client.post(url("survey_propose_closing", bases["o1"].pk), {"closing_on": "2018-03-31", "reason": "x"})
    assert response.status_code == 404
    assert states(this) == {ReviewState.NOT_REVIEWED}
    page = client.get(url("survey_review"))
    assert {base.organization.name for base, _record in page.context["rows"]} == {"福岡県"}


def test_supervisor_can_read_progress_but_not_review(client, rounds):
    _last, this, bases = rounds
    client.force_login(make_user(Role.SUPERVISOR, username="supervisor"))
    assert set(progress(client)) == {"福岡県", "大阪府"}
    assert client.post(url("survey_review"), {"action": "unchanged", "base": [bases["f1"].pk]}).status_code == 403
    assert states(this) == {ReviewState.NOT_REVIEWED}


def test_pending_sheet_has_only_the_organizations_not_done(client, rounds):
    import openpyxl

    _last, _this, bases = rounds
    client.force_login(make_user(Role.COORDINATOR, username="coordinator"))
    fukuoka_ids = [bases[key].pk for key in ("f1", "f2", "f3")]
    client.post(url("survey_review"), {"action": "unchanged", "base": fukuoka_ids})
    client.post(url("survey_review"), {"action": "complete", "organization": bases["f1"].organization_id})
    response = client.get(url("survey_pending_sheet"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {str(cell.value) for row in sheet.iter_rows(min_row=5) for cell in row if cell.value is not None}
    assert {"大阪府上海事務所", "大阪府ソウル事務所"} <= cells
    assert not cells & {"ソウル事務所", "上海事務所", "大連事務所"}


def test_unknown_round_is_404_and_pages_need_login(admin_client, rounds):
    from django.test import Client

    assert admin_client.get(reverse("registry:survey_progress", args=["2001-09-30"])).status_code == 404
    assert admin_client.get("/survey/2017-13-45/").status_code == 404
    response = Client().get(url("survey_progress"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("page", ["survey_progress", "survey_review"])
def test_workflow_pages_query_count_does_not_grow_with_bases(admin_client, rounds, organization, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    last, _this, _bases = rounds
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url(page)).status_code == 200
    for number in range(1, 20):
        record_for(last, make_base(organization("北九州市"), number), review_state=ReviewState.NEW)
        make_base(organization("札幌市"), number)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url(page)).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("url", [
    "/survey/2019-09-30/review/?organization=%C2%B2",
    "/survey/2019-09-30/review/?organization=99999999999999999999",  # SQLite only
])
def test_no_server_error(url):
    SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30))
    response = client_for(make_user(Role.CLERK, "大阪府")).get(url)
    assert response.status_code < 500


def test_review_post_with_non_ascii_digit():
    SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30))
    response = client_for(make_user(Role.CLERK, "大阪府")).post(
        "/survey/2019-09-30/review/", {"base": ["²"], "action": "unchanged"})
    assert response.status_code < 500


def test_progress_shows_organizations_a_page_at_a_time_with_totals_over_all(admin_client, rounds, monkeypatch):
    """A national round has ~1,800 organizations: the page lists them in pages, by code; the totals, the number
    not finished and the pre-filled sheet still count every organization."""
    from registry.staff.views.survey import SurveyProgressView

    monkeypatch.setattr(SurveyProgressView, "paginate_by", 1)
    first = admin_client.get(url("survey_progress"))
    second = admin_client.get(url("survey_progress", query="?page=2"))
    assert [row.organization.name for row in first.context["progress"]] == ["大阪府"]  # code 27…
    assert [row.organization.name for row in second.context["progress"]] == ["福岡県"]  # … before 40
    for response in (first, second):
        assert response.context["totals"] == [0, 0, 0, 0, 5]
        assert response.context["pending_count"] == 2
    html = first.content.decode()
    assert 'data-organization="大阪府"' in html and 'data-organization="福岡県"' not in html
    assert "?page=2" in html
