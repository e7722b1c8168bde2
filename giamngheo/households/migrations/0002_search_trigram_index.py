"""On PostgreSQL, a trigram index so that ``search_text LIKE '%word%'`` (the registry search) does not scan
every household of the user's scope. SQLite has no such index; there the search scans, which is fine at
the sizes an embedded installation holds. pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database
owner may create it without superuser rights.
"""

from __future__ import annotations

from django.db import migrations

INDEX = "household_search_trgm_idx"


def create_index(apps, schema_editor):  # noqa: ARG001 - the migration API passes both
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON households_household USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):  # noqa: ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
