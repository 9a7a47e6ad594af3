"""Index the A-numbers of related persons that benefits records name in ``attrs``.

The person page finds the records naming a person as parent, spouse or child by these keys.
The indexes are on expressions, written per vendor, and ``cases.relations`` filters on the
same expressions so the database uses them.
"""

from typing import Any

from django.db import migrations

_KEYS = ("related_a_number", "parent_a_number")


def _create(apps: Any, schema_editor: Any) -> None:
    from immigrationos.cases.relations import named_a_number_sql

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for key in _KEYS:
            expression = named_a_number_sql(connection.vendor, key, qualified=False)
            cursor.execute(f"CREATE INDEX record_{key}_idx ON cases_sourcerecord (({expression}))")


def _drop(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for key in _KEYS:
            cursor.execute(f"DROP INDEX IF EXISTS record_{key}_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_note_append_only"),
    ]

    operations = [
        migrations.RunPython(_create, _drop),
    ]
