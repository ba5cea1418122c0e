"""Benchmark: inviting one person for each of the 1,788 local governments from one sheet (issue 23).

On PostgreSQL (database ``bench_accounts``, rebuilt each run) with the local governments loaded and mail on
Django's locmem backend. Measured in the same run: the preview (plan only) and the apply (invitations, their
organizations, one audit row each, 1,788 e-mails) of the CSV sheet, then the same sheet again (nothing changes),
then a sheet with one bad row (nothing written, nothing sent); and, as the floor, ``bulk_create`` of the same
invitation rows alone. Target: preview and apply each ≤ 20 s. Prints one JSON object.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/accounts.py
"""
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 20


def point_at_bench_database():
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        raise SystemExit("bench/accounts.py measures on PostgreSQL: set DATABASE_URL=postgres://…")
    parts = urlparse(server)
    import psycopg

    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS bench_accounts")
        connection.execute("CREATE DATABASE bench_accounts")
    os.environ["DATABASE_URL"] = urlunparse(parts._replace(path="/bench_accounts"))


def timed(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    return result, round(seconds, 3), len(queries)


def sheet(organizations, bad_row=None):
    lines = ["団体コード,氏名,メールアドレス,役割"]
    for n, organization in enumerate(organizations):
        address = "not-an-address" if n == bad_row else f"clerk{n}@{organization.code}.example.lg.jp"
        lines.append(f"{organization.code},担当 {n},{address},担当者")
    return ("\n".join(lines) + "\n").encode()


def main():
    point_at_bench_database()
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings",
                      EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.db import transaction

    from registry.sheets.invitations import import_invitation_file
    from registry.accounts.invitations import expiry
    from registry.models import Invitation, Organization, RoleChange
    from registry.core.permissions import Role
    from tests.support.roles import make_user

    call_command("migrate", verbosity=0)
    call_command("load_local_governments", stdout=open(os.devnull, "w"))
    coordinator = make_user(Role.COORDINATOR, username="bench_coordinator")
    organizations = list(Organization.objects.order_by("code"))
    mail.outbox = []

    bad = sheet(organizations, bad_row=len(organizations) // 2)
    bad_outcome, bad_seconds, _q = timed(lambda: import_invitation_file(bad, "bad.csv", user=coordinator))
    bad_result = {"seconds": bad_seconds, "errors": bad_outcome.counts["errors"],
                  "written": Invitation.objects.count(), "mails": len(mail.outbox)}

    content = sheet(organizations)
    preview, preview_seconds, preview_queries = timed(
        lambda: import_invitation_file(content, "all.csv", user=coordinator, dry_run=True))
    applied, apply_seconds, apply_queries = timed(lambda: import_invitation_file(content, "all.csv", user=coordinator))
    mails = len(mail.outbox)
    again, again_seconds, _q = timed(lambda: import_invitation_file(content, "all.csv", user=coordinator))

    def floor():
        with transaction.atomic():
            Invitation.objects.bulk_create([
                Invitation(name=f"担当 {n}", email=f"floor{n}@example.lg.jp", role=Role.CLERK, expires_at=expiry())
                for n in range(len(organizations))])
            transaction.set_rollback(True)

    _none, floor_seconds, _q = timed(floor)
    result = {
        "engine": "postgresql", "organizations": len(organizations),
        "preview": {"seconds": preview_seconds, "queries": preview_queries, "new": preview.new},
        "apply": {"seconds": apply_seconds, "queries": apply_queries, "new": applied.new, "mails": mails,
                  "invitations": Invitation.objects.count(),
                  "audit_rows": RoleChange.objects.filter(action=RoleChange.Action.INVITED).count()},
        "reimport": {"seconds": again_seconds, "new": again.new, "unchanged": again.unchanged,
                     "mails_after": len(mail.outbox)},
        "one_bad_row": bad_result,
        "floor_bulk_create_only": {"seconds": floor_seconds},
        "target_seconds": TARGET_SECONDS,
        "within_target": preview_seconds <= TARGET_SECONDS and apply_seconds <= TARGET_SECONDS,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
