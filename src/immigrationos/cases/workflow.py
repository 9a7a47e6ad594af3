"""Case workflow services: transitions with their safeguards, claim and assignment, notes,
citizenship claims, proposals, escalation and notifications.

Every change here runs in one transaction with its case event and its audit event, and
changes a case only at the version the user saw (optimistic concurrency): a stale version
raises CaseVersionConflict and writes nothing. The rules themselves (which transition is
allowed from which state, and which safeguards refuse it) are in ``immigrationos.workflow``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.access.policy import OFFICER, SUPERVISOR
from immigrationos.access.roles import user_role_get
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases.conf import case_due_working_days
from immigrationos.cases.errors import CaseActionRefused, CaseVersionConflict
from immigrationos.cases.merges import changes_since_last_load, person_changes_get
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    CaseProposal,
    CaseWatch,
    CitizenshipClaim,
    GuardOverride,
    Notification,
    OfficeMembership,
    Person,
)
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.workflow.due import due_on
from immigrationos.workflow.transitions import (
    CLOSED,
    JUSTIFICATION_MIN_CHARS,
    ActionCheck,
    CaseFacts,
    Refusal,
    Transition,
    actions_check,
    override_allowed,
    transition_get,
    transition_refusals,
    written_length,
)

NOTE_MAX_CHARS = 10_000


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _role(user: User | AnonymousUser | None) -> str | None:
    return None if user is None else user_role_get(user=user)


def _refuse(action: str, code: str, message: str) -> CaseActionRefused:
    return CaseActionRefused([Refusal(code, message)], action=action)


# --- facts and allowed actions ------------------------------------------------------------


def case_facts_get(*, case: Case, actor: User | AnonymousUser | None) -> CaseFacts:
    """Read what the safeguards look at for ``case`` and ``actor`` from the store."""
    person = case.person
    claims = citizenship_claims_for(person_id=person.pk)
    departure = _departure_waiting(case)
    return CaseFacts(
        state=case.state,
        actor_role=_role(actor) or "",
        actor_id=None if actor is None else actor.pk,
        assignee_id=case.assignee_id,
        person_protected=person.protected,
        protection=person.protection,
        open_citizenship_claims=claims.filter(status=CitizenshipClaim.Status.OPEN).count(),
        upheld_citizenship_claims=claims.filter(status=CitizenshipClaim.Status.UPHELD).count(),
        identity_in_review=person.identity_in_review,
        min_link_probability=person.min_link_probability,
        link_threshold=LinkageSettings.from_env().link_threshold,
        person_merged_into=person.merged_into,
        person_status=person.status,
        person_status_flags=tuple(str(flag) for flag in person.status_flags or ()),
        identity_changed_since_run=bool(
            changes_since_last_load(person_changes_get(person_id=person.pk))
        ),
        departure_reported=departure[0],
        departure_date=departure[1],
    )


def _departure_waiting(case: Case) -> tuple[str, str]:
    """Return (verification, date) of the strongest departure proposal waiting on ``case``."""
    found = ("", "")
    for evidence in CaseProposal.objects.filter(
        case=case, status=CaseProposal.Status.PENDING, origin__startswith="event:"
    ).values_list("evidence", flat=True):
        verification = str((evidence or {}).get("verification") or "")
        if verification in ("verified", "unverified") and found[0] != "verified":
            found = (verification, str(evidence.get("departure_date") or ""))
    return found


def citizenship_claims_for(*, person_id: str) -> QuerySet[CitizenshipClaim]:
    """Return the claims that bear on a person: recorded on them, on one of their cases, or
    on a person a reviewer merged into them, so a merge never loses a claim."""
    return CitizenshipClaim.objects.filter(
        Q(person_id=person_id) | Q(case__person_id=person_id) | Q(person__merged_into=person_id)
    ).distinct()


def case_actions_get(*, case: Case, actor: User | AnonymousUser) -> list[ActionCheck]:
    """Return each transition out of the case's state with the refusals that apply now."""
    return actions_check(case_facts_get(case=case, actor=actor))


# --- writing ------------------------------------------------------------------------------


