"""Retention: plan and run the purge of source records, audit events and disclosures.

Periods come from settings when the command runs: IMMIGRATIONOS_RETENTION_DAYS (per source,
by the record's event date), IMMIGRATIONOS_AUDIT_RETENTION_DAYS and
IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS. Records of a person with an open case are held.
A disclosure accounting is purged only after its period and once none of its records or
persons remain, so it lasts five years or the life of the record, whichever is longer
(5 U.S.C. 552a(c)(2)).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from immigrationos.audit.chain import chain_purge_through
from immigrationos.audit.models import AuditEvent
from immigrationos.audit.services import audit_event_fields, audit_record
from immigrationos.cases.models import CaseState, Person, SourceRecord
from immigrationos.privacy.errors import RetentionError
from immigrationos.privacy.models import DisclosedPerson, DisclosedRecord, Disclosure

logger = logging.getLogger(__name__)

# Five years of 365 days plus two leap days: 552a(c)(2) sets five years as the minimum.
DISCLOSURE_MIN_DAYS = 5 * 365 + 2


@dataclass
class RetentionPlan:
    """The purge list of a retention run: record uids per source, audit events through
    ``audit_through_seq`` and disclosure ids."""

    as_of: date
    records: dict[str, list[str]] = field(default_factory=dict)
    held_records: dict[str, int] = field(default_factory=dict)
    audit_through_seq: int | None = None
    audit_count: int = 0
    disclosure_ids: list[int] = field(default_factory=list)

    def record_count(self) -> int:
        return sum(len(uids) for uids in self.records.values())


def retention_periods() -> tuple[dict[str, int], int, int]:
    """Return the retention periods in days from settings: per source, audit events and
    disclosure accountings. Raises RetentionError naming every invalid period."""
    sources = dict(getattr(settings, "IMMIGRATIONOS_RETENTION_DAYS", {}))
    audit_days = int(getattr(settings, "IMMIGRATIONOS_AUDIT_RETENTION_DAYS", 0))
    disclosure_days = int(getattr(settings, "IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS", 0))
    problems = [
        f"IMMIGRATIONOS_RETENTION_DAYS[{source!r}] = {days!r}: expected a positive integer"
        for source, days in sources.items()
        if not isinstance(days, int) or days <= 0
    ]
    if audit_days <= 0:
        problems.append(
            f"IMMIGRATIONOS_AUDIT_RETENTION_DAYS = {audit_days!r}: expected a positive integer"
        )
    if disclosure_days < DISCLOSURE_MIN_DAYS:
        problems.append(
            f"IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS = {disclosure_days!r}: expected at least "
            f"{DISCLOSURE_MIN_DAYS} (five years, 5 U.S.C. 552a(c)(2))"
        )
    if problems:
        raise RetentionError("invalid retention settings: " + "; ".join(problems))
    return sources, audit_days, disclosure_days


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, time.min), timezone=timezone.get_current_timezone()
    )


def _records_plan(plan: RetentionPlan, sources: dict[str, int]) -> None:
    open_case_persons = Person.objects.filter(cases__isnull=False).exclude(
        cases__state=CaseState.CLOSED
    )
    for source, days in sorted(sources.items()):
        expired = SourceRecord.objects.filter(
            source=source, event_date__lt=plan.as_of - timedelta(days=days)
        )
        held = expired.filter(person__in=open_case_persons)
        uids = list(
            expired.exclude(person__in=open_case_persons)
            .order_by("record_uid")
            .values_list("record_uid", flat=True)
        )
        if uids:
            plan.records[source] = uids
        held_count = held.count()
        if held_count:
            plan.held_records[source] = held_count


def _audit_plan(plan: RetentionPlan, audit_days: int) -> None:
    cutoff = _start_of_day(plan.as_of - timedelta(days=audit_days))
    # Purge only a prefix of the chain: up to the first event that is still within its
    # period, so a clock step backwards never leaves a hole.
    first_kept = (
        AuditEvent.objects.filter(at__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    expired = AuditEvent.objects.filter(at__lt=cutoff)
    if first_kept is not None:
        expired = expired.filter(seq__lt=first_kept)
    through = expired.order_by("-seq").values_list("seq", flat=True).first()
    if through is not None:
        plan.audit_through_seq = through
        plan.audit_count = AuditEvent.objects.filter(seq__lte=through).count()


def _disclosure_plan(plan: RetentionPlan, disclosure_days: int, purged_uids: set[str]) -> None:
    cutoff = _start_of_day(plan.as_of - timedelta(days=disclosure_days))
    candidates = Disclosure.objects.filter(disclosed_at__lt=cutoff)
    live_records = DisclosedRecord.objects.filter(
        record_uid__in=SourceRecord.objects.exclude(record_uid__in=purged_uids).values("record_uid")
    ).values("disclosure_id")
    live_persons = DisclosedPerson.objects.filter(
        person_id__in=Person.objects.values("person_id")
    ).values("disclosure_id")
    plan.disclosure_ids = list(
        candidates.exclude(Q(pk__in=live_records) | Q(pk__in=live_persons))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def retention_plan(*, as_of: date) -> RetentionPlan:
    """Return what a retention run on ``as_of`` would purge, without changing anything."""
    sources, audit_days, disclosure_days = retention_periods()
    plan = RetentionPlan(as_of=as_of)
    _records_plan(plan, sources)
    purged = {uid for uids in plan.records.values() for uid in uids}
    _audit_plan(plan, audit_days)
    _disclosure_plan(plan, disclosure_days, purged)
    return plan


@transaction.atomic
def retention_run(*, as_of: date) -> RetentionPlan:
    """Purge what ``retention_plan`` lists and audit it; return the plan that was run.

    The audit event of the purge lists counts and ids per source. Audit events are purged
    last, behind a checkpoint (see ``chain_purge_through``), and the purge event itself is
    appended after the checkpoint, so it is never purged by the same run.
    """
    plan = retention_plan(as_of=as_of)
    # The `retention` command purges the staging store's copies of these records first
    # (staging.records_purge), so a later pipeline load does not bring them back.
    for source, uids in plan.records.items():
        deleted, _ = SourceRecord.objects.filter(record_uid__in=uids).delete()
        logger.info("retention purged %d %s records", deleted, source)
    if plan.disclosure_ids:
        Disclosure.objects.filter(pk__in=plan.disclosure_ids).delete()
    audit_record(
        request=None,
        action="retention_purge",
        object_type="source_record",
        object_ids=[uid for uids in plan.records.values() for uid in uids],
        details={
            "as_of": as_of.isoformat(),
            "records_per_source": {source: len(uids) for source, uids in plan.records.items()},
            "held_per_source": plan.held_records,
            "disclosure_ids": plan.disclosure_ids,
            "audit_through_seq": plan.audit_through_seq,
        },
    )
    if plan.audit_through_seq is not None:
        chain_purge_through(
            seq=plan.audit_through_seq,
            purge_fields=audit_event_fields(request=None, action="audit_purge"),
        )
        logger.info("retention purged audit events through #%d", plan.audit_through_seq)
    return plan
