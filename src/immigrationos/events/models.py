"""Event intake, the real-time matcher's index, and what each event did.

The operational load copies the linkage model and a match index (features and blocking keys
of every linked record) into these tables, so the matcher reads only the operational store
and never waits on the staging file.
"""

from __future__ import annotations

from django.db import models


class MatchModel(models.Model):
    """The linkage model of one pipeline run, as the real-time matcher scores with it."""

    run_id = models.CharField(max_length=64, primary_key=True)
    loaded_at = models.DateTimeField()
    link_threshold = models.FloatField()
    review_threshold = models.FloatField()
    # The splink model (comparisons with m and u, prior) and the linkage settings it ran with.
    model = models.JSONField()
    settings = models.JSONField(default=dict)

    class Meta:
        ordering = ["-loaded_at", "-run_id"]

    def __str__(self) -> str:
        return self.run_id


class NameStat(models.Model):
    """Name frequencies the model weighs exact name agreement by.

    ``part`` is ``given`` or ``family`` (``value`` is the frequency ratio) or ``full`` (``value``
    is how many distinct dates of birth carry the full name).
    """

    part = models.CharField(max_length=8)
    name = models.CharField(max_length=300)
    value = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "name"], name="name_stat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.part}:{self.name}"


class RecordFeature(models.Model):
    """The comparison features of one linked record, as the batch linkage computed them."""

    record_uid = models.CharField(max_length=128, primary_key=True)
    # The staged row's hash, so that a load rewrites only records whose content changed.
    row_hash = models.CharField(max_length=64, blank=True)
    features = models.JSONField()

    def __str__(self) -> str:
        return self.record_uid


class MatchKey(models.Model):
    """One blocking key of one record: records that share a key are candidate matches."""

    key = models.CharField(max_length=300)
    record_uid = models.CharField(max_length=128)
    # The record's date of birth (ISO), so that a key's date condition is checked on the
    # index alone, before any record is read.
    dob_s = models.CharField(max_length=10, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["key", "dob_s", "record_uid"], name="match_key_key_idx"),
            models.Index(fields=["record_uid"], name="match_key_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.record_uid}"


class Channel(models.TextChoices):
    API = "api", "API"
    STREAM = "stream", "Stream"
    FILE = "file", "File drop"


class Outcome(models.TextChoices):
    MATCHED = "matched", "Matched"
    REVIEW = "review", "In review"
    UNMATCHED = "unmatched", "Unmatched"


class Verification(models.TextChoices):
    VERIFIED = "verified", "Verified"
    UNVERIFIED = "unverified", "Detected, not verified"
    DISPUTED = "disputed", "Disputed"


class IncomingEvent(models.Model):
    """One accepted departure or arrival event and every effect it had.

    ``event_id`` is unique: a redelivered or re-sent event finds its row and changes nothing.
    """

    event_id = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16)
    occurred_at = models.DateTimeField()
    # The calendar date at the port, which the status rules read.
    local_date = models.DateField()
    port = models.CharField(max_length=16)
    port_tz = models.CharField(max_length=64, blank=True)
    mode = models.CharField(max_length=8)
    carrier = models.CharField(max_length=100, blank=True)
    evidence_kind = models.CharField(max_length=32)
    payload = models.JSONField()
    payload_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Where it came from within the channel: a stream sequence, or a file name and line.
    source_ref = models.CharField(max_length=300, blank=True)
    # The API user (a source system) that sent it, or the channel's name.
    sender = models.CharField(max_length=150, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    applied_at = models.DateTimeField()

    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    record_uid = models.CharField(max_length=128)
    # The person the event's record belongs to: the matched person, or a new one.
    person_id = models.CharField(max_length=64)
    probability = models.FloatField(null=True, blank=True)
    match_rule = models.CharField(max_length=64, blank=True)
    match_reason = models.TextField(blank=True)
    candidates = models.JSONField(default=list, blank=True)
    model_run_id = models.CharField(max_length=64, blank=True)

    verification = models.CharField(max_length=16, choices=Verification.choices, blank=True)
    verification_rule = models.CharField(max_length=64, blank=True)
    verification_reason = models.TextField(blank=True)
    status_before = models.CharField(max_length=64, blank=True)
    status_after = models.CharField(max_length=64, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    proposal_id = models.BigIntegerField(null=True, blank=True)
    # Checks a re-entry raised: re-entry after removal, arrival while a bar runs.
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["occurred_at"], name="event_occurred_idx"),
            models.Index(fields=["received_at"], name="event_received_idx"),
            models.Index(fields=["person_id", "kind"], name="event_person_idx"),
            models.Index(fields=["kind", "occurred_at"], name="event_kind_occurred_idx"),
        ]

    def __str__(self) -> str:
        return self.event_id


class RejectedEvent(models.Model):
    """An event that failed validation, kept with its reasons so that nothing is lost."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    source_ref = models.CharField(max_length=300, blank=True)
    event_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()
    errors = models.JSONField(default=list)
    payload = models.TextField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["received_at"], name="rejected_received_idx"),
            # A redelivered message is looked up by channel and source reference.
            models.Index(fields=["channel", "source_ref"], name="rejected_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.source_ref or self.event_id}"
