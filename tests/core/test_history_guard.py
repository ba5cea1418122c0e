"""Nothing writes a tracked record without leaving history.

Two checks: a scan of the source for writes that bypass ``save()``/``delete()``
(queryset ``update``, ``bulk_create``, ``bulk_update``, raw SQL, history
switched off), and a runtime check that after each write path every record
equals its latest history entry and every vanished record has a deletion entry.
"""
import ast
import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.core.history import restore_version, tracked_models
from registry.models import Base, BaseStatus
from tests.support.factories import make_base

ROOT = Path(__file__).resolve().parents[2]
BYPASSING_CALLS = {"update", "bulk_create", "bulk_update", "raw", "execute", "executemany",
                   "save_without_historical_record", "_raw_delete"}
BYPASSING_ATTRIBUTES = {"skip_history_when_saving"}
# History-aware helpers allowed to switch history off because they write the entry themselves.
ALLOWED = {
    ("registry/core/history/restore.py", "restore_version"),
    # bulk writes that write each record's history row right after, in the same transaction
    ("registry/core/history/tracking.py", "update_with_history"),
    # Not records: invitations and recovery codes have no version history; each invitation's events are rows of
    # the account audit (registry/accounts/audit.py), written beside it in the same transaction.
    ("registry/sheets/invitations.py", "write_invitations"),
    ("registry/accounts/second_factor.py", "new_recovery_codes"),
}
# Reads the ORM cannot write (a FULL JOIN of two rounds' records; the change log's entries grouped into actions over a
# UNION): single SELECTs, nothing written.
READ_ONLY_QUERIES = {
    ("registry/survey/report.py", "compared_pairs"),
    ("registry/staff/story.py", "action_rows"),  # groups the change log's entries into actions
    ("registry/core/locks.py", "lock_query"),  # PostgreSQL's advisory lock functions and pg_locks: no table written
}
ALLOWED |= READ_ONLY_QUERIES
COLLECTION_BUILDERS = {"set", "dict", "defaultdict", "Counter", "OrderedDict"}
# Methods known to return a plain dict (a view's template context).
DICT_RETURNING_METHODS = {"get_context_data"}


def _builds_collection(value):
    if isinstance(value, (ast.Set, ast.Dict, ast.SetComp, ast.DictComp)):
        return True
    if not isinstance(value, ast.Call):
        return False
    return (getattr(value.func, "id", None) in COLLECTION_BUILDERS
            or getattr(value.func, "attr", None) in DICT_RETURNING_METHODS)


def _collection_names(function):
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _builds_collection(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.AnnAssign) and node.value is not None and _builds_collection(node.value):
            if isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def bypassing_writes(source, path="<source>"):
    """Lines that may write records without history, as 'path:line: code'."""
    tree = ast.parse(source)
    found = []
    scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        local_collections = _collection_names(scope)
        scope_name = getattr(scope, "name", "")
        if (path, scope_name) in ALLOWED:
            continue
        body = scope.body if scope is tree else [scope]
        for statement in body:
            if scope is tree and isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(statement):
                if _is_bypass(node, local_collections) and not _inside_allowed(path, node, tree):
                    found.append(f"{path}:{node.lineno}: {ast.unparse(node)[:100]}")
    return sorted(set(found))


def _is_bypass(node, local_collections):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in BYPASSING_CALLS:
        receiver = node.func.value
        return not (isinstance(receiver, ast.Name) and receiver.id in local_collections)
    if isinstance(node, ast.Attribute) and node.attr in BYPASSING_ATTRIBUTES:
        return True
    return False


def _inside_allowed(path, target, tree):
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and (path, function.name) in ALLOWED:
            if any(node is target for node in ast.walk(function)):
                return True
    return False


