"""Helpers for ingest tests: valid rows per source, CSV bytes and staged-table readers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb

from immigrationos.sources.ingest import FileReport

RUN_DATE = date(2026, 12, 4)

# One valid row per source; tests override the fields they are about.
VALID_ROWS: dict[str, dict[str, str]] = {
    "visas": {
        "record_id": "V-1",
        "visa_number": "VN100200",
        "given_name": "Ana",
        "family_name": "Lopez",
        "dob": "01/02/1990",
        "visa_class": "B2",
        "issue_date": "01/03/2024",
    },
    "arrivals": {
        "record_id": "A-1",
        "i94_number": "94100200300",
        "given_name": "Ana",
        "family_name": "Lopez",
        "dob": "02/01/1990",
        "class_of_admission": "B2",
        "admission_ts": "2024-03-05T10:00:00",
        "port": "JFK",
        "port_tz": "America/New_York",
        "mode": "air",
        "admit_until": "09/04/2024",
    },
    "departures": {
        "record_id": "D-1",
        "event_id": "EV100",
        "departure_ts": "2024-06-01T12:00:00",
        "port": "JFK",
        "port_tz": "America/New_York",
        "mode": "air",
        "evidence_kind": "carrier_manifest",
    },
    "benefits": {
        "record_id": "B-1",
        "receipt_number": "IOE0912345678",
        "given_name": "Ana",
        "family_name": "Lopez",
        "dob": "1990-01-02",
        "form": "I-539",
        "filed_date": "2024-01-10",
        "decision": "pending",
    },
    "criminal": {
        "record_id": "C-1",
        "fbi_number": "FBI1234",
        "given_name": "Ana",
        "family_name": "Lopez",
        "dob": "02-01-90",
        "offence_category": "theft",
        "severity": "misdemeanor",
        "conviction_date": "2025-06-01",
    },
}


def csv_bytes(source: str, rows: list[dict[str, str]]) -> bytes:
    """Return a CRLF CSV whose header is the union of the valid row's and the rows' keys."""
    header = list(VALID_ROWS[source])
    for row in rows:
        header += [name for name in row if name not in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        full = {**VALID_ROWS[source], **row}
        writer.writerow([full.get(name, "") for name in header])
    return buffer.getvalue().encode("utf-8")


IngestBytes = Callable[..., FileReport]


def record_get(con: duckdb.DuckDBPyConnection, record_uid: str) -> dict[str, Any]:
    """Return the staged record as a dict, with ``attrs`` decoded."""
    cursor = con.execute("SELECT * FROM records WHERE record_uid = ?", [record_uid])
    row = cursor.fetchone()
    assert row is not None, f"record {record_uid} not staged"
    record = dict(zip([column[0] for column in cursor.description], row, strict=True))
    record["attrs"] = json.loads(record["attrs"])
    return record


def quarantine_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = con.execute('SELECT * FROM quarantine ORDER BY row_number, "column"')
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def flags_of(con: duckdb.DuckDBPyConnection, record_uid: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT field, flag FROM dq_flags WHERE record_uid = ? ORDER BY field, flag", [record_uid]
    ).fetchall()
