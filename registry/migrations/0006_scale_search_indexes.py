"""Trigram indexes for the free-text searches (issue 14), on PostgreSQL only.

The list page's and the admin's search (``registry.staff.filters.base_text_search``) and the contractor search use
``icontains``, which Django writes as ``UPPER(column::text) LIKE UPPER('%term%')`` on PostgreSQL. A GIN index
with ``gin_trgm_ops`` on exactly that expression lets PostgreSQL answer it from the index, for Japanese text too
(pg_trgm hashes multibyte trigrams). ``TrigramExtension`` (CREATE EXTENSION pg_trgm, which ships with
PostgreSQL) does nothing on other databases; SQLite keeps scanning, which is fast at its scale.
"""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SEARCHED = {
    "registry_base": ("name", "cities", "reason", "activities", "remarks", "form_detail", "department"),
    "registry_organization": ("name",),
    "registry_contractor": ("name", "notes"),
}


def index_name(table, column):
    return f"{table.removeprefix('registry_')}_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_rounds_rounds_lifecycle"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
