"""The audit log: an append-only, hash-chained list of events.

Each event stores ``seq`` (1, 2, 3, ... with no gaps), ``prev_hash`` (the previous event's
``hash``) and ``hash`` (SHA-256 over a canonical JSON of its own fields and ``prev_hash``, see
``immigrationos.audit.chain``). Database triggers reject UPDATE and DELETE of events; the
only deletion they allow is of events at or below the latest ``AuditCheckpoint``, which a
retention purge writes first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class AuditEvent(models.Model):
    """One audited action. ``details`` contains counts, kinds and ids, never personal free
    text copied from records."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    # PROTECT: a user with audit events is deactivated, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, blank=True)
    # Comma-separated office codes of the user's scope at the time of the event.
    office = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_ids = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    # None means no purpose was requested. An empty string would mean a blank purpose.
    purpose = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    break_glass_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["username", "at"], name="audit_username_at_idx")]

    def __str__(self) -> str:
        return (
            f"#{self.seq} {self.at:%Y-%m-%dT%H:%M:%SZ} {self.username or '-'} "
            f"{self.action} {self.outcome}"
        )


class AuditCheckpoint(models.Model):
    """The end of a retention purge: events up to ``through_seq`` were deleted, and
    ``last_hash`` was the hash of event ``through_seq``, so the chain still verifies from
    the next event on."""

    through_seq = models.BigIntegerField(unique=True)
    last_hash = models.CharField(max_length=64)
    purged_count = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-through_seq"]

    def __str__(self) -> str:
        return f"purged through #{self.through_seq}"
