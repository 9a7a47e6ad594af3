"""Derive every linked person's status, history and stays and write them to the staging store.

The records are read from DuckDB once, in batches of whole persons, and each batch is derived
in a worker process when more than one is used. Workers return Arrow tables, which the main
process writes in one transaction, so the output is the same for any number of workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from immigrationos import staging
from immigrationos.progress import Progress
from immigrationos.status.engine import StatusPeriod, StatusResult, status_history, status_on
from immigrationos.status.errors import RecordError, StatusError
from immigrationos.status.records import RecordView, record_from_row
from immigrationos.status.report import StayRow, stay_rows

logger = logging.getLogger(__name__)

# Rows per batch sent to a worker: about 5,000 persons, enough to make the cost of sending
# a batch small next to deriving it.
BATCH_ROWS = 20_000
# Below this many persons one process is faster, because starting a worker takes longer.
PARALLEL_MIN_PERSONS = 5_000

_RECORDS_BY_PERSON_SQL = """
SELECT pr.person_id, r.record_uid, r.source, r.record_id, r.event_date, r.dob, r.attrs
FROM records AS r
JOIN person_records AS pr USING (record_uid)
ORDER BY pr.person_id, r.record_uid
"""


@dataclass
class DeriveReport:
    """Counts written by ``derive_all``: persons per status, unreadable records, elapsed time."""

    as_of: date
    persons: int = 0
    records: int = 0
    periods: int = 0
    stays: int = 0
    unreadable_records: int = 0
    workers: int = 1
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            f"status as of {self.as_of.isoformat()}: {self.persons:,} persons, "
            f"{self.records:,} records, {self.periods:,} periods, {self.stays:,} stays "
            f"in {self.seconds:.1f} s ({self.workers} worker{'s' if self.workers > 1 else ''})"
        ]
        width = max((len(name) for name in self.counts), default=0)
        for status, count in sorted(self.counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {status:<{width}}  {count:>9,}")
        if self.unreadable_records:
            lines.append(
                f"  {self.unreadable_records:,} records could not be read and were skipped "
                "(see the log for their record_uid)"
            )
        return "\n".join(lines)


@dataclass
class BatchResult:
    """The output of one batch of persons: the three output tables and the batch's counts."""

    status: pa.Table
    periods: pa.Table
    stays: pa.Table
    persons: int
    records: int
    counts: Counter[str]
    unreadable: list[tuple[str, str]]


def derive_all(
    *,
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    progress: Progress,
    workers: int | None = None,
) -> DeriveReport:
    """Derive status on ``as_of``, history and stays for every person in ``person_records``.

    Replaces the content of ``person_status``, ``status_periods`` and ``status_stays``.
    Records that fail to parse are logged by record_uid and skipped; the person is derived
    from the rest. ``workers`` is the number of processes (default: the CPUs this process
    may use, or 1 below ``PARALLEL_MIN_PERSONS`` persons). Raises StatusError when
    ``workers`` is less than 1.
    """
    started = time.perf_counter()
    report = DeriveReport(as_of=as_of)
    total = _count_persons(con)
    report.workers = _worker_count(workers, total)
    results: list[BatchResult] = []

    with progress.stage("derive", total=total) as stage:
        for result in _derive_batches(_batches(con), as_of=as_of, workers=report.workers):
            results.append(result)
            _count(report, result)
            stage.advance(result.persons)

    _write(con, results)
    report.stays = sum(result.stays.num_rows for result in results)
    report.seconds = time.perf_counter() - started
    return report


