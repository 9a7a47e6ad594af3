"""Supervisors' bulk actions on selected cases, one case at a time.

Each case goes through the same service as a single action, in its own transaction, so one
refused or changed case never undoes or blocks the others, and each case gets its own
result: done, refused with the reasons, a version conflict, or not found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from django.contrib.auth.models import User
from django.http import HttpRequest

from immigrationos.cases.errors import CaseActionRefused, CaseVersionConflict
from immigrationos.cases.models import Case, CaseState
from immigrationos.cases.workflow import case_assign, case_priority_review_set, case_transition

logger = logging.getLogger(__name__)

BULK_MAX_CASES: Final = 500

ASSIGN: Final = "assign"
PRIORITY_REVIEW: Final = "priority_review"
CLOSE_DEPRIORITISED: Final = "close_deprioritised"
BULK_ACTIONS: Final = {
    ASSIGN: "Assign to an officer",
    PRIORITY_REVIEW: "Flag for priority review",
    CLOSE_DEPRIORITISED: "Close as deprioritised",
}
# The actions whose services reject an empty reason; the form checks it before any case.
REASON_REQUIRED: Final = frozenset({PRIORITY_REVIEW, CLOSE_DEPRIORITISED})
REASON_MISSING_MESSAGE: Final = "a reason is required to flag or close cases; write why"

DONE: Final = "done"
REFUSED: Final = "refused"
CONFLICT: Final = "conflict"
NOT_FOUND: Final = "not_found"


@dataclass(frozen=True)
class BulkTarget:
    """A selected case and the version the user saw."""

    case_id: int
    version: int


@dataclass(frozen=True)
class BulkRowResult:
    """The result of the action on one case."""

    case_id: int
    outcome: str
    messages: list[str] = field(default_factory=list)
    # The case's state and version after the action, or now when it was not done.
    state: str = ""
    version: int | None = None

    @property
    def state_label(self) -> str:
        """The label of ``state`` ("Removal pending"), or the code when it is not a state."""
        if self.state in CaseState.values:
            return str(CaseState(self.state).label)
        return self.state


def bulk_targets_parse(values: Iterable[str]) -> tuple[list[BulkTarget], list[str]]:
    """Parse ``<case id>:<version>`` values into targets, and list the values that are not
    valid. A case selected twice is kept once."""
    targets: dict[int, BulkTarget] = {}
    invalid: list[str] = []
    for value in values:
        case_text, _, version_text = value.partition(":")
        if not case_text.isdigit() or not version_text.isdigit():
            invalid.append(value)
            continue
        targets.setdefault(
            int(case_text), BulkTarget(case_id=int(case_text), version=int(version_text))
        )
    return list(targets.values()), invalid


def cases_bulk_apply(
    *,
    targets: list[BulkTarget],
    action: str,
    actor: User,
    reason: str,
    assignee: User | None,
    case_visible: Callable[[int], bool],
    request: HttpRequest | None = None,
) -> list[BulkRowResult]:
    """Run ``action`` on each target through its service and return one result per target.

    ``case_visible`` returns whether the actor may see a case; a case it rejects is reported
    as not found, exactly like a missing one, so the result does not reveal it exists.
    Raises ValueError for an unknown action, a missing assignee, a missing reason where
    the action requires one, or more than BULK_MAX_CASES targets, before any case is
    changed.
    """
    if action not in BULK_ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}; use one of {', '.join(BULK_ACTIONS)}")
    if action == ASSIGN and assignee is None:
        raise ValueError("choose the officer to assign the cases to")
    if action in REASON_REQUIRED and not reason.strip():
        raise ValueError(REASON_MISSING_MESSAGE)
    if len(targets) > BULK_MAX_CASES:
        raise ValueError(
            f"{len(targets)} cases selected; a bulk action takes at most {BULK_MAX_CASES}"
        )
    run = _action_runner(action, actor=actor, reason=reason, assignee=assignee, request=request)
    results: list[BulkRowResult] = []
    for target in targets:
        if not case_visible(target.case_id):
            results.append(BulkRowResult(target.case_id, NOT_FOUND, ["no such case"]))
            continue
        results.append(_bulk_row(target, run))
    return results


def _action_runner(
    action: str,
    *,
    actor: User,
    reason: str,
    assignee: User | None,
    request: HttpRequest | None,
) -> Callable[[BulkTarget], Case]:
    def assign(target: BulkTarget) -> Case:
        assert assignee is not None
        return case_assign(
            case_id=target.case_id,
            assignee=assignee,
            actor=actor,
            version=target.version,
            reason=reason,
            request=request,
        )

    def flag(target: BulkTarget) -> Case:
        return case_priority_review_set(
            case_id=target.case_id,
            flagged=True,
            actor=actor,
            version=target.version,
            reason=reason,
            request=request,
        )

    def close(target: BulkTarget) -> Case:
        return case_transition(
            case_id=target.case_id,
            name=CLOSE_DEPRIORITISED,
            actor=actor,
            version=target.version,
            reason=reason,
            request=request,
        ).case

    return {ASSIGN: assign, PRIORITY_REVIEW: flag, CLOSE_DEPRIORITISED: close}[action]


def _bulk_row(target: BulkTarget, run: Callable[[BulkTarget], Case]) -> BulkRowResult:
    try:
        case = run(target)
    except Case.DoesNotExist:
        return BulkRowResult(target.case_id, NOT_FOUND, ["no such case"])
    except CaseVersionConflict as exc:
        current = exc.current
        return BulkRowResult(
            target.case_id,
            CONFLICT,
            [str(exc)],
            state=getattr(current, "state", ""),
            version=getattr(current, "version", None),
        )
    except CaseActionRefused as exc:
        logger.info("bulk action on case %s refused: %s", target.case_id, exc)
        current_case = Case.objects.filter(pk=target.case_id).only("state", "version").first()
        return BulkRowResult(
            target.case_id,
            REFUSED,
            [str(getattr(refusal, "message", refusal)) for refusal in exc.refusals],
            state=current_case.state if current_case else "",
            version=current_case.version if current_case else None,
        )
    return BulkRowResult(target.case_id, DONE, [], state=case.state, version=case.version)
