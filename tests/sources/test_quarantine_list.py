"""Listing the quarantine and writing it as CSV."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from immigrationos import staging
from immigrationos.sources.quarantine import quarantine_csv_write, quarantine_list

# (source, file, line, record_id, column, value, reason)
ENTRIES = [
    ("visas", "visas.csv", 4, "V-1003", "dob", "05/13/1990", "dob is not a valid date"),
    ("arrivals", "arrivals.csv", 9, "A-9", "port", "XXX", "port 'XXX' is unknown"),
    ("arrivals", "arrivals.csv", 2, "A-2", "given_name", "=HYPERLINK(1)", "bad name"),
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = staging.connect(":memory:")
    for source, file, line, record_id, column, value, reason in ENTRIES:
        connection.execute(
            'INSERT INTO quarantine (source, file, line, record_id, "column", value, reason) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [source, file, line, record_id, column, value, reason],
        )
    return connection


def test_list_orders_by_source_and_line(con: duckdb.DuckDBPyConnection) -> None:
    total, entries = quarantine_list(con=con)

    assert total == 3
    assert [(entry.source, entry.line) for entry in entries] == [
        ("arrivals", 2),
        ("arrivals", 9),
        ("visas", 4),
    ]


def test_list_filters_and_limits(con: duckdb.DuckDBPyConnection) -> None:
    total, entries = quarantine_list(con=con, source="arrivals", limit=1)

    assert total == 2
    assert len(entries) == 1
    assert entries[0].record_id == "A-2"


def test_csv_quotes_formula_cells(con: duckdb.DuckDBPyConnection) -> None:
    _total, entries = quarantine_list(con=con)
    out = io.StringIO()

    quarantine_csv_write(entries=entries, out=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["value"] == "'=HYPERLINK(1)"
    assert rows[2]["value"] == "05/13/1990"
    assert rows[2]["reason"] == "dob is not a valid date"