def _count_persons(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT count(DISTINCT person_id) FROM person_records").fetchall()
    return int(rows[0][0])


def _worker_count(workers: int | None, persons: int) -> int:
    if workers is not None:
        if workers < 1:
            raise StatusError(f"invalid workers {workers!r}: expected 1 or more processes")
        return workers
    if persons < PARALLEL_MIN_PERSONS:
        return 1
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    # macOS and Windows cannot restrict a process to some CPUs, so every CPU is usable.
    return os.cpu_count() or 1


def _count(report: DeriveReport, result: BatchResult) -> None:
    report.persons += result.persons
    report.records += result.records
    report.periods += result.periods.num_rows
    report.counts.update(result.counts)
    report.unreadable_records += len(result.unreadable)
    for record_uid, message in result.unreadable:
        logger.warning("skipping record %s: %s", record_uid, message)


def _batches(con: duckdb.DuckDBPyConnection) -> Iterator[pa.Table]:
    """Yield the record rows in tables of about ``BATCH_ROWS`` rows, never splitting a person.

    The rows are sorted by person, so the last person of a batch may continue in the next
    one: that person's rows are held back and sent with the next batch.
    """
    reader = con.sql(_RECORDS_BY_PERSON_SQL).to_arrow_reader(BATCH_ROWS)
    carry: pa.Table | None = None
    for batch in reader:
        table = pa.Table.from_batches([batch])
        if carry is not None:
            table = pa.concat_tables([carry, table])
        if table.num_rows == 0:
            continue
        last_person = table.column("person_id")[-1]
        cut = pc.index(table.column("person_id"), last_person).as_py()
        if cut > 0:
            yield table.slice(0, cut)
        carry = table.slice(cut)
    if carry is not None and carry.num_rows:
        yield carry


def _derive_batches(
    batches: Iterator[pa.Table], *, as_of: date, workers: int
) -> Iterator[BatchResult]:
    """Derive each batch, in order, in this process or in ``workers`` processes."""
    if workers == 1:
        for batch in batches:
            yield derive_batch(batch, as_of)
        return
    # Spawned workers start clean: a forked child would inherit DuckDB's threads and locks.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # At most two batches per worker are in flight, so memory stays bounded.
        pending: list[Future[BatchResult]] = []
        for batch in batches:
            pending.append(pool.submit(derive_batch, batch, as_of))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def derive_batch(batch: pa.Table, as_of: date) -> BatchResult:
    """Derive the persons of one batch of record rows sorted by person."""
    columns = _Columns()
    counts: Counter[str] = Counter()
    unreadable: list[tuple[str, str]] = []
    persons = 0
    for person_id, rows in _group_by_person(batch.to_pylist()):
        views = _views(rows, unreadable)
        persons += 1
        result = status_on(records=views, as_of=as_of)
        counts[result.status] += 1
        columns.add_status(person_id, as_of, result)
        columns.add_history(person_id, status_history(records=views, as_of=as_of))
        columns.add_stays(person_id, stay_rows(records=views, as_of=as_of, status=result))
    return BatchResult(
        status=columns.status_table(),
        periods=columns.periods_table(),
        stays=columns.stays_table(),
        persons=persons,
        records=batch.num_rows,
        counts=counts,
        unreadable=unreadable,
    )


def _group_by_person(
    rows: list[dict[str, Any]],
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    current: str | None = None
    group: list[dict[str, Any]] = []
    for row in rows:
        person_id = row.pop("person_id")
        if person_id != current and current is not None:
            yield current, group
            group = []
        current = person_id
        group.append(row)
    if current is not None:
        yield current, group


def _views(rows: list[dict[str, Any]], unreadable: list[tuple[str, str]]) -> list[RecordView]:
    views: list[RecordView] = []
    for row in rows:
        try:
            views.append(record_from_row(row))
        except RecordError as exc:
            unreadable.append((str(row.get("record_uid")), str(exc)))
    return views


STATUS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()), ("as_of", pa.date32()), ("status", pa.string()),
        ("since", pa.date32()), ("rule_id", pa.string()), ("rule_citation", pa.string()),
        ("explanation", pa.string()), ("evidence", pa.list_(pa.string())),
        ("flags", pa.list_(pa.string())), ("overstay_days", pa.int32()),
        ("unlawful_presence_days", pa.int32()), ("reentry_bar", pa.string()),
        ("reentry_bar_until", pa.date32()),
    ]
)  # fmt: skip
PERIOD_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()), ("seq", pa.int32()), ("start_date", pa.date32()),
        ("end_date", pa.date32()), ("status", pa.string()), ("rule_id", pa.string()),
        ("rule_citation", pa.string()), ("evidence", pa.list_(pa.string())),
        ("flags", pa.list_(pa.string())),
    ]
)  # fmt: skip
STAY_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()), ("seq", pa.int32()), ("arrival_uid", pa.string()),
        ("admission_date", pa.date32()), ("class_of_admission", pa.string()),
        ("mode", pa.string()), ("stay_end", pa.date32()), ("stay_rule_id", pa.string()),
        ("departure_uid", pa.string()), ("departure_date", pa.date32()),
        ("outcome", pa.string()), ("overstay_days", pa.int32()),
        ("flags", pa.list_(pa.string())),
    ]
)  # fmt: skip


