"""Stage hand-made records straight into a DuckDB ``records`` table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb

_SOURCE_BY_PREFIX = {
    "A": "arrivals",
    "V": "visas",
    "D": "departures",
    "B": "benefits",
    "C": "criminal",
    "O": "court",
    "E": "enforcement",
    "S": "students",
}

FIELDS = (
    "given_name",
    "family_name",
    "dob",
    "sex",
    "nationality",
    "passport_no",
    "passport_country",
    "a_number",
    "fbi_number",
)


def record(record_id: str, **fields: Any) -> dict[str, Any]:
    """Return one staged record; the source follows the record id's letter prefix."""
    row: dict[str, Any] = dict.fromkeys(FIELDS)
    row.update(fields)
    if isinstance(row["dob"], str):
        row["dob"] = date.fromisoformat(row["dob"])
    row["record_id"] = record_id
    row["source"] = row.get("source") or _SOURCE_BY_PREFIX[record_id[0]]
    return row


def uid(record_id: str) -> str:
    """Return the record uid of a hand-made record id."""
    return f"{_SOURCE_BY_PREFIX[record_id[0]]}:{record_id}"


def records_stage(con: duckdb.DuckDBPyConnection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into the ``records`` table in the order given."""
    for line, row in enumerate(rows, start=2):
        con.execute(
            """
            INSERT INTO records (record_uid, source, record_id, load_id, line, given_name,
                family_name, dob, sex, nationality, passport_no, passport_country, a_number,
                fbi_number, attrs, row_hash)
            VALUES (?, ?, ?, 'test', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)
            """,
            [
                f"{row['source']}:{row['record_id']}",
                row["source"],
                row["record_id"],
                line,
                *(row[name] for name in FIELDS),
                row["record_id"],
            ],
        )
