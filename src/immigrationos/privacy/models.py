"""Disclosure accounting and amendment requests (Privacy Act, 5 U.S.C. 552a(c) and (d)).

Person and record ids are kept as plain strings, not foreign keys, because the accounting
must outlive a purged record: it is kept five years or the life of the record, whichever is
longer (5 U.S.C. 552a(c)(2)).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DisclosureKind(models.TextChoices):
    PARTNER_API = "partner_api", "Partner API read"
    EXPORT = "export", "Export for another agency"
    OTHER = "other", "Other disclosure outside the agency"


class Disclosure(models.Model):
    """One disclosure outside the agency: date, recipient, purpose and the records given."""

    disclosed_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=32, choices=DisclosureKind.choices)
    recipient = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    username = models.CharField(max_length=150, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The seq of the audit event written with this disclosure.
    audit_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-disclosed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.disclosed_at:%Y-%m-%d} to {self.recipient} ({self.kind})"


class DisclosedPerson(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="persons")
    person_id = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "person_id"], name="disclosed_person_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id}:{self.person_id}"


class DisclosedRecord(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="records")
    record_uid = models.CharField(max_length=128, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "record_uid"], name="disclosed_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id}:{self.record_uid}"


class AmendmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    GRANTED = "granted", "Granted: record corrected"
    PARTLY_GRANTED = "partly_granted", "Partly granted: record corrected in part"
    DENIED = "denied", "Denied"


class AmendmentRequest(models.Model):
    """A request to correct a record about a person (5 U.S.C. 552a(d)(2))."""

    tracking_number = models.CharField(max_length=32, unique=True)
    person_id = models.CharField(max_length=64, db_index=True)
    record_uids = models.JSONField(default=list)
    # The requester's own words; shown to privacy officers, never copied into audit events.
    requested_change = models.TextField()
    received_on = models.DateField()
    acknowledge_by = models.DateField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="amendments_filed",
        null=True,
        blank=True,
    )
    filed_at = models.DateTimeField()
    status = models.CharField(
        max_length=32, choices=AmendmentStatus.choices, default=AmendmentStatus.OPEN
    )
    decision_reasons = models.TextField(blank=True)
    corrected_record_uids = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="amendments_decided",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.tracking_number} ({self.status})"


class AmendmentNotice(models.Model):
    """A notice of a correction to an earlier recipient of the record (5 U.S.C. 552a(c)(4))."""

    amendment = models.ForeignKey(
        AmendmentRequest, on_delete=models.PROTECT, related_name="notices"
    )
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="notices")
    recipient = models.CharField(max_length=200)
    record_uids = models.JSONField(default=list)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "disclosure"], name="amendment_notice_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amendment_id} -> {self.recipient}"
