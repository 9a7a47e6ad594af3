"""Merge two persons or split records off into a new person, and reverse either exactly.

Reviewer decisions change the operational store at once, before the next link run obeys
them as constraints. Each change is kept as an ``IdentityChange`` with the records it moved
and the prior person flags, so that a supervisor can reverse it with a reason.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.audit.services import audit_record
from immigrationos.cases import snapshot
from immigrationos.cases.errors import CasesError
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    IdentityChange,
    Person,
    PipelineRun,
    ReviewDecision,
    SourceRecord,
)
from immigrationos.linkage.ids import derived_person_id

logger = logging.getLogger(__name__)

# Person fields that a merge or split changes and its reversal restores.
# Person fields a merge or split may change, saved so a reversal restores them exactly.
_PERSON_FLAGS = ("superseded", "merged_into", "protected", "protection")


class IdentityChangeError(CasesError):
    """A merge, split or reversal cannot be applied to the persons as they are now."""


def merge_survivor_choose(*, person_ids: tuple[str, str]) -> tuple[str, str]:
    """Return (surviving id, absorbed id) for a merge of two persons.

    The person with more records survives, ties going to the smaller id. Re-linking keeps
    the id held by most of a cluster's records, so this choice survives the next run.
    """
    counts = {pid: SourceRecord.objects.filter(person_id=pid).count() for pid in person_ids}
    ranked = sorted(person_ids, key=lambda pid: (-counts[pid], pid))
    return ranked[0], ranked[1]


def person_merge(
    *,
    person_ids: tuple[str, str],
    decision: ReviewDecision,
    user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> IdentityChange:
    """Move every record of one person to the other and keep the absorbed id as an alias.

    Raises IdentityChangeError when the ids are equal, a person is missing or one of them
    is already an alias of another person.
    """
    if person_ids[0] == person_ids[1]:
        raise IdentityChangeError(
            f"person {person_ids[0]!r} cannot be merged with itself; choose two persons"
        )
    with transaction.atomic():
        persons = _persons_lock(person_ids)
        for person in persons.values():
            if person.merged_into:
                raise IdentityChangeError(
                    f"person {person.person_id!r} was merged into {person.merged_into!r}; "
                    "decide on the surviving person instead"
                )
        keep_id, absorb_id = merge_survivor_choose(person_ids=person_ids)
        moved = list(
            SourceRecord.objects.filter(person_id=absorb_id).values_list("record_uid", flat=True)
        )
        change = IdentityChange.objects.create(
            kind=IdentityChange.Kind.MERGE,
            person_ids_before=sorted(person_ids),
            person_ids_after=[keep_id],
            records_moved={uid: [absorb_id, keep_id] for uid in sorted(moved)},
            persons_before={pid: _flags(persons[pid]) for pid in sorted(persons)},
            decision=decision,
            changed_by=user,
            changed_at=timezone.now(),
            reason=reason,
        )
        SourceRecord.objects.filter(record_uid__in=moved).update(person_id=keep_id)
        change.cases_moved = _cases_move(change, from_id=absorb_id, to_id=keep_id, user=user)
        change.save(update_fields=["cases_moved"])
        Person.objects.filter(person_id=absorb_id).update(superseded=True, merged_into=keep_id)
        # A protection of either person protects the merged person at once. The next pipeline
        # run derives it from the records, but no enforcement step may slip in before then.
        absorbed, kept = persons[absorb_id], persons[keep_id]
        if absorbed.protected and not kept.protected:
            Person.objects.filter(person_id=keep_id).update(
                protected=True, protection=absorbed.protection
            )
        _change_audit(change, action="person_merge", user=user, request=request)
    logger.info("merged person %s into %s (change %s)", absorb_id, keep_id, change.pk)
    return change


def person_split(
    *,
    person_id: str,
    record_uids: list[str],
    decision: ReviewDecision,
    user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> IdentityChange:
    """Move ``record_uids`` out of ``person_id`` into a new person with a stable id.

    The new id is derived from the smallest moved record uid, as linkage derives it.
    Raises IdentityChangeError unless the records belong to the person and leave at least
    one record behind.
    """
    with transaction.atomic():
        person = _persons_lock((person_id,))[person_id]
        own = set(
            SourceRecord.objects.filter(person_id=person_id).values_list("record_uid", flat=True)
        )
        moved = sorted(set(record_uids))
        foreign = [uid for uid in moved if uid not in own]
        if foreign:
            raise IdentityChangeError(
                f"records {foreign!r} do not belong to person {person_id!r}; "
                "split off only the person's own records"
            )
        if not moved or len(moved) == len(own):
            raise IdentityChangeError(
                f"a split of person {person_id!r} must move some but not all of its "
                f"{len(own)} records"
            )
        new_id = unused_person_id(moved[0])
        Person.objects.create(**person_fields_build(new_id, moved))
        change = IdentityChange.objects.create(
            kind=IdentityChange.Kind.SPLIT,
            person_ids_before=[person_id],
            person_ids_after=[person_id, new_id],
            records_moved={uid: [person_id, new_id] for uid in moved},
            persons_before={person_id: _flags(person)},
            created_person_id=new_id,
            decision=decision,
            changed_by=user,
            changed_at=timezone.now(),
            reason=reason,
        )
        SourceRecord.objects.filter(record_uid__in=moved).update(person_id=new_id)
        _change_audit(change, action="person_split", user=user, request=request)
    logger.info("split %s records of person %s into %s", len(moved), person_id, new_id)
    return change


def identity_change_reverse(
    *,
    change: IdentityChange,
    user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> IdentityChange:
    """Restore the persons and ids as they were before ``change``.

    Raises IdentityChangeError when the change was reversed already, or when a later change
    moved one of its records again (reverse that one first).
    """
    with transaction.atomic():
        change = IdentityChange.objects.select_for_update().get(pk=change.pk)
        if change.reversed_at is not None:
            raise IdentityChangeError(f"identity change {change.pk} was reversed already")
        current = dict(
            SourceRecord.objects.filter(record_uid__in=list(change.records_moved)).values_list(
                "record_uid", "person_id"
            )
        )
        moved_again = sorted(
            uid for uid, (_, after) in change.records_moved.items() if current.get(uid) != after
        )
        if moved_again:
            raise IdentityChangeError(
                f"records {moved_again[:5]!r} moved again after identity change {change.pk}; "
                "reverse the later merge or split first"
            )
        for uid, (before, _) in change.records_moved.items():
            SourceRecord.objects.filter(record_uid=uid).update(person_id=before)
        for person_id, flags in change.persons_before.items():
            Person.objects.filter(person_id=person_id).update(**flags)
        if change.cases_moved:
            (survivor,) = change.person_ids_after
            (absorbed,) = [pid for pid in change.person_ids_before if pid != survivor]
            _cases_return(change, to_id=absorbed, user=user)
        if change.created_person_id:
            _created_person_remove(change.created_person_id)
        change.reversed_at = timezone.now()
        change.reversed_by = user
        change.reverse_reason = reason
        change.save(update_fields=["reversed_at", "reversed_by", "reverse_reason"])
        _change_audit(change, action=f"person_{change.kind}_reversed", user=user, request=request)
    logger.info("reversed identity change %s (%s)", change.pk, change.kind)
    return change


def _cases_move(change: IdentityChange, *, from_id: str, to_id: str, user: User) -> list[int]:
    """Move the cases of ``from_id`` to ``to_id`` and return their ids.

    A person has at most one open case. So when both persons have one, the absorbed
    person's open case stays where it is and gets an event asking an officer to close one
    of the two. Its closed cases still move.
    """
    cases = Case.objects.filter(person_id=from_id)
    survivor_open = Case.objects.filter(person_id=to_id).exclude(state=CaseState.CLOSED)
    if survivor_open.exists():
        open_case = cases.exclude(state=CaseState.CLOSED).first()
        if open_case is not None:
            _case_event(
                open_case,
                user=user,
                reason=f"Person {from_id} was merged into {to_id} (identity change "
                f"{change.pk}), which has open case {survivor_open.get().pk}. Close one of "
                "the two cases.",
            )
        cases = cases.filter(state=CaseState.CLOSED)
    moved = sorted(cases.values_list("pk", flat=True))
    Case.objects.filter(pk__in=moved).update(person_id=to_id, updated_at=timezone.now())
    for case in Case.objects.filter(pk__in=moved):
        _case_event(
            case,
            user=user,
            reason=f"Moved from person {from_id} to {to_id} by identity change {change.pk}.",
        )
    return moved


def _cases_return(change: IdentityChange, *, to_id: str, user: User) -> None:
    Case.objects.filter(pk__in=change.cases_moved).update(
        person_id=to_id, updated_at=timezone.now()
    )
    for case in Case.objects.filter(pk__in=change.cases_moved):
        _case_event(
            case,
            user=user,
            reason=f"Moved back to person {to_id}: identity change {change.pk} was reversed.",
        )


def _case_event(case: Case, *, user: User, reason: str) -> None:
    # The state does not change; the event records who moved the case and why.
    CaseEvent.objects.create(
        case=case,
        actor=user,
        at=timezone.now(),
        from_state=case.state,
        to_state=case.state,
        reason=reason,
    )


def person_alias_resolve(*, person_id: str) -> str | None:
    """Return the person id that ``person_id`` was merged into, following chains, or None."""
    seen = {person_id}
    target = Person.objects.filter(person_id=person_id).values_list("merged_into", flat=True)
    current = next(iter(target), "")
    while current and current not in seen:
        seen.add(current)
        following = Person.objects.filter(person_id=current).values_list("merged_into", flat=True)
        nxt = next(iter(following), "")
        if not nxt:
            return current
        current = nxt
    return None


def _change_audit(
    change: IdentityChange, *, action: str, user: User, request: HttpRequest | None
) -> None:
    audit_record(
        request=request,
        username=user.get_username(),
        action=action,
        object_type="person",
        object_ids=sorted({*change.person_ids_before, *change.person_ids_after}),
        details={"identity_change": change.pk, "records_moved": len(change.records_moved)},
    )


def _persons_lock(person_ids: tuple[str, ...]) -> dict[str, Person]:
    persons = Person.objects.select_for_update().in_bulk(list(person_ids))
    missing = [pid for pid in person_ids if pid not in persons]
    if missing:
        raise IdentityChangeError(f"persons {missing!r} not found; reload the review item")
    return persons


def _flags(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in _PERSON_FLAGS}


def unused_person_id(smallest_uid: str) -> str:
    attempt = 0
    candidate = derived_person_id(smallest_uid)
    while Person.objects.filter(person_id=candidate).exists():
        attempt += 1
        candidate = derived_person_id(smallest_uid, attempt)
    return candidate


def person_assemble_from_store(person_id: str, record_uids: list[str]) -> snapshot.PersonRow:
    """Return the identity of a person made of ``record_uids``, chosen from stored records."""
    rows = [
        snapshot.RecordRow(
            person_id=person_id,
            record_uid=record.record_uid,
            source=record.source,
            record_id=record.record_id,
            given_name=record.given_name or None,
            family_name=record.family_name or None,
            dob=record.dob,
            sex=record.sex or None,
            nationality=record.nationality or None,
            passport_no=record.passport_no or None,
            passport_country=record.passport_country or None,
            a_number=record.a_number or None,
            fbi_number=record.fbi_number or None,
            event_date=record.event_date,
            attrs="{}",
            match_probability=1.0,
            link_rule="reviewer",
            row_hash=record.row_hash,
        )
        for record in SourceRecord.objects.filter(record_uid__in=record_uids)
    ]
    return snapshot.person_assemble(person_id, rows)


def person_fields_build(person_id: str, record_uids: list[str]) -> dict[str, Any]:
    """Return the identity fields of a new person made of ``record_uids``.

    Status and priority stay empty until the next pipeline run derives them.
    """
    assembled = person_assemble_from_store(person_id, record_uids)
    return {
        "person_id": person_id,
        "given_name": assembled.given_name,
        "family_name": assembled.family_name,
        "name_source": assembled.name_source,
        "aliases": assembled.aliases,
        "search_name": " ".join(assembled.tokens)[:500],
        "dob": assembled.dob,
        "sex": assembled.sex,
        "nationality": assembled.nationality,
        "a_numbers": assembled.a_numbers,
        "passports": assembled.passports,
        "min_link_probability": 1.0,
    }


def _created_person_remove(person_id: str) -> None:
    """Delete the person a split created, unless it has gained a case since."""
    person = Person.objects.filter(person_id=person_id).first()
    if person is None:
        return
    if person.cases.exists() or person.citizenship_claims.exists():
        # A case or a citizenship claim needs its person row, so the row stays, marked
        # superseded.
        Person.objects.filter(person_id=person_id).update(superseded=True)
        return
    person.delete()


def person_changes_get(*, person_id: str) -> list[IdentityChange]:
    """Return the merges and splits that involved ``person_id``, newest first."""
    # NOTE: person ids sit in JSON lists, so this reads and filters every change. Not timed
    # with more than a few changes.
    return [
        change
        for change in IdentityChange.objects.select_related("changed_by", "reversed_by")
        if person_id in change.person_ids_before or person_id in change.person_ids_after
    ]


def changes_since_last_load(changes: list[IdentityChange]) -> list[IdentityChange]:
    """Return the changes made or reversed after the last operational load.

    Status and priority come from the last pipeline run, so such a change is not in them yet.
    """
    last_load = (
        PipelineRun.objects.filter(loaded_at__isnull=False)
        .order_by("-loaded_at")
        .values_list("loaded_at", flat=True)
        .first()
    )
    # A reversal always follows its change, so the later of the two is the reversal time.
    return [
        change
        for change in changes
        if last_load is None or (change.reversed_at or change.changed_at) > last_load
    ]
