"""Write the staged rows of one load to the operational tables, skipping unchanged rows."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from typing import Any

from immigrationos.cases import bulk, snapshot
from immigrationos.cases.models import (
    Case,
    CitizenshipClaim,
    Person,
    PersonNameToken,
    ReviewItem,
    SourceRecord,
    StatusPeriod,
)

logger = logging.getLogger(__name__)

PERSON_FIELDS: tuple[str, ...] = (
    "person_id", "given_name", "family_name", "name_source", "aliases", "search_name",
    "dob", "sex", "nationality", "a_numbers", "passports",
    "status", "status_as_of", "status_since", "status_rule_id", "status_citation",
    "status_explanation", "status_evidence", "status_flags", "overstay_days",
    "unlawful_presence_days", "reentry_bar", "reentry_bar_until",
    "tier", "score", "protected", "protection", "priority_reasons", "policy_version",
    "identity_in_review", "min_link_probability",
)  # fmt: skip
RECORD_FIELDS: tuple[str, ...] = (
    "record_uid", "person", "source", "record_id", "given_name", "family_name", "dob",
    "sex", "nationality", "passport_no", "passport_country", "a_number", "fbi_number",
    "event_date", "attrs", "match_probability", "link_rule", "row_hash",
)  # fmt: skip
PERIOD_FIELDS: tuple[str, ...] = (
    "person", "seq", "start_date", "end_date", "status", "rule_id", "rule_citation",
    "evidence", "flags",
)  # fmt: skip


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _columns(model: Any, names: tuple[str, ...]) -> list[str]:
    return [str(model._meta.get_field(name).column) for name in names]


def person_values(
    person: snapshot.PersonRow,
    status: dict[str, Any] | None,
    priority: dict[str, Any] | None,
    *,
    in_review: bool,
) -> tuple[object, ...]:
    """Return the values of PERSON_FIELDS for one person."""
    status = status or {}
    priority = priority or {}
    return (
        person.person_id, person.given_name, person.family_name, person.name_source,
        snapshot.json_text(person.aliases), " ".join(person.tokens)[:500],
        person.dob, person.sex, person.nationality,
        snapshot.json_text(person.a_numbers), snapshot.json_text(person.passports),
        status.get("status") or "", status.get("as_of"), status.get("since"),
        status.get("rule_id") or "", status.get("rule_citation") or "",
        status.get("explanation") or "",
        snapshot.json_text(status.get("evidence")), snapshot.json_text(status.get("flags")),
        status.get("overstay_days"), status.get("unlawful_presence_days"),
        status.get("reentry_bar") or "", status.get("reentry_bar_until"),
        priority.get("tier"), priority.get("score"), bool(priority.get("protected", False)),
        priority.get("protection") or "", snapshot.json_text(priority.get("reasons")),
        priority.get("policy_version") or "",
        in_review, person.min_link_probability,
    )  # fmt: skip


def period_rows(periods: list[dict[str, Any]]) -> dict[str, list[tuple[object, ...]]]:
    """Return the values of PERIOD_FIELDS grouped by person id."""
    grouped: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for period in periods:
        grouped[period["person_id"]].append(
            (
                period["person_id"],
                period["seq"],
                period["start_date"],
                period["end_date"],
                period["status"],
                period["rule_id"],
                period["rule_citation"] or "",
                snapshot.json_text(period["evidence"]),
                snapshot.json_text(period["flags"]),
            )
        )
    return grouped


def _load_hash(values: tuple[object, ...], periods: list[tuple[object, ...]]) -> str:
    # repr() of str, int, float, bool, None and date is stable across runs and processes.
    return hashlib.sha256(repr((values, periods)).encode("utf-8")).hexdigest()


def persons_write(
    *,
    persons: list[snapshot.PersonRow],
    values: dict[str, tuple[object, ...]],
    periods: dict[str, list[tuple[object, ...]]],
    run_id: str,
) -> set[str]:
    """Upsert the persons whose values or status history changed; return their ids."""
    existing = dict(Person.objects.values_list("person_id", "load_hash"))
    superseded = set(Person.objects.filter(superseded=True).values_list("person_id", flat=True))
    rows = []
    changed: set[str] = set()
    for person in persons:
        pid = person.person_id
        load_hash = _load_hash(values[pid], periods.get(pid, []))
        if existing.get(pid) == load_hash and pid not in superseded:
            continue
        changed.add(pid)
        rows.append((*values[pid], False, run_id, load_hash))
    columns = _columns(Person, (*PERSON_FIELDS, "superseded", "changed_run_id", "load_hash"))
    bulk.bulk_write(
        table=_table(Person), columns=columns, rows=rows, conflict=columns[:1], update=columns[1:]
    )
    return changed


def persons_retire(*, staged: set[str]) -> tuple[int, int]:
    """Delete persons a re-link removed; keep and mark superseded those with a case or a
    citizenship claim, which must keep pointing at the person they were recorded on.

    Returns (removed, superseded).
    """
    gone = set(Person.objects.exclude(superseded=True).values_list("person_id", flat=True))
    gone -= staged
    kept = set(Case.objects.values_list("person_id", flat=True).distinct())
    kept |= set(CitizenshipClaim.objects.values_list("person_id", flat=True).distinct())
    with_case = kept & gone
    if with_case:
        # TODO: a reviewer should move or close the case of a person merged into another id.
        for chunk in _chunks(sorted(with_case)):
            Person.objects.filter(person_id__in=chunk).update(superseded=True)
        logger.warning("%d persons with cases were superseded by a re-link", len(with_case))
    removed = sorted(gone - with_case)
    for chunk in _chunks(removed):
        Person.objects.filter(person_id__in=chunk).delete()
    return len(removed), len(with_case)


def records_write(records: list[snapshot.RecordRow], *, keep: set[str] | None = None) -> int:
    """Upsert new or changed records with their links; delete records no longer staged,
    except those in ``keep``.

    Returns the number of records deleted.
    """
    table = _table(SourceRecord)
    existing = {
        uid: (row_hash, person_id, probability, rule)
        for uid, row_hash, person_id, probability, rule in SourceRecord.objects.values_list(
            "record_uid", "row_hash", "person_id", "match_probability", "link_rule"
        ).iterator(chunk_size=20_000)
    }
    rows = [
        (
            r.record_uid,
            r.person_id,
            r.source,
            r.record_id,
            r.given_name or "",
            r.family_name or "",
            r.dob,
            r.sex or "",
            r.nationality or "",
            r.passport_no or "",
            r.passport_country or "",
            r.a_number or "",
            r.fbi_number or "",
            r.event_date,
            r.attrs,
            r.match_probability,
            r.link_rule,
            r.row_hash,
        )
        for r in records
        if existing.get(r.record_uid) != (r.row_hash, r.person_id, r.match_probability, r.link_rule)
    ]
    columns = _columns(SourceRecord, RECORD_FIELDS)
    bulk.bulk_write(
        table=table, columns=columns, rows=rows, conflict=columns[:1], update=columns[1:]
    )
    gone = existing.keys() - {r.record_uid for r in records} - (keep or set())
    return bulk.bulk_delete(table=table, column="record_uid", keys=sorted(gone))


def tokens_write(persons: list[snapshot.PersonRow], *, changed: set[str]) -> None:
    """Rebuild the name search index of the changed persons."""
    table = _table(PersonNameToken)
    person_column = _columns(PersonNameToken, ("person",))[0]
    existing = set(PersonNameToken.objects.values_list("person_id", flat=True).distinct())
    bulk.bulk_delete(table=table, column=person_column, keys=sorted(existing & changed))
    rows = snapshot.token_rows(person for person in persons if person.person_id in changed)
    bulk.bulk_write(table=table, columns=[person_column, "token", "prefix", "phonetic"], rows=rows)


def periods_write(periods: dict[str, list[tuple[object, ...]]], *, changed: set[str]) -> int:
    """Replace the status history of the changed persons; return the periods written."""
    table = _table(StatusPeriod)
    columns = _columns(StatusPeriod, PERIOD_FIELDS)
    existing = set(StatusPeriod.objects.values_list("person_id", flat=True).distinct())
    bulk.bulk_delete(table=table, column=columns[0], keys=sorted(existing & changed))
    rows = [row for pid in sorted(changed) for row in periods.get(pid, [])]
    bulk.bulk_write(table=table, columns=columns, rows=rows)
    return len(rows)


def reviews_write(reviews: list[dict[str, Any]], *, keep: set[str] | None = None) -> None:
    """Upsert review items, keeping reviewer decisions; drop undecided items no longer staged,
    except those in ``keep``."""
    columns = [
        "review_id",
        "kind",
        "record_uids",
        "person_ids",
        "match_probability",
        "reason",
        "decision",
    ]
    rows = [
        (
            review["review_id"],
            review["kind"],
            snapshot.json_text(review["record_uids"]),
            snapshot.json_text(review["person_ids"]),
            review["match_probability"],
            review["reason"],
            "",
        )
        for review in reviews
    ]
    bulk.bulk_write(
        table=_table(ReviewItem),
        columns=columns,
        rows=rows,
        conflict=["review_id"],
        update=columns[1:6],
    )
    undecided = set(ReviewItem.objects.filter(decision="").values_list("review_id", flat=True))
    stale = undecided - {review["review_id"] for review in reviews} - (keep or set())
    bulk.bulk_delete(table=_table(ReviewItem), column="review_id", keys=sorted(stale))


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