def registry_sources():
    for path in sorted((ROOT / "registry").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" not in relative:
            yield relative, path.read_text(encoding="utf-8")


def test_no_code_writes_records_behind_historys_back():
    problems = [line for relative, source in registry_sources() for line in bypassing_writes(source, relative)]
    assert problems == [], "Write through save()/delete() or a history-aware helper:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "def f():\n    Base.objects.filter(pk=1).update(name='x')\n",
        "def f(rows):\n    Base.objects.bulk_create(rows)\n",
        "def f(rows):\n    Base.objects.bulk_update(rows, ['name'])\n",
        "def f(base):\n    base.skip_history_when_saving = True\n",
        "def f(cursor):\n    cursor.execute('UPDATE registry_base SET name = 1')\n",
        "def f(queryset):\n    queryset.update(status='closed')\n",
    ],
)
def test_the_scan_catches_bypassing_writes(snippet):
    assert len(bypassing_writes(snippet)) == 1


def test_the_scan_leaves_collections_alone():
    snippet = ("def f(values):\n    codes = set()\n    codes.update(values)\n    seen = {}\n    seen.update(a=1)\n"
               "    context = super().get_context_data()\n    context.update(a=1)\n")
    assert bypassing_writes(snippet) == []


# --- runtime: after each write path, history agrees with the database -------------------------

def history_mismatches():
    """Records whose current state is not their latest history entry (or that vanished without one)."""
    problems = []
    for model in tracked_models():
        pk_name = model._meta.pk.attname
        latest = {}
        for row in model.history.order_by("history_date", "history_id"):
            latest[getattr(row, pk_name)] = row
        live = {obj.pk: obj for obj in model._default_manager.all()}
        names = [f.attname for f in model._meta.concrete_fields]
        for pk, obj in live.items():
            row = latest.get(pk)
            if row is None or row.history_type == "-" or any(getattr(obj, n) != getattr(row, n) for n in names):
                problems.append(f"{model._meta.label} #{pk} differs from its history")
        problems += [
            f"{model._meta.label} #{pk} deleted without history"
            for pk, row in latest.items()
            if pk not in live and row.history_type != "-"
        ]
    return problems


def base_post_data(base, **changes):
    data = {
        "organization": base.organization_id, "number": base.number, "name": base.name,
        "countries": [c.code for c in base.countries], "cities": base.cities, "status": base.status,
        "form": base.form, "established_fy": "", "staff_dispatched": 0, "staff_local": 0,
        "round_records-TOTAL_FORMS": 0, "round_records-INITIAL_FORMS": 0,
        "round_records-MIN_NUM_FORMS": 0, "round_records-MAX_NUM_FORMS": 1000,
    }
    data.update(changes)
    return data


def admin_change(client, base):
    client.post(reverse("admin:registry_base_change", args=[base.pk]), base_post_data(base, name="改名"))


def admin_delete(client, base):
    client.post(reverse("admin:registry_base_delete", args=[base.pk]), {"post": "yes"})


def bulk_close(client, base):
    client.post(reverse("admin:registry_base_changelist"),
                {"action": "mark_closed_today", "_selected_action": [base.pk]})


def revert(client, base):
    base.name = "一時"
    base.save()
    restore_version(base.history.last(), "戻す")


def command(client, base):
    osaka = base.organization
    osaka.name_en = "changed"
    osaka.save()
    call_command("load_local_governments", stdout=open("/dev/null", "w"))


@pytest.mark.django_db
@pytest.mark.parametrize("write_path", [admin_change, admin_delete, bulk_close, revert, command],
                         ids=lambda f: f.__name__)
def test_every_write_path_leaves_history(admin_client, organization, write_path):
    base = make_base(organization("大阪府"))
    assert history_mismatches() == []
    before = sum(model.history.count() for model in tracked_models())
    write_path(admin_client, base)
    assert sum(model.history.count() for model in tracked_models()) > before, "the write path wrote nothing"
    assert history_mismatches() == []


@pytest.mark.django_db
def test_the_runtime_check_catches_writes_that_bypass_history(organization):
    base, other = make_base(organization("大阪府")), make_base(organization("大阪府"), number=2)
    Base.objects.filter(pk=base.pk).update(status=BaseStatus.CLOSED, closed_on=datetime.date.today())
    Base.objects.bulk_create([Base(organization=base.organization, number=3, countries=["CN"], form="a")])
    Base.objects.filter(pk=other.pk)._raw_delete(Base.objects.db)
    problems = history_mismatches()
    assert len(problems) == 3 and all("registry.Base" in p for p in problems)
