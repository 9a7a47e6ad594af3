"""Receive departure and arrival events and apply each one exactly once.

Every channel (the API, the NATS stream, a dropped file) hands raw events to
``events_receive``. Each event is validated on its own; a bad one is kept in
``RejectedEvent`` with its reasons and never blocks its neighbours. A valid event is applied
in one transaction: matched, attached to a person (or a new one), the person's status
derived again, the case effects made, and the event stored with what it did. The event id
is unique, so an event sent or delivered again changes nothing and reports what the first
delivery did.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from immigrationos.audit.services import audit_record
from immigrationos.cases import snapshot
from immigrationos.cases.merges import (
    person_assemble_from_store,
    person_fields_build,
    unused_person_id,
)
from immigrationos.cases.models import Person, PersonNameToken, ReviewItem, SourceRecord
from immigrationos.departures.schema import (
    Event,
    EventRejection,
    event_record_row,
    events_parse,
)
from immigrationos.departures.verification import ReentryFlag, departure_verify, reentry_checks
from immigrationos.events import sql
from immigrationos.events.effects import (
    CaseEffect,
    arrival_case_effects,
    departure_case_effects,
    person_status_refresh,
    person_views,
)
from immigrationos.events.index import record_index_add
from immigrationos.events.matching import Matcher, matcher_get, model_run_id, record_match
from immigrationos.events.models import IncomingEvent, Outcome, RejectedEvent
from immigrationos.linkage.decisions import LINK, REVIEW
from immigrationos.linkage.realtime import MatchResult, probe_features
from immigrationos.status.engine import status_on
from immigrationos.status.records import Arrival, Departure, RecordView, same_day_before

logger = logging.getLogger(__name__)

APPLIED = "applied"
DUPLICATE = "duplicate"
REJECTED = "rejected"
# The link rule of a record that arrived as an event, before a pipeline run re-links it.
REALTIME_RULE_PREFIX = "realtime:"


@dataclass(frozen=True)
class EventResult:
    """The result of one submitted event: applied, duplicate or rejected, and its effects."""

    index: int
    event_id: str | None
    result: str
    outcome: str = ""
    person_id: str = ""
    case_id: int | None = None
    verification: str = ""
    errors: tuple[dict[str, str], ...] = ()
    message: str = ""
    flags: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "result": self.result,
            "outcome": self.outcome or None,
            "person_id": self.person_id or None,
            "case_id": self.case_id,
            "verification": self.verification or None,
            "flags": list(self.flags),
            "errors": list(self.errors),
            "message": self.message,
        }


def _errors(rejection: EventRejection) -> tuple[dict[str, str], ...]:
    return tuple({"field": e.field, "message": e.message} for e in rejection.errors)


def rejection_record(
    *, rejection: EventRejection, payload: Any, channel: str, source_ref: str, received_at: datetime
) -> EventResult:
    """Keep a rejected event with its reasons, and return its result."""
    text = payload if isinstance(payload, str) else json.dumps(payload, default=str)
    # Unpaired surrogates cannot be stored; they are kept as escapes.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    # A redelivered message or a file processed again after a crash is kept once.
    RejectedEvent.objects.get_or_create(
        channel=channel,
        source_ref=source_ref[:300],
        payload=text[:100_000],
        defaults={
            "event_id": (rejection.event_id or "")[:200],
            "received_at": received_at,
            "errors": list(_errors(rejection)),
        },
    )
    return EventResult(
        index=rejection.index,
        event_id=rejection.event_id,
        result=REJECTED,
        errors=_errors(rejection),
        message=rejection.message,
    )


def events_receive(
    *,
    items: Sequence[Any],
    channel: str,
    source_ref: str = "",
    source_refs: Sequence[str] | None = None,
    username: str = "",
    received_at: datetime | None = None,
    one_transaction: bool = False,
) -> list[EventResult]:
    """Validate and apply a batch of raw events; return one result per item, in order.

    ``source_refs`` gives each item its own origin (a stream sequence, a file line); without
    it every item gets ``source_ref``. With ``one_transaction`` the batch commits once, each
    event in its own savepoint: faster, and a consumer acknowledges the batch after it.
    """
    received_at = received_at or timezone.now()
    refs = list(source_refs) if source_refs is not None else [source_ref] * len(items)
    accepted, rejected = events_parse(items)
    matcher = matcher_get() if accepted else None
    results: list[EventResult] = []
    with transaction.atomic() if one_transaction else nullcontext():
        for rejection in rejected:
            results.append(
                rejection_record(
                    rejection=rejection,
                    payload=items[rejection.index],
                    channel=channel,
                    source_ref=refs[rejection.index],
                    received_at=received_at,
                )
            )
        indexes = _accepted_indexes(len(items), rejected)
        for index, event in zip(indexes, accepted, strict=True):
            results.append(
                event_apply(
                    event,
                    index=index,
                    channel=channel,
                    source_ref=refs[index],
                    received_at=received_at,
                    username=username,
                    matcher=matcher,
                )
            )
    if rejected:
        audit_record(
            request=None,
            action="events_reject",
            object_type="event",
            object_ids=[r.event_id for r in rejected if r.event_id][:50],
            username=username or channel,
            details={"channel": channel, "rejected": len(rejected), "received": len(items)},
        )
    return sorted(results, key=lambda r: r.index)


def _accepted_indexes(count: int, rejected: Sequence[EventRejection]) -> list[int]:
    bad = {r.index for r in rejected}
    return [index for index in range(count) if index not in bad]


def event_apply(
    event: Event,
    *,
    index: int = 0,
    channel: str,
    source_ref: str = "",
    received_at: datetime | None = None,
    username: str = "",
    matcher: Matcher | None = None,
) -> EventResult:
    """Apply one valid event in its own transaction; an event seen before changes nothing."""
    received_at = received_at or timezone.now()
    matcher = matcher or matcher_get()
    try:
        with transaction.atomic():
            if sql.rows(
                f"SELECT 1 FROM {sql.table(IncomingEvent)} WHERE event_id = %s", [event.event_id]
            ):
                existing = IncomingEvent.objects.get(event_id=event.event_id)
                return _seen_before(
                    existing, event, index=index, channel=channel, source_ref=source_ref
                )
            return _apply(
                event,
                index=index,
                channel=channel,
                source_ref=source_ref,
                received_at=received_at,
                username=username,
                matcher=matcher,
            )
    except IntegrityError:
        # Another worker applied the same event id first, so its result is returned.
        winner = IncomingEvent.objects.filter(event_id=event.event_id).first()
        if winner is None:
            raise
        return _seen_before(winner, event, index=index, channel=channel, source_ref=source_ref)


def _seen_before(
    existing: IncomingEvent, event: Event, *, index: int, channel: str, source_ref: str
) -> EventResult:
    if existing.payload_hash != event.payload_hash:
        message = (
            f"event {index} ({event.event_id}): event_id was already used by an event with "
            "different content; send a new event_id for a new event"
        )
        errors = ({"field": "event_id", "message": "already used with different content"},)
        # Kept with the other rejections, so the list of rejected events is complete.
        RejectedEvent.objects.get_or_create(
            channel=channel,
            source_ref=source_ref[:300],
            payload=json.dumps(event.payload, default=str)[:100_000],
            defaults={
                "event_id": event.event_id,
                "received_at": timezone.now(),
                "errors": list(errors),
            },
        )
        return EventResult(
            index=index,
            event_id=event.event_id,
            result=REJECTED,
            errors=errors,
            message=message,
        )
    return EventResult(
        index=index,
        event_id=event.event_id,
        result=DUPLICATE,
        outcome=existing.outcome,
        person_id=existing.person_id,
        case_id=existing.case_id,
        verification=existing.verification,
        flags=tuple(existing.flags or ()),
        message=(
            f"event {event.event_id} was applied before, on "
            f"{existing.applied_at:%Y-%m-%d %H:%M:%S} UTC"
        ),
    )


def _apply(
    event: Event,
    *,
    index: int,
    channel: str,
    source_ref: str,
    received_at: datetime,
    username: str,
    matcher: Matcher,
) -> EventResult:
    row = event_record_row(event)
    record_uid = str(row["record_uid"])
    probe = probe_features(row)
    known = (
        SourceRecord.objects.filter(record_uid=record_uid).select_related("person").first()
        if sql.rows(f"SELECT 1 FROM {sql.table(SourceRecord)} WHERE record_uid = %s", [record_uid])
        else None
    )
    if known is not None and known.person is not None:
        # The same event arrived earlier in a source extract: it is that record.
        person = known.person
        outcome: str = Outcome.MATCHED
        probability = known.match_probability
        rule, reason, candidates = "same_record", "the record is already linked", []
    else:
        if known is not None:
            # A record left without a person (its person was deleted) is replaced.
            known.delete()
        match = record_match(probe=probe, matcher=matcher)
        person, outcome = _person_for(match, record_uid=record_uid)
        probability, rule, reason = match.probability, match.rule, match.reason
        candidates = [
            {
                "person_id": c.person_id,
                "record_uid": c.record_uid,
                "probability": c.probability,
                "outcome": c.outcome,
                "rule": c.rule,
                "reason": c.reason or c.veto or "",
            }
            for c in match.candidates
        ]
        _record_create(event, row=row, person=person, probability=probability, rule=rule)
        if outcome != Outcome.MATCHED:
            _person_complete(person, record_uid=record_uid, in_review=outcome == Outcome.REVIEW)
        record_index_add(record_uid=record_uid, row_hash=event.payload_hash, features=probe)
        if outcome == Outcome.REVIEW:
            _review_items(event, match=match, record_uid=record_uid, person_id=person.person_id)

    status_before = person.status
    views = person_views(person)
    as_of = max(filter(None, [timezone.localdate(), event.local_date, person.status_as_of]))
    person_status_refresh(person, views=views, as_of=as_of)
    now = timezone.now()

    verification = None
    flags: list[str] = []
    effect = CaseEffect()
    if event.kind == "departure":
        later = [v for v in views if v.uid != record_uid and _view_date(v) > event.local_date]
        verification = departure_verify(departure=event, later_records=later)
        own = next((v for v in views if v.uid == record_uid), None)
        returns = sorted(
            _view_date(v)
            for v in views
            if isinstance(v, Arrival)
            and (
                _view_date(v) > event.local_date
                or (isinstance(own, Departure) and same_day_before(own, v))
            )
        )
        if outcome == Outcome.MATCHED:
            effect = departure_case_effects(
                event=event,
                person=person,
                record_uid=record_uid,
                verification=verification,
                returned_on=returns[0] if returns else None,
                now=now,
            )
    else:
        checks = _arrival_checks(views, record_uid=record_uid, arrival_date=event.local_date)
        flags = [check.code for check in checks]
        own = next((v for v in views if v.uid == record_uid), None)
        departed_before = any(
            v.uid != record_uid
            and isinstance(v, Departure)
            and _view_date(v) <= event.local_date
            and not (isinstance(own, Arrival) and same_day_before(own, v))
            for v in views
        )
        if outcome == Outcome.MATCHED:
            effect = arrival_case_effects(
                event=event, person=person, flags=checks, departed_before=departed_before, now=now
            )

    IncomingEvent.objects.create(
        event_id=event.event_id,
        kind=event.kind,
        occurred_at=event.timestamp,
        local_date=event.local_date,
        port=event.port,
        port_tz=event.port_tz or "",
        mode=event.mode,
        carrier=event.carrier or "",
        evidence_kind=event.evidence_kind,
        payload=event.payload,
        payload_hash=event.payload_hash,
        channel=channel,
        source_ref=source_ref[:300],
        sender=(username or channel)[:150],
        sent_at=event.sent_at,
        received_at=received_at,
        applied_at=now,
        outcome=outcome,
        record_uid=record_uid,
        person_id=person.person_id,
        probability=probability,
        match_rule=rule,
        match_reason=reason,
        candidates=candidates,
        model_run_id=model_run_id(matcher),
        verification=verification.outcome if verification else "",
        verification_rule=verification.rule_id if verification else "",
        verification_reason=verification.reason if verification else "",
        status_before=status_before,
        status_after=person.status,
        case_id=effect.case_id,
        proposal_id=effect.proposal_id,
        flags=flags,
    )
    _arrival_flags_refresh(person.person_id, views=views, applied=event.event_id)
    audit_record(
        request=None,
        action="event_apply",
        object_type="person",
        object_ids=[person.person_id],
        username=username or channel,
        details={"event_id": event.event_id, "kind": event.kind, "outcome": str(outcome)},
    )
    return EventResult(
        index=index,
        event_id=event.event_id,
        result=APPLIED,
        outcome=str(outcome),
        person_id=person.person_id,
        case_id=effect.case_id,
        verification=verification.outcome if verification else "",
        flags=tuple(flags),
        message=reason,
    )


def _arrival_checks(
    views: Sequence[RecordView], *, record_uid: str, arrival_date: date
) -> list[ReentryFlag]:
    """Return the re-entry checks an arrival raises, from the person's other records.

    The checks read the status those records give on the day before the arrival, so they
    do not depend on the order in which the events arrived.
    """
    prior = [v for v in views if v.uid != record_uid]
    if not prior:
        return []
    before = status_on(records=prior, as_of=arrival_date - timedelta(days=1))
    return reentry_checks(
        arrival_date=arrival_date,
        person_status=before.status,
        status_since=before.since,
        reentry_bar=before.bar,
        reentry_bar_until=before.bar_until,
    )


def _arrival_flags_refresh(person_id: str, *, views: Sequence[RecordView], applied: str) -> None:
    """Check the person's earlier arrival events again: a departure applied after its
    re-entry arrived can raise a check on that re-entry."""
    if not sql.rows(
        f"SELECT 1 FROM {sql.table(IncomingEvent)} "
        "WHERE person_id = %s AND kind = 'arrival' AND event_id <> %s",
        [person_id, applied],
    ):
        return
    earlier = IncomingEvent.objects.filter(person_id=person_id, kind="arrival").exclude(
        event_id=applied
    )
    for arrival in earlier:
        flags = [
            check.code
            for check in _arrival_checks(
                views, record_uid=arrival.record_uid, arrival_date=arrival.local_date
            )
        ]
        if flags != list(arrival.flags or []):
            arrival.flags = flags
            arrival.save(update_fields=["flags"])


def _view_date(view: Any) -> date:
    """Return the date a record view is known by (its event date)."""
    known = getattr(view, "known_date", None)
    if isinstance(known, date):
        return known
    for name in ("event_date", "conviction_date", "decision_date", "filed_date", "nta_date",
                 "issue_date", "program_start"):  # fmt: skip
        value = getattr(view, name, None)
        if isinstance(value, date):
            return value
    return date.min


def _person_for(match: MatchResult, *, record_uid: str) -> tuple[Person, str]:
    if match.outcome == LINK and match.person_id:
        # The row lock makes two events of one person apply one after the other on
        # PostgreSQL, so the second reads the first's record. SQLite has one writer anyway.
        person = Person.objects.select_for_update().get(person_id=match.person_id)
        return person, Outcome.MATCHED
    person = Person.objects.create(person_id=unused_person_id(record_uid))
    return person, Outcome.REVIEW if match.outcome == REVIEW else Outcome.UNMATCHED


def _record_create(
    event: Event, *, row: dict[str, Any], person: Person, probability: float | None, rule: str
) -> None:
    SourceRecord.objects.create(
        record_uid=row["record_uid"],
        person=person,
        source=row["source"],
        record_id=row["record_id"],
        given_name=row.get("given_name") or "",
        family_name=row.get("family_name") or "",
        dob=row.get("dob"),
        sex=row.get("sex") or "",
        nationality=row.get("nationality") or "",
        passport_no=row.get("passport_no") or "",
        passport_country=row.get("passport_country") or "",
        a_number=row.get("a_number") or "",
        event_date=event.local_date,
        attrs=row.get("attrs") or {},
        match_probability=probability if probability is not None else 1.0,
        link_rule=f"{REALTIME_RULE_PREFIX}{rule}",
        row_hash=event.payload_hash,
    )


def _person_complete(person: Person, *, record_uid: str, in_review: bool) -> None:
    """Fill a new person's identity fields and search tokens from their one record."""
    values = person_fields_build(person.person_id, [record_uid])
    for name, value in values.items():
        setattr(person, name, value)
    person.identity_in_review = in_review
    person.save()
    assembled = person_assemble_from_store(person.person_id, [record_uid])
    token_max = PersonNameToken._meta.get_field("token").max_length or 100
    PersonNameToken.objects.bulk_create(
        [
            PersonNameToken(person_id=pid, token=token, prefix=prefix, phonetic=phonetic)
            for pid, token, prefix, phonetic in snapshot.token_rows([assembled])
            # A name longer than the column is still found by its other tokens.
            if len(token) <= token_max
        ],
        ignore_conflicts=True,
    )


def _review_items(event: Event, *, match: MatchResult, record_uid: str, person_id: str) -> None:
    """Put each doubtful candidate in the review queue as a pair with the event's record."""
    for number, candidate in enumerate(match.candidates, start=1):
        if candidate.outcome != REVIEW:
            continue
        ReviewItem.objects.update_or_create(
            review_id=f"event:{event.event_id}:{number}",
            defaults={
                "kind": "pair",
                "record_uids": [record_uid, candidate.record_uid],
                "person_ids": [person_id, candidate.person_id],
                "match_probability": candidate.probability,
                "reason": (
                    f"{event.kind} event {event.event_id} at {event.port}: "
                    f"{candidate.reason or candidate.veto or match.reason}"
                ),
                "decision": "",
            },
        )