class _Columns:
    """Column lists of the three output tables for one batch."""

    def __init__(self) -> None:
        self.status: dict[str, list[Any]] = {name: [] for name in STATUS_SCHEMA.names}
        self.periods: dict[str, list[Any]] = {name: [] for name in PERIOD_SCHEMA.names}
        self.stays: dict[str, list[Any]] = {name: [] for name in STAY_SCHEMA.names}

    def add_status(self, person_id: str, as_of: date, result: StatusResult) -> None:
        values = (
            person_id, as_of, result.status, result.since, result.rule_id,
            result.citation or None, result.explanation, list(result.evidence),
            list(result.flags), result.overstay_days,
            result.unlawful_presence_days, result.bar, result.bar_until,
        )  # fmt: skip
        for name, value in zip(STATUS_SCHEMA.names, values, strict=True):
            self.status[name].append(value)

    def add_history(self, person_id: str, periods: list[StatusPeriod]) -> None:
        for seq, period in enumerate(periods, start=1):
            values = (
                person_id, seq, period.start, period.end, period.status, period.rule_id,
                period.citation or None, list(period.evidence), list(period.flags),
            )  # fmt: skip
            for name, value in zip(PERIOD_SCHEMA.names, values, strict=True):
                self.periods[name].append(value)

    def add_stays(self, person_id: str, stays: list[StayRow]) -> None:
        for stay in stays:
            values = (
                person_id, stay.seq, stay.arrival_uid, stay.admission_date,
                stay.class_of_admission, stay.mode, stay.stay_end, stay.stay_rule_id,
                stay.departure_uid, stay.departure_date, stay.outcome, stay.overstay_days,
                list(stay.flags),
            )  # fmt: skip
            for name, value in zip(STAY_SCHEMA.names, values, strict=True):
                self.stays[name].append(value)

    def status_table(self) -> pa.Table:
        return pa.table(self.status, schema=STATUS_SCHEMA)

    def periods_table(self) -> pa.Table:
        return pa.table(self.periods, schema=PERIOD_SCHEMA)

    def stays_table(self) -> pa.Table:
        return pa.table(self.stays, schema=STAY_SCHEMA)


def _write(con: duckdb.DuckDBPyConnection, results: list[BatchResult]) -> None:
    """Replace the three output tables in one transaction, so a failed run leaves the old ones."""
    views = {
        "derived_status": _concat([r.status for r in results], STATUS_SCHEMA),
        "derived_periods": _concat([r.periods for r in results], PERIOD_SCHEMA),
        "derived_stays": _concat([r.stays for r in results], STAY_SCHEMA),
    }
    with staging.transaction(con, views=views):
        con.execute("DELETE FROM person_status")
        con.execute("DELETE FROM status_periods")
        con.execute("DELETE FROM status_stays")
        con.execute(
            "INSERT INTO person_status BY NAME SELECT * REPLACE (to_json(evidence) AS "
            "evidence, to_json(flags) AS flags) FROM derived_status"
        )
        con.execute(
            "INSERT INTO status_periods SELECT person_id, seq, start_date, end_date, status, "
            "rule_id, rule_citation, to_json(evidence), to_json(flags) FROM derived_periods"
        )
        con.execute(
            "INSERT INTO status_stays BY NAME SELECT * REPLACE (to_json(flags) AS flags) "
            "FROM derived_stays"
        )


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()
