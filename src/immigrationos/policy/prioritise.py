"""Prioritise every person with a derived status and write ``person_priority``."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from immigrationos import staging
from immigrationos.policy.conflicts import KIND as CONFLICT_KIND
from immigrationos.policy.conflicts import (
    protected_conflicts_find,
    protected_conflicts_store,
)
from immigrationos.policy.loader import policy_load
from immigrationos.policy.scoring import PersonFacts, Priority, person_prioritise
from immigrationos.progress import Progress
from immigrationos.status.errors import RecordError
from immigrationos.status.records import Conviction, record_from_row

logger = logging.getLogger(__name__)


@dataclass
class PriorityReport:
    """Counts written by ``prioritise_all``: persons per tier and per protection."""

    policy_version: str
    persons: int = 0
    tiers: Counter[str] = field(default_factory=Counter)
    protections: Counter[str] = field(default_factory=Counter)
    unreadable_records: int = 0
    protected_conflicts: int = 0
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            f"priority under policy {self.policy_version}: {self.persons:,} persons "
            f"in {self.seconds:.1f} s"
        ]
        for tier, count in sorted(self.tiers.items()):
            lines.append(f"  {tier:<28}  {count:>9,}")
        if self.protections:
            lines.append("  protected, by first protection:")
            for name, count in sorted(self.protections.items(), key=lambda i: (-i[1], i[0])):
                lines.append(f"    {name:<26}  {count:>9,}")
        if self.protected_conflicts:
            lines.append(
                f"  {self.protected_conflicts:,} possible matches to protected persons sent "
                "to review"
            )
        if self.unreadable_records:
            lines.append(f"  {self.unreadable_records:,} criminal records could not be read "
                         "and were skipped (see the log for their record_uid)")  # fmt: skip
        return "\n".join(lines)


def prioritise_all(
    *, con: duckdb.DuckDBPyConnection, policy_path: Path | None, progress: Progress
) -> PriorityReport:
    """Score every person in ``person_status`` and replace ``person_priority``.

    Reads the criminal records and dates of birth of each person and the open review items,
    after adding a review item for each possible match to a protected person.
    Raises InvalidPolicyError before touching the store if the policy file is invalid.
    """
    started = time.perf_counter()
    policy = policy_load(path=policy_path)
    report = PriorityReport(policy_version=policy.version)

    with progress.stage("prioritise") as stage:
        convictions = _convictions(con, report)
        dobs = _dobs(con)
        reviews = _reviews(con)
        status_rows = con.execute(
            "SELECT person_id, as_of, status, rule_id, evidence, flags, overstay_days "
            "FROM person_status ORDER BY person_id"
        ).fetchall()
        stage.set_total(len(status_rows))
        facts_list = [
            PersonFacts(
                person_id=person_id,
                as_of=as_of,
                status=status,
                status_rule=rule_id,
                status_evidence=tuple(json.loads(evidence)),
                status_flags=tuple(json.loads(flags)),
                overstay_days=overstay_days,
                convictions=tuple(convictions.get(person_id, ())),
                dobs=tuple(dobs.get(person_id, ())),
                review_records=tuple(reviews.get(person_id, ())),
                under_review=person_id in reviews,
            )
            for person_id, as_of, status, rule_id, evidence, flags, overstay_days in status_rows
        ]
        results = [person_prioritise(facts=facts, policy=policy) for facts in facts_list]

        # Only a person who would be prioritised needs the identity check; it then goes to
        # review and is scored again as identity under review.
        tiered = {priority.person_id for priority in results if priority.tier is not None}
        conflicts = [
            item for item in protected_conflicts_find(con=con) if item.person_ids[0] in tiered
        ]
        protected_conflicts_store(con=con, items=conflicts)
        report.protected_conflicts = len(conflicts)
        conflict_records: dict[str, list[str]] = defaultdict(list)
        for item in conflicts:
            conflict_records[item.person_ids[0]].extend(item.record_uids)
        for index, facts in enumerate(facts_list):
            if facts.person_id in conflict_records:
                records = (*facts.review_records, *conflict_records[facts.person_id])
                rescored = replace(
                    facts, under_review=True, review_records=tuple(dict.fromkeys(records))
                )
                results[index] = person_prioritise(facts=rescored, policy=policy)
        for priority in results:
            _count(report, priority)
        stage.advance(len(status_rows))

    _write(con, results)
    report.seconds = time.perf_counter() - started
    return report


def _count(report: PriorityReport, priority: Priority) -> None:
    report.persons += 1
    if priority.protected:
        report.tiers["protected"] += 1
        report.protections[priority.protection or "unnamed"] += 1
    elif priority.tier is None:
        report.tiers["no tier"] += 1
    else:
        report.tiers[f"tier {priority.tier}"] += 1


def _convictions(
    con: duckdb.DuckDBPyConnection, report: PriorityReport
) -> dict[str, list[Conviction]]:
    rows = con.execute(
        "SELECT pr.person_id, r.record_uid, r.source, r.record_id, r.event_date, r.attrs "
        "FROM records AS r JOIN person_records AS pr USING (record_uid) "
        "WHERE r.source = 'criminal'"
    ).fetchall()
    by_person: dict[str, list[Conviction]] = defaultdict(list)
    for person_id, uid, source, record_id, event_date, attrs in rows:
        row = {"record_uid": uid, "source": source, "record_id": record_id,
               "event_date": event_date, "attrs": attrs}  # fmt: skip
        try:
            view = record_from_row(row)
        except RecordError as exc:
            report.unreadable_records += 1
            logger.warning("skipping criminal record %s: %s", uid, exc)
            continue
        if isinstance(view, Conviction):
            by_person[person_id].append(view)
    return by_person


def _dobs(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[date, str]]]:
    rows = con.execute(
        "SELECT pr.person_id, r.dob, r.record_uid "
        "FROM records AS r JOIN person_records AS pr USING (record_uid) "
        "WHERE r.dob IS NOT NULL"
    ).fetchall()
    by_person: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for person_id, dob, uid in rows:
        by_person[person_id].append((dob, uid))
    return by_person


def _reviews(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Map each person with an open review item to the record ids under review.

    A review item belongs to a person when it names the person or one of their records.
    Conflict items are left out: each run finds them again from the current data.
    """
    owner = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    by_person: dict[str, list[str]] = defaultdict(list)
    for record_uids, person_ids in con.execute(
        "SELECT record_uids, person_ids FROM review_items WHERE kind <> ?", [CONFLICT_KIND]
    ).fetchall():
        uids = [str(uid) for uid in json.loads(record_uids)]
        persons = {str(pid) for pid in json.loads(person_ids)}
        persons |= {owner[uid] for uid in uids if uid in owner}
        for person_id in persons:
            by_person[person_id].extend(uid for uid in uids if uid not in by_person[person_id])
    return by_person


