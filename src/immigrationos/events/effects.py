"""What an applied event changes: the person's status, their open case, a closed case.

A departure proposes closing the person's open case. The proposal states whether the rules
verified the departure, and a departure that a later in-country record disputes proposes
nothing. A verified departure under an outstanding final order is self-removal, which
executes the order (INA 101(g)). An arrival after a departure withdraws the departure's
pending proposal, asks a supervisor to reopen a case closed on that departure, and raises the
re-entry checks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from immigrationos.cases.models import (
    Case,
    CaseEventKind,
    CaseProposal,
    CaseState,
    ClosedReason,
    Person,
    SourceRecord,
    StatusPeriod,
)
from immigrationos.cases.workflow import (
    case_system_event,
    proposal_evidence_update,
    proposal_raise,
    proposal_withdraw,
)
from immigrationos.departures.schema import Event
from immigrationos.departures.verification import ReentryFlag, Verification
from immigrationos.events import sql
from immigrationos.status.engine import status_history, status_on
from immigrationos.status.errors import RecordError
from immigrationos.status.records import RecordView, record_from_row

logger = logging.getLogger(__name__)

EVENT_ORIGIN = "event:"
# Verification outcomes from weakest to strongest: a stronger one updates a pending proposal.
_STRENGTH = {"disputed": 0, "unverified": 1, "verified": 2}
# The rule id under which the status rules record a departure after a final order.
SELF_REMOVAL_RULE = "self_removal"


def record_row(record: SourceRecord) -> dict[str, Any]:
    """Return an operational source record as the row ``record_from_row`` reads."""
    return {
        "record_uid": record.record_uid,
        "source": record.source,
        "record_id": record.record_id,
        "dob": record.dob,
        "event_date": record.event_date,
        "attrs": record.attrs or {},
    }


def person_views(person: Person) -> list[RecordView]:
    """Return the typed views of the person's records; unreadable ones are logged and left out."""
    views: list[RecordView] = []
    found = sql.rows(
        f"SELECT record_uid, source, record_id, dob, event_date, attrs "
        f"FROM {sql.table(SourceRecord)} WHERE person_id = %s ORDER BY record_uid",
        [person.person_id],
    )
    for record_uid, source, record_id, dob, event_date, attrs in found:
        row = {
            "record_uid": record_uid,
            "source": source,
            "record_id": record_id,
            "dob": _as_date(dob),
            "event_date": _as_date(event_date),
            "attrs": sql.json_value(attrs) or {},
        }
        try:
            views.append(record_from_row(row))
        except RecordError as exc:
            logger.warning("person %s: %s", person.person_id, exc)
    return views


def _as_date(value: Any) -> date | None:
    # SQLite returns dates selected by raw SQL as ISO text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


_PERSON_STATUS_COLUMNS = (
    "status", "status_as_of", "status_since", "status_rule_id", "status_citation",
    "status_explanation", "status_evidence", "status_flags", "overstay_days",
    "unlawful_presence_days", "reentry_bar", "reentry_bar_until",
)  # fmt: skip
_JSON_STATUS_COLUMNS = frozenset({"status_evidence", "status_flags"})


