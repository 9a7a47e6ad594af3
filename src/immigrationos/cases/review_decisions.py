"""Record reviewer decisions, apply them to the persons at once, and export them to linkage.

A decision relates its first record uid to each of the others. Accept (same person) merges
the two persons. Reject (different persons) splits records that sit in one person, and
otherwise only keeps them apart from then on. Skip records the skip and nothing else.
``review_constraints_export`` writes the decisions in force to staging before each link run,
so every later run obeys them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.access.policy import ANALYST, SUPERVISOR
from immigrationos.access.roles import user_role_get
from immigrationos.audit.services import audit_record
from immigrationos.cases.errors import CasesError
from immigrationos.cases.merges import (
    IdentityChangeError,
    identity_change_reverse,
    person_merge,
    person_split,
)
from immigrationos.cases.models import IdentityChange, ReviewDecision, ReviewItem, SourceRecord
from immigrationos.linkage.constraints import (
    CANNOT_LINK,
    MUST_LINK,
    Constraint,
    constraints_replace,
)
from immigrationos.linkage.features import feature_rows_build
from immigrationos.linkage.vetoes import veto_reason

logger = logging.getLogger(__name__)

DECIDER_ROLES = frozenset({ANALYST, SUPERVISOR})
REVERSER_ROLES = frozenset({SUPERVISOR})
# Shortest reason accepted for a decision, a revocation or a reversal, in characters.
REASON_MIN_LENGTH = 5


class ReviewDecisionError(CasesError):
    """A decision is invalid: missing reason, unknown item, or already decided."""


class ReviewPermissionDenied(PermissionDenied):
    """The user's role may not take this review action."""


def review_role_require(*, user: User, roles: frozenset[str], action: str) -> str:
    """Return the user's role, or raise ReviewPermissionDenied when it is not in ``roles``."""
    role = user_role_get(user=user)
    if role not in roles:
        raise ReviewPermissionDenied(
            f"role {role!r} may not {action}; it needs one of {sorted(roles)}"
        )
    return role


def _reason_clean(reason: str, *, action: str) -> str:
    cleaned = (reason or "").strip()
    if len(cleaned) < REASON_MIN_LENGTH:
        raise ReviewDecisionError(
            f"a reason of at least {REASON_MIN_LENGTH} characters is required to {action}; "
            f"got {cleaned!r}"
        )
    return cleaned


@dataclass(frozen=True)
class MergeConflict:
    """A veto between a record of one person and a record of the other, which accepting
    a pair would override when it merges the two persons."""

    reason: str
    record_uids: tuple[str, str]


def merge_conflicts_find(*, record_uids: Sequence[str]) -> list[MergeConflict]:
    """Return the vetoes between the persons that own the first two of ``record_uids``.

    Accepting a pair merges the whole persons, so every contradiction between their records
    matters, not only one between the two records of the pair. Linkage obeys an accepted
    pair against a veto only when the reviewer saw that veto, so the reviewer is shown these.
    """
    owners = dict(
        SourceRecord.objects.filter(record_uid__in=list(record_uids[:2])).values_list(
            "record_uid", "person_id"
        )
    )
    persons = [owners.get(uid) for uid in record_uids[:2]]
    if None in persons or len(set(persons)) < 2:
        return []
    records = SourceRecord.objects.filter(person_id__in=persons).order_by("record_uid")
    rows = [
        (
            record.record_uid, record.source, record.given_name, record.family_name,
            record.dob, None, record.sex, record.nationality, record.passport_no,
            record.passport_country, record.a_number, record.fbi_number,
            (record.attrs or {}).get("country_of_birth"),
        )
        for record in records
    ]  # fmt: skip
    features = {row["unique_id"]: row for row in feature_rows_build(rows=rows)}
    owner_of = {record.record_uid: record.person_id for record in records}
    first = sorted(uid for uid, owner in owner_of.items() if owner == persons[0])
    second = sorted(uid for uid, owner in owner_of.items() if owner == persons[1])
    conflicts: list[MergeConflict] = []
    for uid_l in first:
        for uid_r in second:
            reason = veto_reason(features[uid_l], features[uid_r])
            if reason is not None:
                conflicts.append(MergeConflict(reason=reason, record_uids=(uid_l, uid_r)))
    return conflicts