def _write(con: duckdb.DuckDBPyConnection, results: list[Priority]) -> None:
    """Replace ``person_priority`` in one transaction."""
    columns: dict[str, list[Any]] = {
        "person_id": [p.person_id for p in results],
        "policy_version": [p.policy_version for p in results],
        "tier": [p.tier for p in results],
        "score": [p.score for p in results],
        "protected": [p.protected for p in results],
        "protection": [p.protection for p in results],
        "reasons": [json.dumps([r.as_json() for r in p.reasons]) for p in results],
    }
    table = pa.table({
        "person_id": pa.array(columns["person_id"], type=pa.string()),
        "policy_version": pa.array(columns["policy_version"], type=pa.string()),
        "tier": pa.array(columns["tier"], type=pa.int32()),
        "score": pa.array(columns["score"], type=pa.int32()),
        "protected": pa.array(columns["protected"], type=pa.bool_()),
        "protection": pa.array(columns["protection"], type=pa.string()),
        "reasons": pa.array(columns["reasons"], type=pa.string()),
    })  # fmt: skip
    with staging.transaction(con, views={"scored_persons": table}):
        con.execute("DELETE FROM person_priority")
        con.execute(
            "INSERT INTO person_priority SELECT person_id, policy_version, tier, score, "
            "protected, protection, reasons::JSON FROM scored_persons"
        )
