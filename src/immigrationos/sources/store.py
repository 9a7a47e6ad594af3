"""Write one validated extract to the staging tables in bulk, inside one transaction.

Records are upserted by ``record_uid`` and ``row_hash``: a re-sent row that is unchanged is
left alone (its load id and line stay), a changed row replaces the earlier version together
with its data-quality flags, and a new row is inserted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

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


def load_exists(*, con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Return True when a file with this SHA-256 was loaded before."""
    return con.execute("SELECT 1 FROM loads WHERE sha256 = ?", [sha256]).fetchone() is not None


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
    """Upsert the batch's records and flags, append its quarantine rows and the load row."""
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _upsert(con=con, records=tables.records, flags=tables.flags)
        con.register("_ingest_quarantine", tables.quarantine)
        con.execute(
            "INSERT INTO quarantine SELECT load_id, source, file, line, row_number, record_id, "
            '"column", value, reason, raw::JSON FROM _ingest_quarantine'
        )
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
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_ingest_records", "_ingest_flags", "_ingest_quarantine"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS _ingest_changed")
    return counts


def _upsert(*, con: duckdb.DuckDBPyConnection, records: pa.Table, flags: pa.Table) -> UpsertCounts:
    con.register("_ingest_records", records)
    con.register("_ingest_flags", flags)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ingest_changed AS "
        "SELECT n.record_uid, r.record_uid IS NOT NULL AS replaced "
        "FROM _ingest_records n LEFT JOIN records r ON r.record_uid = n.record_uid "
        "WHERE r.record_uid IS NULL OR r.row_hash <> n.row_hash"
    )
    changed = con.execute(
        "SELECT count(*) FILTER (NOT replaced), count(*) FILTER (replaced) FROM _ingest_changed"
    ).fetchone()
    assert changed is not None
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
    return UpsertCounts(new=new, replaced=replaced, unchanged=records.num_rows - new - replaced)


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