def _veto_seen(
    item: ReviewItem, uids: list[str], *, decision: str, conflicts_confirmed: bool
) -> tuple[str, list[str]]:
    """Return the veto texts the reviewer saw and the records the decision covers.

    An accept over confirmed merge conflicts also covers the records of each conflict, so
    that every later run links those records too instead of splitting them off again.
    Raises ReviewDecisionError when accepting would override a contradiction between the
    two persons' records that the reviewer has not confirmed seeing.
    """
    seen = [item.reason] if item.kind == "veto" and item.reason else []
    if decision != ReviewDecision.Kind.ACCEPT:
        return "\n".join(seen), uids
    unseen = [c for c in merge_conflicts_find(record_uids=uids) if c.reason not in seen]
    if unseen and not conflicts_confirmed:
        listed = "; ".join(
            f"{conflict.reason} ({conflict.record_uids[0]} and {conflict.record_uids[1]})"
            for conflict in unseen[:5]
        )
        raise ReviewDecisionError(
            f"accepting merges two persons whose records contradict: {listed}. Check these "
            "records, then confirm that you checked them to merge anyway"
        )
    covered = list(uids)
    for conflict in unseen:
        covered += [uid for uid in conflict.record_uids if uid not in covered]
    return "\n".join(seen + [conflict.reason for conflict in unseen]), covered


def review_decision_record(
    *,
    review_id: str,
    decision: str,
    reason: str,
    user: User,
    target_uid: str | None = None,
    conflicts_confirmed: bool = False,
    request: HttpRequest | None = None,
) -> ReviewDecision:
    """Record a decision on a pending review item and apply it to the persons at once.

    ``target_uid`` chooses the candidate record of a thin-record item to accept; pair items
    use their second record. An accept that merges two persons whose records contradict
    (see ``merge_conflicts_find``) needs ``conflicts_confirmed``. The contradictions are
    then kept as seen, so later link runs obey the decision. Raises ReviewPermissionDenied
    for roles other than analyst and supervisor, and ReviewDecisionError for a missing
    reason, an unconfirmed conflict or an item not pending.
    """
    review_role_require(user=user, roles=DECIDER_ROLES, action="decide review items")
    if decision not in ReviewDecision.Kind.values:
        raise ReviewDecisionError(
            f"decision {decision!r} is invalid; use one of {ReviewDecision.Kind.values}"
        )
    if decision != ReviewDecision.Kind.SKIP:
        reason = _reason_clean(reason, action=f"{decision} a review item")

    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().filter(review_id=review_id).first()
        if item is None:
            raise ReviewDecisionError(f"review item {review_id!r} not found")
        if item.decision:
            raise ReviewDecisionError(
                f"review item {review_id!r} was decided already ({item.decision!r}); "
                "a supervisor can revoke that decision first"
            )
        uids = _decision_uids(item, decision=decision, target_uid=target_uid)
        veto_seen, uids = _veto_seen(
            item, uids, decision=decision, conflicts_confirmed=conflicts_confirmed
        )
        recorded = ReviewDecision.objects.create(
            review_id=review_id,
            record_uids=uids,
            decision=decision,
            reason=reason.strip(),
            veto_seen=veto_seen,
            decided_by=user,
            decided_at=timezone.now(),
        )
        if decision != ReviewDecision.Kind.SKIP:
            item.decision = decision
            item.decided_by = user
            item.decided_at = recorded.decided_at
            item.save(update_fields=["decision", "decided_by", "decided_at"])
        _decision_apply(recorded, user=user, request=request)
        audit_record(
            request=request,
            username=user.get_username(),
            action="review_decision",
            object_type="review_item",
            object_ids=[review_id],
            details={"decision": decision, "decision_id": recorded.pk},
        )
    logger.info("review item %s decided %s (decision %s)", review_id, decision, recorded.pk)
    return recorded


