"""Benefits columns that name a related person: related_a_number, related_name, relationship."""

from __future__ import annotations

import duckdb
from ingest_helpers import IngestBytes, csv_bytes, quarantine_rows, record_get


def test_related_columns_staged_in_attrs(
    ingest_bytes: IngestBytes, con: duckdb.DuckDBPyConnection
) -> None:
    row = {
        "form": "I-485",
        "related_a_number": "A 12345678",
        "related_name": "Maria Lopez",
        "relationship": "spouse",
    }
    report = ingest_bytes("benefits", csv_bytes("benefits", [row]))

    assert report.rows_quarantined == 0
    attrs = record_get(con, "benefits:B-1")["attrs"]
    # Ingest normalises A-numbers to nine digits, as it does the a_number column.
    assert attrs["related_a_number"] == "012345678"
    assert attrs["related_name"] == "Maria Lopez"
    assert attrs["relationship"] == "spouse"


def test_unknown_relationship_quarantines_row(
    ingest_bytes: IngestBytes, con: duckdb.DuckDBPyConnection
) -> None:
    row = {"related_a_number": "012345678", "relationship": "cousin"}
    report = ingest_bytes("benefits", csv_bytes("benefits", [row]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == "relationship"


def test_invalid_related_a_number_quarantines_row(
    ingest_bytes: IngestBytes, con: duckdb.DuckDBPyConnection
) -> None:
    row = {"related_a_number": "A12", "relationship": "parent"}
    report = ingest_bytes("benefits", csv_bytes("benefits", [row]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == "related_a_number"
