"""The prefecture's lead (取りまとめ担当) as a role of the permission and action matrices (issue 24).

大阪府's lead is run against every URL and POST of tests/core/test_permission_matrix.py and every admin write of
tests/core/test_action_matrix.py, with the world's records belonging to

    osaka    大阪府 itself,
    sakai    堺市, a municipality of 大阪府 (the lead acts as its clerk would: 代理入力),
    sapporo  札幌市, in another prefecture (the lead is any other organization's clerk there).

Its expected answer is the column of the clerk it stands for: the records' own clerk ("osaka" column) for 大阪府
and 堺市, another organization's clerk ("sapporo" column) for 札幌市, except where LEAD_DIFFERS says otherwise
(reminders are the lead's own step; the lead never reverts). A new URL added to MATRIX is covered here too.

``test_nothing_of_another_prefecture_reaches_the_lead`` walks every GET of the matrix in 札幌市's world: the lead is
shown nothing of 札幌市's base that an anonymous visitor is not (published data is public).
"""
import io
import zipfile

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from tests.core import test_action_matrix as actions
from tests.core.test_permission_matrix import MATRIX, build_world, observed

TARGETS = {"osaka": "270008", "sakai": "271403", "sapporo": "011002"}
# The lead's scope is the permission matrix's rules in Python over the same ORM queries, and the matrix itself runs
# on both databases: .ci/run runs the lead's column in the PostgreSQL run only.
pytestmark = pytest.mark.any_database
SECRET = "札幌の非公開拠点名"

# (MATRIX key, case index) → what the lead gets, whichever organization the records belong to.
LEAD_DIFFERS = {
    # 大阪府's accounts page, in every world: the lead of 大阪府 reads its own prefecture's accounts.
    ("registry:organization_accounts", 0): "200",
    ("registry:survey_remind", 0): "200",  # the confirmation page: who the lead's reminder would reach
    ("registry:survey_remind", 1): "R",  # 督促: the lead reminds its own prefecture's organizations
    # Invitations: a lead invites its area's clerks (the organization is checked on the POST, see test_lead_role).
    ("registry:invite", 0): "200",
    ("registry:invite", 1): "200",
    ("registry:bulk_invite", 0): "200",
    ("registry:bulk_invite", 1): "200",
    ("registry:bulk_invite", 2): "R",
    # The world's invitation is to the records' organization: the lead resends its own area's only.
    ("registry:invitation_action", 1): {"osaka": "R", "sakai": "R", "sapporo": "404"},
    ("registry:invitation_action", 2): "404",
}


def lead_token(key, index, case, target):
    if (key, index) in LEAD_DIFFERS:
        differs = LEAD_DIFFERS[(key, index)]
        return differs[target] if isinstance(differs, dict) else differs
    token = case.statuses()["sapporo" if target == "sapporo" else "osaka"]
    if key.endswith("_simple_history") and token == "200":
        return "403"  # the revert page: a lead never reverts
    return token