def _case_locked(case_id: int) -> Case:
    # The row lock serialises writers on PostgreSQL; SQLite serialises every write anyway.
    return Case.objects.select_for_update().select_related("person").get(pk=case_id)


def _version_check(case: Case, version: int | None) -> None:
    if version is not None and case.version != version:
        raise CaseVersionConflict(case, expected=version)


def _case_save(case: Case, *, now: datetime, fields: Mapping[str, Any]) -> None:
    """Write ``fields`` and bump the version, only if no other write came in between."""
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        **fields, updated_at=now, version=F("version") + 1
    )
    if not updated:
        raise CaseVersionConflict(Case.objects.get(pk=case.pk), expected=case.version)
    for name, value in fields.items():
        setattr(case, name, value)
    case.updated_at = now
    case.version += 1


def _event(
    case: Case,
    *,
    actor: User | None,
    now: datetime,
    kind: str,
    reason: str,
    to_state: str | None = None,
    from_state: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        at=now,
        from_state=case.state if from_state is None else from_state,
        to_state=case.state if to_state is None else to_state,
        reason=reason,
        kind=kind,
        data=dict(data or {}),
    )


def actor_audit(
    request: HttpRequest | None,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_ids: list[str],
    details: Mapping[str, object] | None = None,
    outcome: str = Outcome.OK,
) -> None:
    """Record a change for ``request``, or for ``actor`` when a service runs without one."""
    audit_record(
        request=request,
        action=action,
        object_type=object_type,
        object_ids=object_ids,
        outcome=outcome,
        username=None if request is not None or actor is None else actor.get_username(),
        details=details,
    )


def _audit(
    request: HttpRequest | None,
    *,
    action: str,
    case: Case,
    actor: User | None,
    details: Mapping[str, object] | None = None,
) -> None:
    actor_audit(
        request,
        actor=actor,
        action=action,
        object_type="case",
        object_ids=[str(case.pk)],
        details={"person_id": case.person_id, **(details or {})},
    )


