"""Trigram indexes for "search as you type" on PostgreSQL (skipped elsewhere).

``icontains`` becomes ``UPPER(col) LIKE UPPER('%term%')``; a GIN trigram index on
``UPPER(col)`` turns that 10,000-row scan into an index lookup.
"""

from django.db import migrations

COLUMNS = ("name", "label")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in COLUMNS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS key_{column}_trgm ON keys_key "
                f"USING gin (UPPER({column}) gin_trgm_ops)"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS key_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("keys", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