def _decision_uids(item: ReviewItem, *, decision: str, target_uid: str | None) -> list[str]:
    uids = [str(uid) for uid in item.record_uids]
    if len(uids) < 2:
        raise ReviewDecisionError(
            f"review item {item.review_id!r} names fewer than two records; it cannot be decided"
        )
    if decision != ReviewDecision.Kind.ACCEPT or item.kind != "thin_record":
        return uids
    if target_uid is None:
        target_uid = uids[1]
    if target_uid not in uids[1:]:
        raise ReviewDecisionError(
            f"record {target_uid!r} is not a candidate of review item {item.review_id!r}; "
            f"choose one of {uids[1:]!r}"
        )
    return [uids[0], target_uid]


def _decision_apply(
    decision: ReviewDecision, *, user: User, request: HttpRequest | None
) -> IdentityChange | None:
    """Merge or split the persons as ``decision`` requires; return the change, if any."""
    if decision.decision == ReviewDecision.Kind.SKIP:
        return None
    owners = dict(
        SourceRecord.objects.filter(record_uid__in=decision.record_uids).values_list(
            "record_uid", "person_id"
        )
    )
    first = decision.record_uids[0]
    first_person = owners.get(first)
    if first_person is None:
        raise ReviewDecisionError(f"record {first!r} is not linked to a person; re-run linkage")
    if decision.decision == ReviewDecision.Kind.ACCEPT:
        other_person = owners.get(decision.record_uids[1])
        if other_person is None or other_person == first_person:
            return None
        return person_merge(
            person_ids=(first_person, other_person),
            decision=decision,
            user=user,
            reason=decision.reason,
            request=request,
        )
    together = [uid for uid in decision.record_uids[1:] if owners.get(uid) == first_person]
    if not together:
        return None
    return person_split(
        person_id=first_person,
        record_uids=[first],
        decision=decision,
        user=user,
        reason=decision.reason,
        request=request,
    )


def person_record_split(
    *,
    person_id: str,
    record_uid: str,
    reason: str,
    user: User,
    request: HttpRequest | None = None,
) -> IdentityChange:
    """Split one record off a person into a new person, kept apart from the rest from now on.

    Supervisor only. The decision is a reject between the record and every other record of
    the person, so re-linking never joins them again while the decision is in force.
    """
    review_role_require(user=user, roles=REVERSER_ROLES, action="split records off a person")
    reason = _reason_clean(reason, action="split a record off a person")
    with transaction.atomic():
        others = sorted(
            uid
            for uid in SourceRecord.objects.filter(person_id=person_id).values_list(
                "record_uid", flat=True
            )
            if uid != record_uid
        )
        decision = ReviewDecision.objects.create(
            record_uids=[record_uid, *others],
            decision=ReviewDecision.Kind.REJECT,
            reason=reason,
            decided_by=user,
            decided_at=timezone.now(),
        )
        change = person_split(
            person_id=person_id,
            record_uids=[record_uid],
            decision=decision,
            user=user,
            reason=reason,
            request=request,
        )
        audit_record(
            request=request,
            username=user.get_username(),
            action="review_decision",
            object_type="person",
            object_ids=[person_id, change.created_person_id],
            details={"decision": "reject", "decision_id": decision.pk},
        )
    return change


def identity_change_reverse_by_supervisor(
    *,
    change_id: int,
    reason: str,
    user: User,
    request: HttpRequest | None = None,
) -> IdentityChange:
    """Reverse a merge or split, revoke its decision and put its review item back in the queue.

    Supervisor only. Raises IdentityChangeError when the change cannot be reversed as is.
    """
    review_role_require(user=user, roles=REVERSER_ROLES, action="reverse merges and splits")
    reason = _reason_clean(reason, action="reverse a merge or split")
    with transaction.atomic():
        change = IdentityChange.objects.select_related("decision").filter(pk=change_id).first()
        if change is None:
            raise IdentityChangeError(f"identity change {change_id!r} not found")
        change = identity_change_reverse(change=change, user=user, reason=reason, request=request)
        _decision_revoke(change.decision, user=user, reason=reason)
    return change


