"""Add the hash chain (seq, prev_hash, hash), role, office and break-glass id to audit events,
and the checkpoint table that retention purges write.

Existing events are chained in id order. The backward step drops the new columns.
"""

from typing import Any

from django.db import migrations, models


def _chain_existing(apps: Any, schema_editor: Any) -> None:
    from immigrationos.audit.chain import GENESIS_HASH, event_hash

    event_model = apps.get_model("audit", "AuditEvent")
    prev_hash = GENESIS_HASH
    for seq, event in enumerate(event_model.objects.order_by("id").iterator(), start=1):
        fields = {
            "seq": seq,
            "at": event.at,
            "user_id": event.user_id,
            "username": event.username,
            "role": "",
            "office": "",
            "action": event.action,
            "object_type": event.object_type,
            "object_ids": event.object_ids,
            "outcome": event.outcome,
            "request_id": event.request_id,
            "client_address": event.client_address,
            "purpose": event.purpose,
            "break_glass_id": "",
            "details": event.details,
        }
        event.seq = seq
        event.prev_hash = prev_hash
        event.hash = event_hash(fields, prev_hash)
        event.save(update_fields=["seq", "prev_hash", "hash"])
        prev_hash = event.hash


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="role",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="office",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="break_glass_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(_chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(unique=True),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-seq"]},
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["username", "at"], name="audit_username_at_idx"),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("through_seq", models.BigIntegerField(unique=True)),
                ("last_hash", models.CharField(max_length=64)),
                ("purged_count", models.BigIntegerField()),
                ("created_at", models.DateTimeField()),
            ],
            options={"ordering": ["-through_seq"]},
        ),
    ]
