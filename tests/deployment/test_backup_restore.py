"""Issue 16 item 12: a backup restored into a new database gives back every table, history included, adding nothing."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_files  # over SQLite files of its own: runs in the SQLite run only

ROOT = Path(__file__).resolve().parents[2]

# Some history of every kind: an edit with a reason, a tie linked to bases (many-to-many history),
# a revert, a deleted base, a role granted and revoked (access log).
EDITS = """
from django.contrib.auth import get_user_model
from registry.core.history import Source, change_context, restore_version
from registry.models import Agreement, Base, Organization
from registry.accounts.roles import grant_role, revoke_role
osaka = Organization.objects.get(code="270008")
base = Base.objects.filter(organization=osaka).first()
with change_context(actor_name="backup-test", reason="備考を追記", source=Source.COMMAND):
    base.remarks = "バックアップ前の備考"
    base.save()
    tie = Agreement.objects.filter(organization=osaka).first()
    tie.bases.set([base])
    first = base.history.order_by("history_id").first()
restore_version(first, "元に戻す")
doomed = Base.objects.filter(organization=osaka).last()
doomed.round_records.all().delete()
doomed.delete()
clerk = get_user_model().objects.get(username="osaka_clerk")
grant_role(clerk, "clerk", [Organization.objects.get(code="011002")], actor_name="backup-test")
revoke_role(clerk, "clerk", [Organization.objects.get(code="011002")], actor_name="backup-test")
"""


def manage(database, *args, check=True):
    env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_NAME"}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check,
                          capture_output=True, text=True)


def tables(database):
    """Every table's rows, in key order (the migration log aside, whose timestamps are the day's)."""
    connection = sqlite3.connect(database)
    names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
             if not row[0].startswith("sqlite_") and row[0] not in ("django_migrations", "django_session")]
    content = {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}
    connection.close()
    return content


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    database = tmp_path_factory.mktemp("backup") / "original.sqlite3"
    manage(database, "migrate", "--noinput")
    manage(database, "setup_demo")
    manage(database, "shell", "-c", EDITS)
    return database


def test_restore_into_a_new_database_gives_back_every_table_and_adds_no_history(original, tmp_path):
    backup = tmp_path / "registry.json.gz"
    manage(original, "backup", str(backup))
    restored = tmp_path / "restored.sqlite3"
    manage(restored, "restore", str(backup))

    before, after = tables(original), tables(restored)
    assert set(before) == set(after)
    history_tables = [name for name in before if name.startswith("registry_historical")]
    assert len(history_tables) >= 10 and sum(len(before[name]) for name in history_tables) > 500
    assert len(before["registry_rolechange"]) > 5
    differing = [name for name in before if before[name] != after[name]]
    assert not differing, f"tables that differ after restore: {differing}"


def test_restore_refuses_a_database_that_holds_records(original, tmp_path):
    backup = tmp_path / "registry.json"
    manage(original, "backup", str(backup))
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(original.read_bytes())
    result = manage(copy, "restore", str(backup), check=False)
    assert result.returncode != 0 and "already holds records" in result.stderr
    assert tables(copy) == tables(original)


def test_plain_loaddata_adds_no_history_either(original, tmp_path):
    backup = tmp_path / "registry.json"
    manage(original, "backup", str(backup))
    fresh = tmp_path / "fresh.sqlite3"
    manage(fresh, "migrate", "--noinput")
    manage(fresh, "loaddata", str(backup))
    assert [name for name, rows in tables(original).items() if tables(fresh)[name] != rows] == []
