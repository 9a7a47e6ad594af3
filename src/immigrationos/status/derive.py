"""Derive every linked person's status and history and write them to the staging store."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from immigrationos import staging
from immigrationos.progress import Progress
from immigrationos.status.engine import status_history, status_on
from immigrationos.status.errors import RecordError
from immigrationos.status.records import RecordView, record_from_row

logger = logging.getLogger(__name__)

BATCH_ROWS = 20_000

_RECORDS_BY_PERSON_SQL = """
SELECT pr.person_id, r.record_uid, r.source, r.record_id, r.event_date, r.attrs
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
    unreadable_records: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            f"status as of {self.as_of.isoformat()}: {self.persons:,} persons, "
            f"{self.records:,} records, {self.periods:,} periods in {self.seconds:.1f} s"
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


def derive_all(*, con: duckdb.DuckDBPyConnection, as_of: date, progress: Progress) -> DeriveReport:
    """Derive status on ``as_of`` and history for every person in ``person_records``.

    Replaces the content of ``person_status`` and ``status_periods``. Records that fail to
    parse are logged by record_uid and skipped; the person is derived from the rest.
    """
    started = time.perf_counter()
    report = DeriveReport(as_of=as_of)
    status_rows: dict[str, list[Any]] = {name: [] for name in _STATUS_COLUMNS}
    period_rows: dict[str, list[Any]] = {name: [] for name in _PERIOD_COLUMNS}
    total = _count_persons(con)

    with progress.stage("derive", total=total) as stage:
        for person_id, rows in _persons(con):
            views = _views(rows, report)
            report.persons += 1
            report.records += len(rows)
            _add_status(status_rows, person_id, as_of, views, report)
            _add_history(period_rows, person_id, as_of, views, report)
            if report.persons % 1000 == 0:
                stage.advance(1000)
        stage.advance(report.persons % 1000)

    _write(con, status_rows, period_rows)
    report.seconds = time.perf_counter() - started
    return report


def _count_persons(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT count(DISTINCT person_id) FROM person_records").fetchall()
    return int(rows[0][0])


def _persons(
    con: duckdb.DuckDBPyConnection,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yield each person's record rows, streaming the query in batches."""
    cursor = con.execute(_RECORDS_BY_PERSON_SQL)
    names = [column[0] for column in cursor.description or []]
    current: str | None = None
    group: list[dict[str, Any]] = []
    while batch := cursor.fetchmany(BATCH_ROWS):
        for values in batch:
            row = dict(zip(names, values, strict=True))
            person_id = row.pop("person_id")
            if person_id != current and current is not None:
                yield current, group
                group = []
            current = person_id
            group.append(row)
    if current is not None:
        yield current, group


def _views(rows: list[dict[str, Any]], report: DeriveReport) -> list[RecordView]:
    views: list[RecordView] = []
    for row in rows:
        try:
            views.append(record_from_row(row))
        except RecordError as exc:
            report.unreadable_records += 1
            logger.warning("skipping record %s: %s", row.get("record_uid"), exc)
    return views


_STATUS_COLUMNS = (
    "person_id", "as_of", "status", "since", "rule_id", "rule_citation", "explanation",
    "evidence", "flags", "overstay_days",
)  # fmt: skip
_PERIOD_COLUMNS = (
    "person_id", "seq", "start_date", "end_date", "status", "rule_id", "rule_citation",
    "evidence", "flags",
)  # fmt: skip


def _add_status(
    out: dict[str, list[Any]],
    person_id: str,
    as_of: date,
    views: list[RecordView],
    report: DeriveReport,
) -> None:
    result = status_on(records=views, as_of=as_of)
    report.counts[result.status] += 1
    values = (
        person_id, as_of, result.status, result.since, result.rule_id,
        result.citation or None, result.explanation, list(result.evidence),
        list(result.flags), result.overstay_days,
    )  # fmt: skip
    for name, value in zip(_STATUS_COLUMNS, values, strict=True):
        out[name].append(value)


def _add_history(
    out: dict[str, list[Any]],
    person_id: str,
    as_of: date,
    views: list[RecordView],
    report: DeriveReport,
) -> None:
    for seq, period in enumerate(status_history(records=views, as_of=as_of), start=1):
        report.periods += 1
        values = (
            person_id, seq, period.start, period.end, period.status, period.rule_id,
            period.citation or None, list(period.evidence),
            list(period.flags),
        )  # fmt: skip
        for name, value in zip(_PERIOD_COLUMNS, values, strict=True):
            out[name].append(value)


def _write(
    con: duckdb.DuckDBPyConnection,
    status_rows: dict[str, list[Any]],
    period_rows: dict[str, list[Any]],
) -> None:
    """Replace both output tables in one transaction, so a failed run leaves the old ones."""
    status_table = _arrow(status_rows, int_columns={"overstay_days"})
    period_table = _arrow(period_rows, int_columns={"seq"})
    views = {"derived_status": status_table, "derived_periods": period_table}
    with staging.transaction(con, views=views):
        con.execute("DELETE FROM person_status")
        con.execute("DELETE FROM status_periods")
        con.execute(
            "INSERT INTO person_status SELECT person_id, as_of, status, since, rule_id, "
            "rule_citation, explanation, to_json(evidence), to_json(flags), overstay_days "
            "FROM derived_status"
        )
        con.execute(
            "INSERT INTO status_periods SELECT person_id, seq, start_date, end_date, status, "
            "rule_id, rule_citation, to_json(evidence), to_json(flags) FROM derived_periods"
        )


def _arrow(columns: dict[str, list[Any]], *, int_columns: set[str]) -> pa.Table:
    arrays = {}
    for name, values in columns.items():
        if name in int_columns:
            arrays[name] = pa.array(values, type=pa.int32())
        elif name in {"as_of", "since", "start_date", "end_date"}:
            arrays[name] = pa.array(values, type=pa.date32())
        elif name in {"evidence", "flags"}:
            arrays[name] = pa.array(values, type=pa.list_(pa.string()))
        else:
            arrays[name] = pa.array(values, type=pa.string())
    return pa.table(arrays)