def _state_fields(case: Case, *, transition: Transition, now: datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    fields: dict[str, Any] = {
        "state": transition.target,
        "state_entered_at": now,
        "due_on": due_on(
            state=transition.target, entered=today, working_days=case_due_working_days()
        ),
        "escalated_at": None,
    }
    if transition.target == CLOSED:
        fields.update(closed_reason=transition.closed_reason, closed_at=now)
    elif case.state == CLOSED:
        fields.update(closed_reason="", closed_at=None)
    return fields


@dataclass(frozen=True)
class TransitionResult:
    """The case after a transition, its event, and the override if a supervisor made one."""

    case: Case
    event: CaseEvent
    override: GuardOverride | None


def case_transition(
    *,
    case_id: int,
    name: str,
    actor: User,
    version: int | None,
    reason: str = "",
    justification: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> TransitionResult:
    """Make transition ``name`` on the case at ``version``, or raise why not.

    Raises CaseActionRefused with every refusal (role, state, safeguards, missing reason),
    and CaseVersionConflict when the case changed since ``version``. A supervisor's
    ``justification`` overrides the overridable safeguards; the override is recorded,
    audited and sent to the office's other supervisors for review.
    """
    transition = transition_get(name)
    now = _now(now)
    with transaction.atomic():
        case = _case_locked(case_id)
        _version_check(case, version)
        facts = case_facts_get(case=case, actor=actor)
        refusals = transition_refusals(transition, facts)
        if transition.reason_required and not reason.strip():
            refusals.append(Refusal("reason", "say why: a reason is required"))
        override: list[Refusal] = []
        if refusals and justification.strip():
            safeguards = [r for r in refusals if r.overridable]
            others = [r for r in refusals if not r.overridable]
            rejected = override_allowed(
                refusals, actor_role=facts.actor_role, justification=justification
            )
            if rejected is not None:
                # A refusal that no override lifts is reason enough. Otherwise the message
                # gives why the override itself was not accepted.
                shown = others if others else [rejected]
                raise CaseActionRefused(shown, action=transition.label)
            override, refusals = safeguards, others
        if refusals:
            raise CaseActionRefused(list(refusals), action=transition.label)

        from_state = case.state
        _case_save(case, now=now, fields=_state_fields(case, transition=transition, now=now))
        event = _event(
            case,
            actor=actor,
            now=now,
            kind=CaseEventKind.TRANSITION,
            reason=reason.strip() or transition.label,
            from_state=from_state,
            data={"transition": transition.name, "overridden": [r.code for r in override]},
        )
        record = None
        if override:
            record = GuardOverride.objects.create(
                case=case,
                event=event,
                transition=transition.name,
                guards=[{"code": r.code, "message": r.message} for r in override],
                justification=justification.strip(),
                overridden_by=actor,
                overridden_at=now,
            )
            _notify(
                _office_supervisors(case.office_id, exclude=actor),
                kind=Notification.Kind.OVERRIDE,
                case=case,
                text=f"{actor.get_username()} overrode {len(override)} safeguard(s) to "
                f"{transition.label.lower()} on case {case.pk}",
                now=now,
            )
        watchers_notify(case, actor=actor, now=now, what=transition.label)
        _audit(
            request,
            action="case_transition",
            case=case,
            actor=actor,
            details={
                "transition": transition.name,
                "from_state": from_state,
                "to_state": case.state,
                "overridden": [r.code for r in override],
            },
        )
    return TransitionResult(case=case, event=event, override=record)


# --- claim, release, assignment -----------------------------------------------------------


def _office_member(user: User, office_id: str) -> bool:
    return OfficeMembership.objects.filter(user=user, office_id=office_id).exists()


def case_claim(
    *,
    case_id: int,
    actor: User,
    version: int | None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Case:
    """Take an unassigned open case of the actor's office."""
    now = _now(now)
    with transaction.atomic():
        case = _case_locked(case_id)
        _version_check(case, version)
        if _role(actor) not in (OFFICER, SUPERVISOR):
            raise _refuse("Claim", "role", "only an officer or supervisor may claim a case")
        if case.state == CLOSED:
            raise _refuse("Claim", "state", "the case is closed")
        if not _office_member(actor, case.office_id):
            raise _refuse("Claim", "office", f"the case belongs to office {case.office_id}")
        if case.assignee_id is not None:
            holder = "you" if case.assignee_id == actor.pk else str(case.assignee)
            raise _refuse("Claim", "taken", f"the case is already worked by {holder}")
        _case_save(case, now=now, fields={"assignee": actor, "assigned_at": now})
        _event(
            case,
            actor=actor,
            now=now,
            kind=CaseEventKind.CLAIM,
            reason=f"claimed by {actor.get_username()}",
            data={"assignee_id": actor.pk},
        )
        watchers_notify(case, actor=actor, now=now, what="claimed")
        _audit(request, action="case_claim", case=case, actor=actor)
    return case


def case_release(
    *,
    case_id: int,
    actor: User,
    version: int | None,
    reason: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Case:
    """Give a case back to the office queue: its assignee may, and so may a supervisor."""
    now = _now(now)
    with transaction.atomic():
        case = _case_locked(case_id)
        _version_check(case, version)
        if case.assignee_id is None:
            raise _refuse("Release", "not_assigned", "no officer works this case")
        role = _role(actor)
        if case.assignee_id != actor.pk and role != SUPERVISOR:
            raise _refuse(
                "Release", "role", "only the officer working the case or a supervisor may"
            )
        previous = case.assignee
        _case_save(case, now=now, fields={"assignee": None, "assigned_at": None})
        _event(
            case,
            actor=actor,
            now=now,
            kind=CaseEventKind.RELEASE,
            reason=reason.strip() or f"released by {actor.get_username()}",
            data={"previous_assignee_id": previous.pk if previous else None},
        )
        watchers_notify(case, actor=actor, now=now, what="released to the queue")
        _audit(request, action="case_release", case=case, actor=actor)
    return case


def case_assign(
    *,
    case_id: int,
    assignee: User,
    actor: User,
    version: int | None,
    reason: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Case:
    """Assign the case to an officer or supervisor of its office; only a supervisor may."""
    now = _now(now)
    with transaction.atomic():
        case = _case_locked(case_id)
        _version_check(case, version)
        _assign_check(case, assignee=assignee, actor=actor)
        _case_save(case, now=now, fields={"assignee": assignee, "assigned_at": now})
        _event(
            case,
            actor=actor,
            now=now,
            kind=CaseEventKind.ASSIGN,
            reason=reason.strip() or f"assigned to {assignee.get_username()}",
            data={"assignee_id": assignee.pk},
        )
        if assignee.pk != actor.pk:
            _notify(
                [assignee],
                kind=Notification.Kind.ASSIGNED,
                case=case,
                text=f"{actor.get_username()} assigned case {case.pk} to you",
                now=now,
            )
        watchers_notify(case, actor=actor, now=now, what=f"assigned to {assignee}")
        _audit(
            request,
            action="case_assign",
            case=case,
            actor=actor,
            details={"assignee_id": assignee.pk},
        )
    return case


def _assign_check(case: Case, *, assignee: User, actor: User) -> None:
    if _role(actor) != SUPERVISOR:
        raise _refuse("Assign", "role", "only a supervisor may assign a case")
    if case.state == CLOSED:
        raise _refuse("Assign", "state", "the case is closed")
    if not _office_member(actor, case.office_id):
        raise _refuse("Assign", "office", f"the case belongs to office {case.office_id}")
    if _role(assignee) not in (OFFICER, SUPERVISOR) or not _office_member(assignee, case.office_id):
        raise _refuse(
            "Assign",
            "assignee",
            f"{assignee.get_username()} is not an officer or supervisor of office {case.office_id}",
        )
    if case.assignee_id == assignee.pk:
        raise _refuse("Assign", "unchanged", f"the case is already worked by {assignee}")


def case_priority_review_set(
    *,
    case_id: int,
    flagged: bool,
    actor: User,
    version: int | None,
    reason: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Case:
    """Flag a case for a second look at its priority, or clear the flag (supervisors only)."""
    now = _now(now)
    with transaction.atomic():
        case = _case_locked(case_id)
        _version_check(case, version)
        if _role(actor) != SUPERVISOR:
            raise _refuse("Priority review", "role", "only a supervisor may flag a case")
        if not reason.strip():
            raise _refuse("Priority review", "reason", "say why: a reason is required")
        if case.priority_review == flagged:
            state = "already flagged" if flagged else "not flagged"
            raise _refuse("Priority review", "unchanged", f"the case is {state}")
        _case_save(case, now=now, fields={"priority_review": flagged})
        _event(
            case,
            actor=actor,
            now=now,
            kind=CaseEventKind.PRIORITY_REVIEW,
            reason=reason.strip(),
            data={"flagged": flagged},
        )
        state = "flagged for priority review" if flagged else "priority review cleared"
        notify_case_people(
            case,
            kind=Notification.Kind.WATCHED,
            text=f"case {case.pk} {state} by {actor.get_username()}",
            now=now,
            exclude=actor,
        )
        _audit(
            request,
            action="case_priority_review",
            case=case,
            actor=actor,
            details={"flagged": flagged},
        )
    return case


# --- notes --------------------------------------------------------------------------------


def case_note_add(
    *,
    case_id: int,
    actor: User,
    text: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> CaseNote:
    """Append a note; notes are never edited or deleted, so no version is needed."""
    now = _now(now)
    text = text.strip()
    if not text:
        raise _refuse("Add note", "empty", "the note is empty")
    if len(text) > NOTE_MAX_CHARS:
        raise _refuse(
            "Add note", "too_long", f"a note may contain at most {NOTE_MAX_CHARS:,} characters"
        )
    if _role(actor) not in (OFFICER, SUPERVISOR):
        raise _refuse("Add note", "role", "only an officer or supervisor may add a note")
    with transaction.atomic():
        case = _case_locked(case_id)
        note = CaseNote.objects.create(case=case, author=actor, at=now, text=text)
        _event(
            case,
            actor=actor,
            now=now,
            kind=CaseEventKind.NOTE,
            reason="note added",
            data={"note_id": note.pk},
        )
        watchers_notify(case, actor=actor, now=now, what="note added")
        _audit(
            request, action="case_note_add", case=case, actor=actor, details={"note_id": note.pk}
        )
    return note


# --- citizenship claims -------------------------------------------------------------------


def citizenship_claim_record(
    *,
    person_id: str,
    actor: User,
    source: str,
    statement: str,
    case_id: int | None = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> CitizenshipClaim:
    """Record a claim of US citizenship; any signed-in staff user may.

    From now on every enforcement transition on the person's cases is refused until a
    supervisor decides the claim. Each open case gets an event and a new version, so an edit
    begun before the claim cannot slip through.
    """
    now = _now(now)
    if not source.strip() or not statement.strip():
        raise _refuse(
            "Record citizenship claim",
            "missing",
            "say who made the claim and how, and what was claimed",
        )
    with transaction.atomic():
        claim = CitizenshipClaim.objects.create(
            person_id=person_id,
            case_id=case_id,
            source=source.strip(),
            statement=statement.strip(),
            recorded_by=actor,
            recorded_at=now,
        )
        open_cases = Case.objects.select_for_update().filter(person_id=person_id)
        for case in open_cases.exclude(state=CLOSED).select_related("person"):
            _case_save(case, now=now, fields={})
            _event(
                case,
                actor=actor,
                now=now,
                kind=CaseEventKind.CITIZENSHIP,
                reason="claim of US citizenship recorded; enforcement blocked until a "
                "supervisor decides it",
                data={"claim_id": claim.pk},
            )
            _notify(
                _office_supervisors(case.office_id, exclude=actor),
                kind=Notification.Kind.CITIZENSHIP,
                case=case,
                text=f"citizenship claim {claim.pk} on case {case.pk} needs a decision",
                now=now,
            )
            watchers_notify(case, actor=actor, now=now, what="citizenship claim recorded")
        actor_audit(
            request,
            actor=actor,
            action="citizenship_claim_record",
            object_type="person",
            object_ids=[person_id],
            details={"claim_id": claim.pk, "case_id": case_id},
        )
    return claim


def citizenship_claim_decide(
    *,
    claim_id: int,
    actor: User,
    upheld: bool,
    evidence: str,
    reason: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> CitizenshipClaim:
    """Decide an open claim as a supervisor, naming the evidence examined.

    Upheld: enforcement stays refused for good, and each open case gets a proposal to close
    it as not removable. Not substantiated: the claim no longer blocks.
    """
    now = _now(now)
    action = "Decide citizenship claim"
    if _role(actor) != SUPERVISOR:
        raise _refuse(action, "role", "only a supervisor may decide a citizenship claim")
    if written_length(evidence) < JUSTIFICATION_MIN_CHARS or not reason.strip():
        raise _refuse(
            action,
            "missing",
            f"name the evidence examined in at least {JUSTIFICATION_MIN_CHARS} characters, "
            "not counting spaces, and give the reason",
        )
    with transaction.atomic():
        claim = CitizenshipClaim.objects.select_for_update().get(pk=claim_id)
        if claim.status != CitizenshipClaim.Status.OPEN:
            raise _refuse(action, "decided", f"the claim was already decided ({claim.status})")
        if claim.recorded_by_id == actor.pk:
            raise _refuse(
                action, "own", "a supervisor may not decide a claim they recorded themselves"
            )
        claim.status = (
            CitizenshipClaim.Status.UPHELD if upheld else CitizenshipClaim.Status.NOT_SUBSTANTIATED
        )
        claim.decided_by = actor
        claim.decided_at = now
        claim.evidence = evidence.strip()
        claim.decision_reason = reason.strip()
        claim.save()
        if upheld:
            upheld_claims_apply(person_ids=[claim.person_id])
        # The supervisors' "claim to decide" messages are done with.
        Notification.objects.filter(
            kind=Notification.Kind.CITIZENSHIP,
            read_at__isnull=True,
            case__person_id=claim.person_id,
        ).update(read_at=now)
        cases = Case.objects.select_for_update().filter(person_id=claim.person_id)
        for case in cases.exclude(state=CLOSED).select_related("person"):
            _case_save(case, now=now, fields={})
            _event(
                case,
                actor=actor,
                now=now,
                kind=CaseEventKind.CITIZENSHIP,
                reason=f"citizenship claim {claim.pk} decided: {claim.get_status_display()}",
                data={"claim_id": claim.pk, "status": claim.status},
            )
            if upheld:
                proposal_raise(
                    case=case,
                    transition="close_not_removable",
                    reason=f"citizenship claim {claim.pk} upheld by {actor.get_username()}",
                    evidence={"citizenship_claim_id": claim.pk},
                    origin=f"citizenship_claim:{claim.pk}",
                    now=now,
                )
            notify_case_people(
                case,
                kind=Notification.Kind.CITIZENSHIP,
                text=f"case {case.pk}: citizenship claim {claim.pk} decided: "
                f"{claim.get_status_display()}",
                now=now,
                exclude=actor,
            )
        actor_audit(
            request,
            actor=actor,
            action="citizenship_claim_decide",
            object_type="person",
            object_ids=[claim.person_id],
            details={"claim_id": claim.pk, "status": claim.status},
        )
    return claim


UPHELD_PROTECTION = "citizen"


def upheld_person_ids() -> set[str]:
    """Return the persons a supervisor found to be citizens by upholding a claim.

    A claim on a person later merged into another counts for the surviving person too.
    """
    claims = CitizenshipClaim.objects.filter(status=CitizenshipClaim.Status.UPHELD)
    upheld = set(claims.values_list("person_id", flat=True))
    upheld |= set(claims.exclude(case=None).values_list("case__person_id", flat=True))
    return upheld | _merged_into(upheld)


def _merged_into(person_ids: set[str]) -> set[str]:
    return set(
        Person.objects.filter(person_id__in=person_ids)
        .exclude(merged_into="")
        .values_list("merged_into", flat=True)
    )


def upheld_claims_apply(*, person_ids: Iterable[str] | None = None) -> int:
    """Protect as citizens the persons whose citizenship claim a supervisor upheld.

    The pipeline derives status from source records, which may not show the citizenship a
    supervisor found, so after each operational load (and at the decision) the upheld
    claims are applied again: the person is protected, with no priority tier. ``person_ids``
    limits it to those persons. Returns how many persons it changed.
    """
    upheld = upheld_person_ids()
    if person_ids is not None:
        upheld &= set(person_ids) | _merged_into(set(person_ids))
    return (
        Person.objects.filter(person_id__in=upheld)
        .exclude(protected=True, protection=UPHELD_PROTECTION, tier__isnull=True)
        .update(protected=True, protection=UPHELD_PROTECTION, tier=None)
    )


# --- proposals ----------------------------------------------------------------------------


def proposal_raise(
    *,
    case: Case,
    transition: str,
    reason: str,
    evidence: Mapping[str, Any],
    origin: str,
    now: datetime,
) -> CaseProposal | None:
    """Propose ``transition`` on an open case, for an officer to accept or reject.

    Returns None and writes nothing when a proposal from the same ``origin`` exists (a rerun
    of the pipeline or a redelivered event) or one of the same kind is still pending. A new
    proposal is sent to the case's officer, or to the office's supervisors when no officer works
    the case.
    """
    step = transition_get(transition)
    if case.state not in step.sources:
        return None
    existing = CaseProposal.objects.filter(case=case, kind=step.name)
    if existing.filter(Q(origin=origin) | Q(status=CaseProposal.Status.PENDING)).exists():
        return None
    proposal = CaseProposal.objects.create(
        case=case,
        kind=step.name,
        to_state=step.target,
        closed_reason=step.closed_reason,
        reason=reason,
        evidence=dict(evidence),
        origin=origin,
        created_at=now,
    )
    _event(
        case,
        actor=None,
        now=now,
        kind=CaseEventKind.PROPOSAL,
        reason=f"proposed: {step.label.lower()} ({reason})",
        data={"proposal_id": proposal.pk, "transition": step.name},
    )
    recipients = (
        [case.assignee] if case.assignee is not None else _office_supervisors(case.office_id)
    )
    _notify(
        recipients,
        kind=Notification.Kind.PROPOSAL,
        case=case,
        text=f"case {case.pk}: {step.label.lower()} proposed ({reason})",
        now=now,
    )
    return proposal


def proposal_evidence_update(
    *, proposal: CaseProposal, reason: str, evidence: Mapping[str, Any], now: datetime
) -> None:
    """Replace a pending proposal's reason and evidence, with an event saying what changed.

    Used when new evidence strengthens what a proposal rests on, for example a boarding
    confirmation after a carrier manifest.
    """
    proposal.reason = reason
    proposal.evidence = dict(evidence)
    proposal.save(update_fields=["reason", "evidence"])
    _event(
        proposal.case,
        actor=None,
        now=now,
        kind=CaseEventKind.PROPOSAL,
        reason=f"proposal updated: {reason}",
        data={"proposal_id": proposal.pk},
    )


def proposal_withdraw(*, proposal: CaseProposal, reason: str, now: datetime) -> None:
    """Mark a pending proposal superseded by later facts, with an event saying why."""
    proposal.status = CaseProposal.Status.SUPERSEDED
    proposal.decided_at = now
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_at", "decision_reason"])
    _event(
        proposal.case,
        actor=None,
        now=now,
        kind=CaseEventKind.PROPOSAL,
        reason=f"proposal withdrawn: {reason}",
        data={"proposal_id": proposal.pk},
    )


def case_system_event(
    case: Case, *, kind: str, reason: str, data: Mapping[str, Any], now: datetime
) -> None:
    """Record something the system learnt about a case (no actor), and tell its people."""
    _event(case, actor=None, now=now, kind=kind, reason=reason, data=data)
    notify_case_people(
        case, kind=Notification.Kind.WATCHED, text=f"case {case.pk}: {reason}", now=now
    )


def proposal_decide(
    *,
    proposal_id: int,
    accept: bool,
    actor: User,
    version: int | None,
    reason: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> CaseProposal:
    """Accept (make the proposed transition) or reject a pending proposal, with a reason."""
    now = _now(now)
    action = "Decide proposal"
    if _role(actor) not in (OFFICER, SUPERVISOR):
        raise _refuse(action, "role", "only an officer or supervisor may decide a proposal")
    if not reason.strip():
        raise _refuse(action, "reason", "say why: a reason is required")
    with transaction.atomic():
        proposal = CaseProposal.objects.select_for_update().get(pk=proposal_id)
        if proposal.status != CaseProposal.Status.PENDING:
            raise _refuse(action, "decided", f"the proposal is {proposal.get_status_display()}")
        if accept:
            case_transition(
                case_id=proposal.case_id,
                name=proposal.kind,
                actor=actor,
                version=version,
                reason=f"accepted proposal {proposal.pk}: {reason.strip()}",
                request=request,
                now=now,
            )
        else:
            case = _case_locked(proposal.case_id)
            _version_check(case, version)
            _case_save(case, now=now, fields={})
            _event(
                case,
                actor=actor,
                now=now,
                kind=CaseEventKind.PROPOSAL,
                reason=f"rejected proposal {proposal.pk}: {reason.strip()}",
                data={"proposal_id": proposal.pk, "accepted": False},
            )
            _audit(
                request,
                action="case_proposal_reject",
                case=case,
                actor=actor,
                details={"proposal_id": proposal.pk},
            )
        proposal.status = CaseProposal.Status.ACCEPTED if accept else CaseProposal.Status.REJECTED
        proposal.decided_by = actor
        proposal.decided_at = now
        proposal.decision_reason = reason.strip()
        proposal.save()
        Notification.objects.filter(
            kind=Notification.Kind.PROPOSAL, read_at__isnull=True, case_id=proposal.case_id
        ).update(read_at=now)
        # Other proposals on a case that is now closed no longer apply.
        if accept and proposal.to_state == CLOSED:
            CaseProposal.objects.filter(
                case_id=proposal.case_id, status=CaseProposal.Status.PENDING
            ).update(status=CaseProposal.Status.SUPERSEDED, decided_at=now)
    return proposal


# --- overrides ----------------------------------------------------------------------------


def override_review(
    *,
    override_id: int,
    actor: User,
    note: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> GuardOverride:
    """Another supervisor marks an override reviewed; its author may not review it."""
    now = _now(now)
    action = "Review override"
    if _role(actor) != SUPERVISOR:
        raise _refuse(action, "role", "only a supervisor may review an override")
    with transaction.atomic():
        override = GuardOverride.objects.select_for_update().get(pk=override_id)
        if override.reviewed_at is not None:
            raise _refuse(action, "reviewed", "the override was already reviewed")
        if override.overridden_by_id == actor.pk:
            raise _refuse(action, "own", "a supervisor may not review their own override")
        if not note.strip():
            raise _refuse(action, "note", "write what the review found")
        override.reviewed_by = actor
        override.reviewed_at = now
        override.review_note = note.strip()
        override.save()
        actor_audit(
            request,
            actor=actor,
            action="override_review",
            object_type="case",
            object_ids=[str(override.case_id)],
            details={"override_id": override.pk},
        )
    return override


# --- due dates and escalation -------------------------------------------------------------


def cases_escalate(*, today: date | None = None, now: datetime | None = None) -> int:
    """Escalate each open case past its due day, once per state, to its office's supervisors.

    The case's officer is notified too. Returns how many cases were escalated.
    """
    now = _now(now)
    today = today if today is not None else timezone.localdate(now)
    overdue = (
        Case.objects.exclude(state=CLOSED)
        .filter(due_on__lt=today, escalated_at__isnull=True)
        .select_related("assignee")
        .order_by("id")
    )
    count = 0
    for case in overdue.iterator(chunk_size=1000):
        with transaction.atomic():
            updated = Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not updated:
                continue
            text = f"case {case.pk} is overdue: {case.get_state_display()} was due {case.due_on}"
            _event(
                case,
                actor=None,
                now=now,
                kind=CaseEventKind.ESCALATION,
                reason=f"overdue since {case.due_on}; escalated to the office's supervisors",
            )
            recipients = _office_supervisors(case.office_id)
            if case.assignee is not None:
                recipients.append(case.assignee)
            _notify(recipients, kind=Notification.Kind.OVERDUE, case=case, text=text, now=now)
            count += 1
    return count


# --- notifications and watching -----------------------------------------------------------


def _office_supervisors(office_id: str, *, exclude: User | None = None) -> list[User]:
    users = User.objects.filter(
        office_membership__office_id=office_id, groups__name=SUPERVISOR, is_active=True
    ).distinct()
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users.order_by("id"))


def _notify(
    users: Iterable[User], *, kind: str, case: Case | None, text: str, now: datetime
) -> int:
    unique = {user.pk: user for user in users if user is not None}
    Notification.objects.bulk_create(
        [
            Notification(user_id=pk, kind=kind, case=case, text=text[:500], created_at=now)
            for pk in sorted(unique)
        ]
    )
    return len(unique)


def _watchers(case: Case, *, exclude: User | None) -> list[User]:
    watchers = User.objects.filter(pk__in=case.watchers.values("user_id"))
    if exclude is not None:
        watchers = watchers.exclude(pk=exclude.pk)
    return list(watchers)


def watchers_notify(case: Case, *, actor: User | None, now: datetime, what: str) -> None:
    """Tell the case's watchers, except the actor, that ``what`` happened to it."""
    _notify(
        _watchers(case, exclude=actor),
        kind=Notification.Kind.WATCHED,
        case=case,
        text=f"case {case.pk} you watch: {what}",
        now=now,
    )


def notify_case_people(
    case: Case, *, kind: str, text: str, now: datetime, exclude: User | None = None
) -> int:
    """Tell the case's officer and its watchers, except ``exclude``, about a change."""
    recipients = _watchers(case, exclude=exclude)
    if case.assignee is not None and (exclude is None or case.assignee_id != exclude.pk):
        recipients.append(case.assignee)
    return _notify(recipients, kind=kind, case=case, text=text, now=now)


def case_watch_set(*, case_id: int, actor: User, watch: bool, now: datetime | None = None) -> bool:
    """Start or stop watching a case; return whether the actor now watches it."""
    if watch:
        CaseWatch.objects.get_or_create(
            case_id=case_id, user=actor, defaults={"created_at": _now(now)}
        )
    else:
        CaseWatch.objects.filter(case_id=case_id, user=actor).delete()
    return watch


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(
    *, user: User, ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the user's notifications read (all unread when ``ids`` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=_now(now))