def person_status_refresh(person: Person, *, views: Sequence[RecordView], as_of: date) -> None:
    """Derive the person's status and status history from ``views`` and store both.

    ``person`` gets the new status fields too.
    """
    result = status_on(records=views, as_of=as_of)
    periods = status_history(records=views, as_of=as_of)
    values = {
        "status": result.status,
        "status_as_of": as_of,
        "status_since": result.since,
        "status_rule_id": result.rule_id,
        "status_citation": result.citation or "",
        "status_explanation": result.explanation,
        "status_evidence": list(result.evidence),
        "status_flags": list(result.flags),
        "overstay_days": result.overstay_days,
        "unlawful_presence_days": result.unlawful_presence_days,
        "reentry_bar": result.bar or "",
        "reentry_bar_until": result.bar_until,
    }
    for name, value in values.items():
        setattr(person, name, value)
    assignments = ", ".join(
        f"{name} = {sql.json_placeholder() if name in _JSON_STATUS_COLUMNS else '%s'}"
        for name in _PERSON_STATUS_COLUMNS
    )
    params = [
        sql.json_text(values[name]) if name in _JSON_STATUS_COLUMNS else values[name]
        for name in _PERSON_STATUS_COLUMNS
    ]
    sql.execute(
        f"UPDATE {sql.table(Person)} SET {assignments} WHERE person_id = %s",
        [*params, person.person_id],
    )
    periods_table = sql.table(StatusPeriod)
    sql.execute(f"DELETE FROM {periods_table} WHERE person_id = %s", [person.person_id])
    json_param = sql.json_placeholder()
    sql.execute_many(
        f"INSERT INTO {periods_table} (person_id, seq, start_date, end_date, status, rule_id, "
        f"rule_citation, evidence, flags) VALUES (%s, %s, %s, %s, %s, %s, %s, {json_param}, "
        f"{json_param})",
        [
            (
                person.person_id, seq, period.start, period.end, period.status, period.rule_id,
                period.citation or "", sql.json_text(list(period.evidence)),
                sql.json_text(list(period.flags)),
            )
            for seq, period in enumerate(periods, start=1)
        ],
    )  # fmt: skip


def persons_status_refresh(*, person_ids: set[str]) -> int:
    """Derive again the status of ``person_ids`` from their stored records; return the count."""
    refreshed = 0
    for person in Person.objects.filter(person_id__in=sorted(person_ids)):
        as_of = max(filter(None, [timezone.localdate(), person.status_as_of]))
        person_status_refresh(person, views=person_views(person), as_of=as_of)
        refreshed += 1
    return refreshed


@dataclass(frozen=True)
class CaseEffect:
    """The case an event touched and the proposal it raised or changed, if any."""

    case_id: int | None = None
    proposal_id: int | None = None


def _open_case(person: Person) -> Case | None:
    # Most persons have no case, and this check costs a fraction of the ORM query below.
    if not sql.rows(
        f"SELECT 1 FROM {sql.table(Case)} WHERE person_id = %s AND state <> %s",
        [person.person_id, CaseState.CLOSED],
    ):
        return None
    return (
        Case.objects.select_related("assignee")
        .filter(person=person)
        .exclude(state=CaseState.CLOSED)
        .first()
    )


def _event_proposals(case: Case, *, kind: str | None = None) -> list[CaseProposal]:
    pending = CaseProposal.objects.filter(
        case=case, status=CaseProposal.Status.PENDING, origin__startswith=EVENT_ORIGIN
    )
    if kind is not None:
        pending = pending.filter(kind=kind)
    return list(pending.order_by("id"))


