"""Open lead cases for prioritised persons and keep open cases' tiers current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from immigrationos.cases.conf import case_due_working_days
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseState,
    Notification,
    Office,
    Person,
)
from immigrationos.cases.offices import office_for, office_name
from immigrationos.cases.snapshot import PersonRow
from immigrationos.cases.workflow import notify_case_people, proposal_raise
from immigrationos.workflow.due import due_on

# A person status that proposes closing an open case, and the closing transition. A
# departure is proposed, never applied: an officer checks the evidence first.
STATUS_PROPOSALS: dict[str, str] = {
    "departed": "close_self_departed",
    "self_departed": "close_self_departed",
    "removed": "close_removed",
    "in_status": "close_status_obtained",
    "lawful_permanent_resident": "close_status_obtained",
    "citizen": "close_not_removable",
}


@dataclass(frozen=True)
class CaseCounts:
    """How many cases a load opened and how many open cases it changed."""

    opened: int
    updated: int
    proposals: int = 0


def case_eligible(*, priority: dict[str, Any] | None, max_tier: int) -> bool:
    """Return whether a person's priority opens a case.

    Protected persons never get one, whatever their tier; a missing tier means the policy
    gave the person no priority.
    """
    if not priority or priority.get("protected"):
        return False
    tier = priority.get("tier")
    return tier is not None and int(tier) <= max_tier


def cases_sync(
    *,
    persons: list[PersonRow],
    priorities: dict[str, dict[str, Any]],
    max_tier: int,
    run_id: str,
    now: datetime,
) -> CaseCounts:
    """Open a lead case for each eligible person without one; update open cases' tiers.

    A person with any earlier case, open or closed, gets no new one here.
    """
    # TODO: decide when a later run may open a new case after a closed one, for example for a
    # person who self-departed and overstayed again. Today a closed case blocks a new lead.
    with_case = set(Case.objects.values_list("person_id", flat=True))
    new_cases = [
        person
        for person in persons
        if person.person_id not in with_case
        and case_eligible(priority=priorities.get(person.person_id), max_tier=max_tier)
    ]
    opened = leads_open(new_cases, priorities=priorities, run_id=run_id, now=now)
    staged = {person.person_id for person in persons}
    updated = _tiers_update(staged=staged, priorities=priorities, run_id=run_id, now=now)
    proposals = status_proposals_raise(person_ids=staged, now=now)
    return CaseCounts(opened=opened, updated=updated, proposals=proposals)


def leads_open(
    persons: list[PersonRow], *, priorities: dict[str, dict[str, Any]], run_id: str, now: datetime
) -> int:
    """Open a lead case, due by the lead state's due date, for each of ``persons``.

    ``priorities`` must hold each person's tier. Returns how many cases were opened.
    """
    offices = {
        person.person_id: office_for(
            enforcement_aor=person.enforcement_aor, arrival_port=person.arrival_port
        )
        for person in persons
    }
    Office.objects.bulk_create(
        [Office(code=code, name=office_name(code)) for code in sorted(set(offices.values()))],
        ignore_conflicts=True,
    )
    lead_due = due_on(
        state=CaseState.LEAD, entered=timezone.localdate(now), working_days=case_due_working_days()
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                person_id=person.person_id,
                state=CaseState.LEAD,
                tier=int(priorities[person.person_id]["tier"]),
                office_id=offices[person.person_id],
                opened_at=now,
                updated_at=now,
                state_entered_at=now,
                due_on=lead_due,
            )
            for person in persons
        ],
        batch_size=2000,
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=case.pk,
                actor=None,
                at=now,
                from_state="",
                to_state=CaseState.LEAD,
                reason=f"opened by pipeline run {run_id}: tier {case.tier}",
                kind=CaseEventKind.OPENED,
            )
            for case in cases
        ],
        batch_size=2000,
    )
    return len(cases)


def _tiers_update(
    *, staged: set[str], priorities: dict[str, dict[str, Any]], run_id: str, now: datetime
) -> int:
    """Set each open case's tier to its person's current tier, with an event per change.

    A case whose person became protected keeps its state: closing it is an officer's
    decision, so the event names the protection for the officer to act on.
    """
    changed: list[tuple[Case, int | None, str]] = []
    open_cases = Case.objects.exclude(state=CaseState.CLOSED).only(
        "id", "person_id", "tier", "state"
    )
    for case in open_cases.iterator(chunk_size=5000):
        if case.person_id not in staged:
            # A superseded person has no priority in this run; the case waits for a reviewer.
            continue
        priority = priorities.get(case.person_id) or {}
        tier = priority.get("tier")
        tier = None if tier is None else int(tier)
        if tier == case.tier:
            continue
        reason = f"tier changed from {case.tier} to {tier} by pipeline run {run_id}"
        if priority.get("protected"):
            reason += f"; person is protected ({priority.get('protection') or 'unspecified'})"
        changed.append((case, tier, reason))

    for case, tier, _reason in changed:
        Case.objects.filter(pk=case.pk).update(tier=tier, updated_at=now, version=F("version") + 1)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=case.pk,
                actor=None,
                at=now,
                from_state=case.state,
                to_state=case.state,
                reason=reason,
                kind=CaseEventKind.TIER,
                data={"from_tier": case.tier, "to_tier": tier},
            )
            for case, tier, reason in changed
        ],
        batch_size=2000,
    )
    # A tier change does not change the case's direction, so it applies at once; the
    # officer and the watchers are notified.
    for case, _tier, reason in changed:
        notify_case_people(
            case, kind=Notification.Kind.WATCHED, text=f"case {case.pk}: {reason}", now=now
        )
    return len(changed)


def status_proposals_raise(*, person_ids: set[str], now: datetime) -> int:
    """Propose closing each open case whose person's status shows the case is done.

    ``STATUS_PROPOSALS`` maps statuses to closing transitions. A proposal is raised once per
    status period (its start date is part of the origin), so an officer's rejection holds
    until the status changes again.
    """
    open_cases = (
        Case.objects.exclude(state=CaseState.CLOSED)
        .filter(person__status__in=list(STATUS_PROPOSALS))
        .select_related("person", "assignee")
        .order_by("id")
    )
    raised = 0
    for case in open_cases.iterator(chunk_size=2000):
        person: Person = case.person
        if person.person_id not in person_ids:
            continue
        transition = STATUS_PROPOSALS[person.status]
        reason = (
            f"status {person.status} since {person.status_since or 'unknown'} "
            f"by rule {person.status_rule_id or 'unknown'}"
        )
        proposal = proposal_raise(
            case=case,
            transition=transition,
            reason=reason,
            evidence={
                "status": person.status,
                "rule_id": person.status_rule_id,
                "records": list(person.status_evidence or []),
            },
            origin=f"status:{person.status}:{person.status_since}",
            now=now,
        )
        raised += proposal is not None
    return raised