@pytest.fixture(scope="module", params=list(TARGETS))
def lead_world(request, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            world = build_world(TARGETS[request.param], base_name=SECRET)
            world.target = request.param
            yield world
            transaction.set_rollback(True)


def lead_client(world):
    client = Client()
    client.force_login(world.users["lead"])
    return client


def test_lead_answers_every_url_as_the_clerk_it_stands_for(db, lead_world):
    mismatches = []
    for key, cases in MATRIX.items():
        for index, case in enumerate(cases):
            cache.clear()  # each case as the permission matrix runs it: its own test, with an empty cache
            with transaction.atomic():
                url = case.url(lead_world)
                data = case.data(lead_world) if callable(case.data) else case.data
                response = getattr(lead_client(lead_world), case.method)(url, data or {})
                expected = lead_token(key, index, case, lead_world.target)
                if observed(response) != expected:
                    mismatches.append(f"{case.method.upper()} {url} ({key}#{index}): expected {expected}, "
                                      f"got {observed(response)}")
                transaction.set_rollback(True)
    assert not mismatches, f"lead against {lead_world.target}:\n  " + "\n  ".join(mismatches)


def lead_write_token(tokens, target, reverting=False):
    token = actions.expected(tokens)["sapporo" if target == "sapporo" else "osaka"]
    if reverting and token == "R":
        return "403"  # never reverts
    return token


def check_lead(world, key, token, send):
    obj = world.objects[key]
    with transaction.atomic():
        before = actions.snapshot(obj)
        got = observed(send(lead_client(world), obj))
        changed = actions.snapshot(obj) != before
        transaction.set_rollback(True)
    assert got == token, f"lead on {world.target}'s {key}: expected {token}, got {got}"
    assert token == "R" or not changed, f"lead on {world.target}'s {key}: changed although refused"


@pytest.mark.parametrize("key", list(actions.CHANGE))
def test_lead_change_by_post(db, lead_world, key):
    obj = lead_world.objects[key]
    root = Client()
    root.force_login(lead_world.users["root"])
    form = actions.change_form_data(root.get(actions.admin_url(obj, "change", obj.pk)), change_reason="権限の確認")
    if key == "user":
        form.update(date_joined_0=obj.date_joined.date().isoformat(), date_joined_1="09:00:00")
    check_lead(lead_world, key, lead_write_token(actions.CHANGE[key], lead_world.target),
               lambda client, obj: client.post(actions.admin_url(obj, "change", obj.pk), form))


@pytest.mark.parametrize("key", list(actions.DELETE))
def test_lead_delete_by_post(db, lead_world, key):
    check_lead(lead_world, key, lead_write_token(actions.DELETE[key], lead_world.target),
               lambda client, obj: client.post(actions.admin_url(obj, "delete", obj.pk), {"post": "yes"}))


@pytest.mark.parametrize("key", list(actions.REVERT))
def test_lead_never_reverts(db, lead_world, key):
    version = lead_world.objects[key].history.order_by("history_id").first()
    check_lead(lead_world, key, lead_write_token(actions.REVERT[key], lead_world.target, reverting=True),
               lambda client, obj: client.post(actions.admin_url(obj, "simple_history", obj.pk, version.history_id),
                                               {"reason": "権限の確認"}))


@pytest.mark.parametrize("key, action", list(actions.BULK))
def test_lead_bulk_action_by_post(db, lead_world, key, action):
    obj = lead_world.objects[key]
    token = lead_write_token(actions.BULK[(key, action)], lead_world.target)
    with transaction.atomic():
        before = actions.snapshot(obj)
        lead_client(lead_world).post(actions.admin_url(obj, "changelist"), {
            "action": action, "_selected_action": [obj.pk], "post": "yes", "index": 0})
        got = "K" if actions.snapshot(obj) == before else "D"
        transaction.set_rollback(True)
    assert got == token, f"lead on {lead_world.target}: {key} {action}: expected {token}, got {got}"


def readable(response):
    """A response's text, the members of a zip (xlsx, ods) included."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", "replace")


def test_nothing_of_another_prefecture_reaches_the_lead(db, lead_world):
    """Every GET of the matrix (pages, admin and autocomplete, exports, API and search, history, job pages,
    report, portal, calendar feed, notifications, watches): the lead sees 札幌市's base only where anyone does."""
    if lead_world.target != "sapporo":
        pytest.skip("another prefecture's records: 札幌市's world")
    leaks = []
    for key, cases in MATRIX.items():
        for index, case in enumerate(cases):
            if case.method != "get":
                continue
            with transaction.atomic():
                url = case.url(lead_world)
                data = case.data(lead_world) if callable(case.data) else case.data
                seen = SECRET in readable(lead_client(lead_world).get(url, data or {}))
                public = SECRET in readable(Client().get(url, data or {}))
                if seen and not public:
                    leaks.append(f"{url} ({key}#{index})")
                transaction.set_rollback(True)
    assert not leaks, "札幌市's base reaches 大阪府's lead through:\n  " + "\n  ".join(leaks)
