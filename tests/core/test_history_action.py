"""The change log draws an action as one line; its entries open in place a page at a time (issue 27).

Query counts of the log's first page, of its filters, of an opened action and of a base search stay the same
when actions grow from 20 to 200 entries and the tables double; a clerk's opened action holds only his
organization's entries; a search past the cap says 「…件以上」.
"""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.core import paging
from registry.core.history import Source, change_context
from registry.models import Base
from registry.core.permissions import Role
from registry.staff.views import history as history_views
from tests.support.factories import make_base
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db


def action(organization, size, start, reason="一括取込"):
    """An action of ``size`` new bases of ``organization`` (numbers from ``start``); its change group."""
    with change_context(actor_name="coordinator", source=Source.IMPORT, reason=reason):
        for number in range(start, start + size):
            make_base(organization, number=number, name=f"取込拠点{number}", reason="県産品の販路開拓")
    return Base.history.get(organization__name=organization, number=start).change_group


def lone_edits(organization, count, start):
    for number in range(start, start + count):
        with change_context(actor_name="osaka_clerk", source=Source.ADMIN, reason=f"担当者の修正 {number}"):
            make_base(organization, number=number, name=f"単独拠点{number}", reason="観光")


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(captured), response.content.decode()


FILTERS = [{}, {"organization": "大阪府"}, {"user": "coordinator"}, {"reason": "担当者の修正"},
           {"record_type": "base"}, {"date_from": "2000-01-01", "date_to": "2100-12-31"}]


def log_counts(clients):
    return {(role, str(params)): queries(client, reverse("registry:history"), params)[0]
            for role, client in clients.items() for params in FILTERS}


def opened_counts(clients, group):
    url = reverse("registry:history_action", args=[group])
    return {role: (queries(client, url)[0], queries(client, url, {"page": 2})[0],
                   queries(client, reverse("registry:history"), {"group": group})[0])
            for role, client in clients.items()}


@pytest.fixture
def clients():
    return {role: client_for(make_user(role, *(["大阪府"] if role == Role.CLERK else [])))
            for role in (Role.COORDINATOR, Role.SUPERVISOR, Role.CLERK)}


def grow(group, organization, size, start):
    """``size`` more entries in ``group``, dated just before its newest (the log's order stays the same)."""
    newest = Base.history.filter(change_group=group).order_by("-history_date").first().history_date
    added = action(organization, size, start)
    Base.history.filter(change_group=added).update(change_group=group, history_date=newest - datetime.timedelta(
        seconds=1))


def older(organization, count, start):
    """``count`` more lone entries, older than everything on the log's first pages."""
    lone_edits(organization, count, start)
    Base.history.filter(number__gte=start, number__lt=start + count).update(
        history_date=timezone.make_aware(datetime.datetime(2001, 4, 1)))


def test_query_counts_do_not_grow_with_action_size_or_table_size(clients):
    """Two groups of 20 entries and 55 lone edits, then the same with groups of 200 and older rows (the tables
    eight times as long): the same queries for the first page, every filter, role and opened action (its pages
    1 and 2, and the action's own page)."""
    osaka, kyoto = action("大阪府", 20, start=1), action("京都府", 20, start=1)
    lone_edits("大阪府", 55, start=500)
    before, opened = log_counts(clients), opened_counts(clients, osaka)
    grow(osaka, "大阪府", 180, start=1000)
    grow(kyoto, "京都府", 180, start=1000)
    older("大阪府", 400, start=3000)
    assert Base.history.filter(change_group=osaka).count() == 200
    assert log_counts(clients) == before
    assert opened_counts(clients, osaka) == opened


def test_the_log_draws_an_action_as_one_line_and_opens_it_a_page_at_a_time(clients):
    group = action("大阪府", 120, start=1)
    coordinator = clients[Role.COORDINATOR]
    _count, page = queries(coordinator, reverse("registry:history"))
    fragment_url = reverse("registry:history_action", args=[group])
    assert page.count('class="history-entry"') == 0 and "取込拠点" not in page  # entries wait to be opened
    assert f'data-entries-url="{fragment_url}"' in page and "（120 件：海外拠点）" in page
    assert f'href="?group={group}"' in page  # without script: the action's own page
    _count, first = queries(coordinator, fragment_url)
    assert first.count('class="history-entry"') == history_views.PAGE_SIZE
    assert "120 件中 1〜50 件目" in first and "取込拠点120" in first and "取込拠点70" not in first
    assert f'href="{fragment_url}?page=2"' in first and "<html" not in first
    _count, last = queries(coordinator, fragment_url, {"page": 3})
    assert last.count('class="history-entry"') == 20 and "取込拠点1<" in last.replace("</a>", "<")
    assert "120 件中 101〜120 件目" in last


def test_an_opened_action_holds_only_what_the_clerk_may_see():
    with change_context(actor_name="coordinator", source=Source.IMPORT, reason="全国の取込"):
        for number in range(1, 4):
            make_base("大阪府", number=number, name=f"大阪の拠点{number}")
            make_base("京都府", number=number, name=f"京都の拠点{number}")
    group = Base.history.filter(name="大阪の拠点1").get().change_group
    url = reverse("registry:history_action", args=[group])
    _count, osaka = queries(client_for(make_user(Role.CLERK, "大阪府")), url)
    assert "大阪の拠点3" in osaka and "京都の拠点" not in osaka and "3 件中 1〜3 件目" in osaka
    _count, sapporo = queries(client_for(make_user(Role.CLERK, "札幌市")), url)
    assert "拠点" not in sapporo and "history-entry" not in sapporo
    _count, filtered = queries(client_for(make_user(Role.COORDINATOR)), url, {"organization": "京都府"})
    assert "京都の拠点1" in filtered and "大阪の拠点" not in filtered


def test_a_search_counts_up_to_the_cap_and_says_so(clients, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    for number in range(1, 10):
        make_base("大阪府", number=number, reason="県産品の販路開拓")
    make_base("大阪府", number=20, reason="観光")
    client = clients[Role.COORDINATOR]
    assert "5件以上" in queries(client, "/bases/", {"q": "販路"})[1]
    assert "5件以上" in queries(client, "/admin/registry/base/", {"q": "販路"})[1]
    assert "5件以上" not in queries(client, "/bases/", {"q": "観光"})[1]
    assert "5件以上" not in queries(client, "/bases/")[1]  # no search: the exact count


def test_search_query_counts_do_not_grow_with_the_table(clients):
    def counts():
        return {(role, url): queries(client, url, {"q": "販路"})[0]
                for role, client in clients.items() for url in ("/bases/", "/admin/registry/base/")}

    for number in range(1, 121):  # past one page for the clerk too: the admin then reads a page's keys first
        make_base("大阪府" if number % 2 else "京都府", number=number, reason="県産品の販路開拓")
    counts()  # each session's first requests
    make_base("大阪府", number=500, reason="県産品の販路開拓")  # both measures follow a write (cached choices renew)
    before = counts()
    for number in range(121, 241):
        make_base("大阪府" if number % 2 else "京都府", number=number, reason="県産品の販路開拓")
    assert counts() == before
