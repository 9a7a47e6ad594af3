"""Index review items by the persons and records they name, on PostgreSQL.

The person and case pages look up a person's review items with JSON containment
(``person_ids @> '["P-1"]'``), which scans the whole table without a GIN index. SQLite has
no containment operator or GIN index, so there the migration does nothing.
"""

from typing import Any

from django.db import migrations

_COLUMNS = ("person_ids", "record_uids")


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in _COLUMNS:
            cursor.execute(
                f"CREATE INDEX review_item_{column}_gin ON cases_reviewitem "
                f"USING gin ({column} jsonb_path_ops)"
            )


def _drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in _COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS review_item_{column}_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_source_record_relation_indexes"),
    ]

    operations = [
        migrations.RunPython(_create, _drop),
    ]
