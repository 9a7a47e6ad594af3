"""Make audit events and checkpoints append-only with triggers, per database vendor.

UPDATE of an event or a checkpoint is rejected, and so is DELETE, TRUNCATE (PostgreSQL) and
DELETE of a checkpoint. DELETE of an event is allowed only at or below the latest
checkpoint's ``through_seq``, which a retention purge writes first. On PostgreSQL the
migration also revokes UPDATE, DELETE and TRUNCATE from the application role named in
IMMIGRATIONOS_DB_APP_ROLE when that role is not the tables' owner.
"""

from typing import Any

from django.db import migrations


def _create(apps: Any, schema_editor: Any) -> None:
    from immigrationos.audit import triggers

    triggers.triggers_create(schema_editor.connection)
    triggers.app_role_restrict_from_settings(schema_editor.connection)


def _drop(apps: Any, schema_editor: Any) -> None:
    from immigrationos.audit import triggers

    triggers.triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_audit_hash_chain"),
    ]

    operations = [
        migrations.RunPython(_create, _drop),
    ]