def departure_case_effects(
    *,
    event: Event,
    person: Person,
    record_uid: str,
    verification: Verification,
    returned_on: date | None,
    now: datetime,
) -> CaseEffect:
    """Propose closing the person's open case on a departure, or note why it does not.

    ``returned_on`` is the date of a later arrival: a departure the person came back from
    proposes nothing, whichever of the two events arrived first.
    """
    case = _open_case(person)
    if case is None:
        return CaseEffect()
    where = f"{event.local_date} at {event.port} ({event.mode}, {event.evidence_kind})"
    if verification.outcome == "disputed" or returned_on is not None:
        why = (
            f"disputed: {verification.reason}"
            if returned_on is None
            else f"but the person re-entered on {returned_on}"
        )
        case_system_event(
            case,
            kind=CaseEventKind.PROPOSAL,
            reason=f"departure on {where} recorded, {why}",
            data={"event_id": event.event_id, "rule_id": verification.rule_id},
            now=now,
        )
        return CaseEffect(case_id=case.pk)
    executes_order = (
        person.status_rule_id == SELF_REMOVAL_RULE and verification.outcome == "verified"
    )
    # Closing as removed needs the case at its final order; from an earlier state the case
    # closes as self-departed, and the reason still states that the order was executed.
    transition = (
        "close_removed"
        if executes_order and case.state in (CaseState.FINAL_ORDER, CaseState.REMOVAL_PENDING)
        else "close_self_departed"
    )
    if executes_order:
        reason = (
            f"verified departure on {where} under an outstanding final order: self-removal "
            f"executes the order (INA 101(g)); {verification.reason}"
        )
    elif verification.outcome == "verified":
        reason = f"verified departure on {where}: {verification.reason}"
    else:
        reason = f"departure detected on {where}, not verified: {verification.reason}"
    evidence = {
        "event_id": event.event_id,
        "records": list(dict.fromkeys([record_uid, *verification.evidence])),
        "verification": verification.outcome,
        "verification_rule": verification.rule_id,
        "status": person.status,
        "rule_id": person.status_rule_id,
        "departure_date": event.local_date.isoformat(),
        "departed_at": event.timestamp.isoformat(),
    }

    def raise_proposal() -> CaseEffect:
        raised = proposal_raise(
            case=case,
            transition=transition,
            reason=reason,
            evidence=evidence,
            origin=f"{EVENT_ORIGIN}{event.event_id}",
            now=now,
        )
        return CaseEffect(case_id=case.pk, proposal_id=raised.pk if raised else None)

    effect = raise_proposal()
    if effect.proposal_id is not None:
        return effect
    # A pending proposal from an earlier event: stronger evidence replaces what it rests on.
    for pending in _event_proposals(case):
        held = _STRENGTH.get(str(pending.evidence.get("verification")), 0)
        if pending.kind == transition and _STRENGTH[verification.outcome] > held:
            proposal_evidence_update(proposal=pending, reason=reason, evidence=evidence, now=now)
            return CaseEffect(case_id=case.pk, proposal_id=pending.pk)
        if pending.kind != transition and executes_order:
            # The order is now executed: the plain self-departure proposal gives way.
            proposal_withdraw(proposal=pending, reason="superseded by self-removal", now=now)
            return raise_proposal()
    return effect


def _departed_before(evidence: Mapping[str, Any], arrival: Event) -> bool:
    """Return whether the departure behind a proposal came before ``arrival``.

    On the same date the departure's moment decides; a proposal without one counts as
    before, as it did when only dates were compared.
    """
    departed = str(evidence.get("departure_date") or "")
    if not departed or departed > arrival.local_date.isoformat():
        return False
    if departed < arrival.local_date.isoformat() or not evidence.get("departed_at"):
        return True
    return datetime.fromisoformat(str(evidence["departed_at"])) < arrival.timestamp


def arrival_case_effects(
    *, event: Event, person: Person, flags: Sequence[ReentryFlag], departed_before: bool,
    now: datetime,
) -> CaseEffect:  # fmt: skip
    """Apply a re-entry: withdraw departure proposals, ask to reopen a case closed on it."""
    case = _open_case(person)
    if not departed_before and not flags:
        return CaseEffect(case_id=case.pk if case is not None else None)
    checks = "; ".join(f"{flag.reason} ({flag.citation})" for flag in flags)
    why = f"re-entered on {event.local_date} at {event.port}" + (f"; {checks}" if checks else "")
    if case is not None:
        for pending in _event_proposals(case):
            if _departed_before(pending.evidence, event):
                proposal_withdraw(proposal=pending, reason=why, now=now)
        case_system_event(
            case,
            kind=CaseEventKind.PROPOSAL,
            reason=why,
            data={"event_id": event.event_id, "flags": [flag.code for flag in flags]},
            now=now,
        )
        return CaseEffect(case_id=case.pk)
    closed = (
        Case.objects.filter(
            person=person,
            state=CaseState.CLOSED,
            closed_reason__in=[ClosedReason.SELF_DEPARTED, ClosedReason.REMOVED],
        )
        .order_by("-closed_at", "-id")
        .first()
    )
    if closed is None:
        return CaseEffect()
    proposal = proposal_raise(
        case=closed,
        transition="reopen",
        reason=f"closed as {closed.get_closed_reason_display().lower()}, but {why}",
        evidence={
            "event_id": event.event_id,
            "records": [event.record_uid],
            "flags": [flag.code for flag in flags],
            "arrival_date": event.local_date.isoformat(),
        },
        origin=f"{EVENT_ORIGIN}{event.event_id}",
        now=now,
    )
    return CaseEffect(case_id=closed.pk, proposal_id=proposal.pk if proposal else None)
