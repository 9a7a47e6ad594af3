"""Write one validated extract to the staging tables in bulk, inside one transaction.

Records are upserted by ``record_uid`` and ``row_hash``: a re-sent row that is unchanged is
left alone (its load id and line stay), a changed row replaces the earlier version together
with its data-quality flags, and a new row is inserted. A quarantine entry already recorded
for the same source, record (or line), column, value and reason is not recorded again.

A load id is ``<source>-<file SHA-256, 16 hex digits>-<config fingerprint, 8 hex digits>``,
with ``-<n>`` appended when the same file and configuration are loaded again after another
version. The fingerprint sits in the load id because ``loads`` has no column for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from immigrationos import staging

RECORD_COLUMNS = (
    "record_uid",
    "source",
    "record_id",
    "load_id",
    "line",
    "given_name",
    "family_name",
    "dob",
    "dob_quality",
    "sex",
    "nationality",
    "country_of_birth",
    "passport_no",
    "passport_country",
    "a_number",
    "fbi_number",
    "event_date",
    "attrs",
    "row_hash",
)
_RECORD_TYPES = {"line": pa.int32(), "dob": pa.date32(), "event_date": pa.date32()}
QUARANTINE_COLUMNS = (
    "load_id",
    "source",
    "file",
    "line",
    "row_number",
    "record_id",
    "column",
    "value",
    "reason",
    "raw",
)
_QUARANTINE_TYPES = {"line": pa.int32(), "row_number": pa.int32()}
FLAG_COLUMNS = ("record_uid", "field", "flag", "detail")


@dataclass
class Batch:
    """Column lists for the rows of one file, ready for a bulk insert."""

    records: dict[str, list[object]] = field(
        default_factory=lambda: {name: [] for name in RECORD_COLUMNS}
    )
    quarantine: dict[str, list[object]] = field(
        default_factory=lambda: {name: [] for name in QUARANTINE_COLUMNS}
    )
    flags: dict[str, list[object]] = field(
        default_factory=lambda: {name: [] for name in FLAG_COLUMNS}
    )

    def tables(self) -> BatchTables:
        """Return the batch as Arrow tables, which DuckDB reads without a copy per row."""
        return BatchTables(
            records=_table(self.records, _RECORD_TYPES),
            flags=_table(self.flags, {}),
            quarantine=_table(self.quarantine, _QUARANTINE_TYPES),
        )


@dataclass(frozen=True)
class BatchTables:
    """The rows of one file as Arrow tables; they pickle cheaply between processes."""

    records: pa.Table
    flags: pa.Table
    quarantine: pa.Table


@dataclass(frozen=True)
class UpsertCounts:
    """How many records of a batch were new, replaced or unchanged."""

    new: int
    replaced: int
    unchanged: int


NEWER_VERSION_QUARANTINED = "newer_version_quarantined"


def load_id_base(*, source: str, sha256: str, fingerprint: str) -> str:
    """Return the load id of a file and configuration before any repeat suffix."""
    return f"{source}-{sha256[:16]}-{fingerprint[:8]}"


def load_is_current(
    *, con: duckdb.DuckDBPyConnection, source: str, sha256: str, fingerprint: str
) -> bool:
    """Return True when the latest load of ``source`` had this file and this configuration.

    Only the latest load counts, so re-sending an earlier version (A, then B, then A again)
    loads A again, and a changed sources.yaml reloads an unchanged file.
    """
    # fetchall, not fetchone: DuckDB 2.0 keeps a partly fetched result open on the
    # connection, and the next statement then fails with ResourceInUseException.
    rows = con.execute(
        "SELECT sha256, load_id FROM loads WHERE source = ? "
        "ORDER BY loaded_at DESC, rowid DESC LIMIT 1",
        [source],
    ).fetchall()
    if not rows:
        return False
    latest = rows[0]
    base = load_id_base(source=source, sha256=sha256, fingerprint=fingerprint)
    latest_sha256, latest_load_id = str(latest[0]), str(latest[1])
    return latest_sha256 == sha256 and (
        latest_load_id == base or latest_load_id.startswith(base + "-")
    )


def load_id_new(
    *, con: duckdb.DuckDBPyConnection, source: str, sha256: str, fingerprint: str
) -> str:
    """Return an unused load id for this file and configuration."""
    base = load_id_base(source=source, sha256=sha256, fingerprint=fingerprint)
    earlier = int(
        con.execute(
            "SELECT count(*) FROM loads WHERE load_id = ? OR starts_with(load_id, ?)",
            [base, base + "-"],
        ).fetchall()[0][0]
    )
    return base if earlier == 0 else f"{base}-{earlier + 1}"


def reason_prefix(*, file: str, row_number: int, line: int) -> str:
    """Return the start of a quarantine reason; ``_PROBLEM_SQL`` strips exactly this text."""
    return f"{file} row {row_number} (line {line}): "


# The reason without its position, so a bad row that moved to another line in a re-sent file
# is recognised as already quarantined.
_PROBLEM_SQL = (
    "substr({t}.reason, length({t}.file || ' row ' || {t}.row_number || ' (line ' || {t}.line "
    "|| '): ') + 1)"
)
_QUARANTINE_KEY_SQL = "coalesce('id:' || {t}.record_id, 'line:' || {t}.line)"


def batch_write(
    *,
    con: duckdb.DuckDBPyConnection,
    tables: BatchTables,
    load_id: str,
    source: str,
    file: str,
    sha256: str,
    rows_read: int,
    rows_quarantined: int,
) -> UpsertCounts:
    """Upsert the batch's records and flags, append new quarantine rows and the load row.

    Every record and quarantine row gets ``load_id``. A staged record whose newer version in
    this batch was quarantined gets a ``newer_version_quarantined`` flag, so the stale version
    is visible. A later load of a valid version clears the flag.
    """
    records = _column_fill(tables.records, "load_id", load_id)
    quarantine = _column_fill(tables.quarantine, "load_id", load_id)
    views = {
        "_ingest_records": records,
        "_ingest_flags": tables.flags,
        "_ingest_quarantine": quarantine,
    }
    try:
        with staging.transaction(con, views=views):
            counts = _upsert(con=con, total=records.num_rows)
            _quarantine_insert(con=con)
            _newer_version_flag(con=con)
            con.execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load_id,
                    source,
                    file,
                    sha256,
                    rows_read,
                    rows_read - rows_quarantined,
                    rows_quarantined,
                    datetime.now(UTC),
                ],
            )
    finally:
        con.execute("DROP TABLE IF EXISTS _ingest_changed")
    return counts


def _quarantine_insert(*, con: duckdb.DuckDBPyConnection) -> None:
    key_new, key_old = _QUARANTINE_KEY_SQL.format(t="n"), _QUARANTINE_KEY_SQL.format(t="q")
    problem_new, problem_old = _PROBLEM_SQL.format(t="n"), _PROBLEM_SQL.format(t="q")
    con.execute(
        "INSERT INTO quarantine SELECT n.load_id, n.source, n.file, n.line, n.row_number, "
        'n.record_id, n."column", n.value, n.reason, n.raw::JSON FROM _ingest_quarantine n '
        "WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.source = n.source "
        f"AND {key_old} = {key_new} "
        'AND q."column" IS NOT DISTINCT FROM n."column" '
        "AND q.value IS NOT DISTINCT FROM n.value "
        f"AND {problem_old} = {problem_new})"
    )


def _newer_version_flag(*, con: duckdb.DuckDBPyConnection) -> None:
    flag = NEWER_VERSION_QUARANTINED
    con.execute(
        "DELETE FROM dq_flags WHERE flag = ? "
        "AND record_uid IN (SELECT record_uid FROM _ingest_records)",
        [flag],
    )
    con.execute(
        "INSERT INTO dq_flags SELECT r.record_uid, 'record_id', ?, "
        "'a newer version in ' || any_value(n.file) || ' line ' || min(n.line) || ' (load ' "
        "|| any_value(n.load_id) || ') was quarantined, so this staged version from load ' "
        "|| any_value(r.load_id) || ' may be out of date; see the quarantine table' "
        "FROM _ingest_quarantine n JOIN records r ON r.record_uid = n.source || ':' || n.record_id "
        "WHERE r.record_uid NOT IN (SELECT record_uid FROM _ingest_records) "
        "AND NOT EXISTS (SELECT 1 FROM dq_flags f WHERE f.record_uid = r.record_uid "
        "AND f.flag = ?) "
        "GROUP BY r.record_uid",
        [flag, flag],
    )


def _column_fill(table: pa.Table, name: str, value: str) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, name, pa.array([value] * table.num_rows, type=pa.string()))


def _upsert(*, con: duckdb.DuckDBPyConnection, total: int) -> UpsertCounts:
    """Replace changed records and their flags from the registered batch views."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ingest_changed AS "
        "SELECT n.record_uid, r.record_uid IS NOT NULL AS replaced "
        "FROM _ingest_records n LEFT JOIN records r ON r.record_uid = n.record_uid "
        "WHERE r.record_uid IS NULL OR r.row_hash <> n.row_hash"
    )
    changed = con.execute(
        "SELECT count(*) FILTER (NOT replaced), count(*) FILTER (replaced) FROM _ingest_changed"
    ).fetchall()[0]
    con.execute("DELETE FROM records WHERE record_uid IN (SELECT record_uid FROM _ingest_changed)")
    con.execute("DELETE FROM dq_flags WHERE record_uid IN (SELECT record_uid FROM _ingest_changed)")
    columns = ", ".join(f"n.{name}" for name in RECORD_COLUMNS).replace("n.attrs", "n.attrs::JSON")
    con.execute(
        f"INSERT INTO records SELECT {columns} FROM _ingest_records n "
        "SEMI JOIN _ingest_changed c ON c.record_uid = n.record_uid"
    )
    con.execute(
        "INSERT INTO dq_flags SELECT f.* FROM _ingest_flags f "
        "SEMI JOIN _ingest_changed c ON c.record_uid = f.record_uid"
    )
    new, replaced = int(changed[0]), int(changed[1])
    return UpsertCounts(new=new, replaced=replaced, unchanged=total - new - replaced)


def _table(columns: dict[str, list[object]], types: dict[str, pa.DataType]) -> pa.Table:
    arrays = {
        name: pa.array(values, type=types.get(name, pa.string()))
        for name, values in columns.items()
    }
    return pa.table(arrays)


def attrs_json(attrs: dict[str, object]) -> str:
    """Return ``attrs`` as compact JSON; dates are already ISO strings."""
    return _ATTRS_ENCODER.encode(attrs)


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} value {value!r} in attrs")


# One encoder for all rows: json.dumps with options builds a new encoder on every call.
_ATTRS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_iso)
