"""Load a pipeline run from the staging store into the operational store, and open cases."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from django.db import connection, transaction
from django.utils import timezone

from immigrationos.cases import bulk, snapshot, writers
from immigrationos.cases.cases_open import CaseCounts, cases_sync
from immigrationos.cases.conf import case_open_max_tier
from immigrationos.cases.models import PipelineRun
from immigrationos.cases.review_queue import review_weights_load
from immigrationos.cases.workflow import UPHELD_PROTECTION, upheld_person_ids
from immigrationos.events.effects import persons_status_refresh
from immigrationos.events.index import match_index_load
from immigrationos.events.models import MatchKey
from immigrationos.events.unstaged import unstaged_events
from immigrationos.progress import Progress

logger = logging.getLogger(__name__)

# Stage names as the progress reporter shows them and as PipelineRun.timings stores them.
LOAD_STAGES = (
    "load read",
    "load persons",
    "load records",
    "load names",
    "load status",
    "load cases",
)


@dataclass(frozen=True)
class OperationalLoadReport:
    """Counts of what one operational load wrote, and its duration in seconds."""

    run_id: str
    persons: int
    persons_changed: int
    persons_removed: int
    persons_superseded: int
    records: int
    records_removed: int
    status_periods: int
    review_items: int
    cases_opened: int
    cases_updated: int
    seconds: float
    proposals: int = 0

    def render(self) -> str:
        """Return a short human-readable summary."""
        return (
            f"operational load {self.run_id}: {self.persons:,} persons "
            f"({self.persons_changed:,} new or changed, {self.persons_removed:,} removed, "
            f"{self.persons_superseded:,} superseded), "
            f"{self.records:,} records ({self.records_removed:,} removed), "
            f"{self.status_periods:,} status periods written, "
            f"{self.review_items:,} review items, "
            f"{self.cases_opened:,} cases opened, {self.cases_updated:,} updated, "
            f"{self.proposals:,} proposals raised in {self.seconds:.1f} s"
        )


def operational_store_load(
    *, con: duckdb.DuckDBPyConnection, run_id: str, progress: Progress
) -> OperationalLoadReport:
    """Write the staged persons, records, status, priority and reviews in one transaction.

    Opens a ``lead`` case for each unprotected person whose tier number is at most
    IMMIGRATIONOS_CASE_OPEN_MAX_TIER (tier 1 ranks highest), and updates the tier of open
    cases. Persons that a re-link removed are deleted, except persons with a case, which are
    kept and marked superseded. Rows that did not change since the last load are not written.
    """
    started = time.perf_counter()
    # Read before any work, so a bad setting fails the load before it reads or writes.
    max_tier = case_open_max_tier()
    with progress.stage("load read", total=None):
        records = snapshot.records_read(con)
        hints = snapshot.office_hints_read(con)
        persons = snapshot.persons_assemble(records)
        for person in persons:
            person.enforcement_aor, person.arrival_port = hints.get(person.person_id, (None, None))
        statuses = {
            row["person_id"]: row
            for row in snapshot.table_dicts(con, "SELECT * FROM person_status")
        }
        priorities = {
            row["person_id"]: row
            for row in snapshot.table_dicts(con, "SELECT * FROM person_priority")
        }
        period_dicts = snapshot.table_dicts(
            con, "SELECT * FROM status_periods ORDER BY person_id, seq"
        )
        reviews = snapshot.table_dicts(con, "SELECT * FROM review_items ORDER BY review_id")
        run_rows = snapshot.table_dicts(
            con, "SELECT * FROM pipeline_runs WHERE run_id = ?", [run_id]
        )

    # A supervisor's upheld citizenship claim outranks what the sources show: the person is
    # protected, has no tier and gets no case.
    for person_id in upheld_person_ids() & priorities.keys():
        priorities[person_id] = {
            **priorities[person_id],
            "protected": True,
            "protection": UPHELD_PROTECTION,
            "tier": None,
        }
    in_review = snapshot.review_person_ids(reviews, records)
    values = {
        person.person_id: writers.person_values(
            person,
            statuses.get(person.person_id),
            priorities.get(person.person_id),
            in_review=person.person_id in in_review,
        )
        for person in persons
    }
    periods = writers.period_rows(period_dicts)
    now = timezone.now()

    with bulk.load_tuning(), transaction.atomic():
        # Events applied after this run staged its records stay, with their persons.
        unstaged = unstaged_events(staged={r.record_uid for r in records})
        with progress.stage("load persons", total=len(persons)) as handle:
            changed = writers.persons_write(
                persons=persons, values=values, periods=periods, run_id=run_id
            )
            removed, superseded = writers.persons_retire(staged=set(values) | unstaged.person_ids)
            handle.advance(len(persons))
        with progress.stage("load records", total=len(records)) as handle:
            records_removed = writers.records_write(records, keep=unstaged.record_uids)
            handle.advance(len(records))
        with progress.stage("load names", total=len(changed)) as handle:
            writers.tokens_write(persons, changed=changed)
            handle.advance(len(changed))
        with progress.stage("load status", total=len(changed)) as handle:
            periods_written = writers.periods_write(periods, changed=changed)
            # The staged status of a person with a newer event lacks that event.
            persons_status_refresh(person_ids=unstaged.person_ids & changed)
            handle.advance(len(changed))
        writers.reviews_write(reviews, keep=unstaged.review_ids)
        with progress.stage("load match index", total=None):
            match_index_load(con=con, keep=unstaged.record_uids)
        review_weights_load(con=con)
        with progress.stage("load cases", total=None):
            counts: CaseCounts = cases_sync(
                persons=persons, priorities=priorities, max_tier=max_tier, run_id=run_id, now=now
            )
        _run_write(run_id=run_id, run_rows=run_rows, progress=progress, now=now)

    # Fresh planner statistics after a bulk load: without them the real-time matcher's
    # lookups scan whole tables (PostgreSQL) or pick the wrong index (SQLite). On PostgreSQL,
    # VACUUM also writes the visibility map of the match index, which index-only scans need;
    # it cannot run inside a transaction (a caller's, or a test's), so it is skipped there.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM ANALYZE {MatchKey._meta.db_table}")
        cursor.execute("ANALYZE")
    report = OperationalLoadReport(
        run_id=run_id,
        persons=len(persons),
        persons_removed=removed,
        persons_superseded=superseded,
        records=len(records),
        records_removed=records_removed,
        persons_changed=len(changed),
        status_periods=periods_written,
        review_items=len(reviews),
        cases_opened=counts.opened,
        cases_updated=counts.updated,
        proposals=counts.proposals,
        seconds=time.perf_counter() - started,
    )
    logger.info("%s", report.render())
    return report


def _run_write(
    *, run_id: str, run_rows: list[dict[str, Any]], progress: Progress, now: datetime
) -> None:
    """Copy the run's row from staging, adding the timings of this load's stages."""
    row = run_rows[0] if run_rows else {}
    timings = dict(_json_object(row.get("timings")))
    timings.update(
        {name: seconds for name, seconds in progress.timings.items() if name in LOAD_STAGES}
    )
    PipelineRun.objects.update_or_create(
        run_id=run_id,
        defaults={
            "started_at": row.get("started_at") or now,
            "finished_at": row.get("finished_at"),
            "as_of": row.get("as_of"),
            "input_dir": row.get("input_dir") or "",
            "timings": timings,
            "counts": _json_object(row.get("counts")),
            "loaded_at": now,
        },
    )


def _json_object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    parsed = json.loads(value) if isinstance(value, str) else value
    return dict(parsed) if isinstance(parsed, dict) else {}
