"""PostgreSQL only: trigram (pg_trgm) GIN indexes for the text the change log's reason and user filters match with
``LIKE '%…%'`` (``contains``), as 0006 made them for the base search — a rare text (3 characters or more) is found
through the index instead of a walk over every history row (docs/performance.md). SQLite keeps plain scans:
TrigramExtension and the indexes do nothing there."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

HISTORY_TABLES = (
    "historicalagreement", "historicalagreementrenewal", "historicalbase", "historicalbaseroundrecord",
    "historicalcontractor", "historicaljointoffice", "historicalmembership", "historicalorganization",
    "historicalorganizationalias", "historicalpartner", "historicalplace", "historicalroundresponse",
    "historicalsurveyround",
)
# The change log's reason and user filters (``contains``: case-sensitive LIKE).
HISTORY_COLUMNS = ("history_change_reason", "actor_name")


def index_statements():
    for table in HISTORY_TABLES:
        for column in HISTORY_COLUMNS:
            yield (f"registry_{table}_{column}_trgm", f'"registry_{table}" USING gin ("{column}" gin_trgm_ops)')


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in index_statements():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name[:63]}" ON {target}')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _target in index_statements():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name[:63]}"')


class Migration(migrations.Migration):
    dependencies = [("registry", "0018_invitation_role_lead")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
