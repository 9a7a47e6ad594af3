"""Make case notes append-only with triggers: UPDATE, DELETE and TRUNCATE are rejected."""

from typing import Any

from django.db import migrations


def _create(apps: Any, schema_editor: Any) -> None:
    from immigrationos.cases.append_only import note_triggers_create

    note_triggers_create(schema_editor.connection)


def _drop(apps: Any, schema_editor: Any) -> None:
    from immigrationos.cases.append_only import note_triggers_drop

    note_triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_workflow"),
    ]

    operations = [
        migrations.RunPython(_create, _drop),
    ]