def review_decision_revoke(
    *,
    decision_id: int,
    reason: str,
    user: User,
    request: HttpRequest | None = None,
) -> ReviewDecision:
    """Revoke a decision, reversing the merge or split it made, so later runs ignore it.

    Supervisor only. Raises ReviewDecisionError for an unknown or already revoked decision.
    """
    review_role_require(user=user, roles=REVERSER_ROLES, action="revoke review decisions")
    reason = _reason_clean(reason, action="revoke a review decision")
    with transaction.atomic():
        decision = ReviewDecision.objects.select_for_update().filter(pk=decision_id).first()
        if decision is None:
            raise ReviewDecisionError(f"review decision {decision_id!r} not found")
        if decision.revoked_at is not None:
            raise ReviewDecisionError(f"review decision {decision_id!r} was revoked already")
        for change in decision.identity_changes.filter(reversed_at__isnull=True):
            identity_change_reverse(change=change, user=user, reason=reason, request=request)
        _decision_revoke(decision, user=user, reason=reason)
        audit_record(
            request=request,
            username=user.get_username(),
            action="review_decision_revoked",
            object_type="review_item",
            object_ids=[decision.review_id] if decision.review_id else [],
            details={"decision_id": decision.pk},
        )
    return decision


def _decision_revoke(decision: ReviewDecision, *, user: User, reason: str) -> None:
    if decision.revoked_at is not None:
        return
    decision.revoked_at = timezone.now()
    decision.revoked_by = user
    decision.revoke_reason = reason
    decision.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    if decision.review_id:
        ReviewItem.objects.filter(review_id=decision.review_id, decision=decision.decision).update(
            decision="", decided_by=None, decided_at=None
        )


def review_constraints_build() -> list[Constraint]:
    """Return the linkage constraints of every accept and reject decision in force."""
    constraints: list[Constraint] = []
    active = ReviewDecision.objects.filter(revoked_at__isnull=True).exclude(
        decision=ReviewDecision.Kind.SKIP
    )
    for decision in active.select_related("decided_by").order_by("decided_at", "id"):
        kind = MUST_LINK if decision.decision == ReviewDecision.Kind.ACCEPT else CANNOT_LINK
        first, *others = [str(uid) for uid in decision.record_uids]
        constraints.extend(
            Constraint(
                uid_l=first,
                uid_r=other,
                kind=kind,
                decision_id=f"D{decision.pk}",
                decided_by=decision.decided_by.get_username(),
                decided_at=decision.decided_at,
                reason=decision.reason,
                veto_seen=decision.veto_seen or None,
            )
            for other in others
            if other != first
        )
    return constraints


def review_constraints_export(*, con: duckdb.DuckDBPyConnection) -> int:
    """Write the decisions in force to staging, before a link run; return the constraints.

    Also writes to ``person_id_map`` the current person of every record that a merge or
    split moved (or moved back), so that re-linking keeps the ids the reviewers' changes gave.
    """
    constraints = review_constraints_build()
    written = constraints_replace(con=con, constraints=constraints)
    moved = _records_moved(IdentityChange.objects.values_list("records_moved", flat=True))
    owners = list(
        SourceRecord.objects.filter(record_uid__in=sorted(moved), person__isnull=False)
        .order_by("record_uid")
        .values_list("record_uid", "person_id")
    )
    if owners:
        con.executemany("INSERT OR REPLACE INTO person_id_map VALUES (?, ?)", owners)
    logger.info("exported %s reviewer constraints and %s person ids", written, len(owners))
    return written


def _records_moved(changes: Iterable[dict[str, list[str]]]) -> set[str]:
    return {uid for moved in changes for uid in moved}
