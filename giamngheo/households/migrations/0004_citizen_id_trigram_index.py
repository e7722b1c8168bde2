"""On PostgreSQL, a trigram index on ``members.citizen_id`` so that a partial citizen-ID search
(``citizen_id LIKE '%2345%'``, allowed only where the user may see IDs) does not scan every member of the
country. The B-tree index Django already keeps on the column serves whole IDs and prefixes.
"""

from __future__ import annotations

from django.db import migrations

INDEX = "member_citizen_id_trgm_idx"


def create_index(apps, schema_editor):  # noqa: ARG001 - the migration API passes both
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON households_member USING gin (citizen_id gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):  # noqa: ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("households", "0003_search_text_without_citizen_ids")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
