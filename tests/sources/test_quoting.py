"""Broken quoting and oversized fields reject the whole file; messages stay short."""

from __future__ import annotations

import csv

import duckdb
import pytest
from ingest_helpers import IngestBytes, csv_bytes

from immigrationos.sources.config import SourceConfig
from immigrationos.sources.errors import FileRejected
from immigrationos.sources.reader import csv_rows_read

HEADER = b"record_id,visa_number,given_name,family_name,dob,visa_class,issue_date\r\n"
ROW_1 = b"V-1,VN1,Ana,Lopez,01/02/1990,B2,01/03/2024\r\n"
ROW_2 = b"V-2,VN2,Eva,Ruiz,03/04/1985,B2,05/06/2024\r\n"


def _staged_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM records").fetchone()
    assert row is not None
    return int(row[0])


def test_stray_quotes_reject_file(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # The quote before "Ana" on line 2 closes after "Eva" on line 3, so the csv module reads
    # one row whose given_name is "Ana,...\r\nV-2,VN2,Eva". V-2 would vanish silently.
    data = HEADER + ROW_1.replace(b"Ana", b'"Ana') + ROW_2.replace(b"Eva", b'Eva"')
    report = ingest_bytes("visas", data)

    assert report.rejection == (
        "visas.csv: lines 2-3, column 'given_name': a field contains a line break, which no "
        "column allows; an unbalanced double quote probably joined lines 2-3; fix the quoting "
        "and send the file again"
    )
    assert _staged_count(con) == 0


@pytest.mark.parametrize("line_end", [b"\r\n", b""])
def test_quote_open_at_end(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes, line_end: bytes
) -> None:
    # The quote before "Eva" on line 3 never closes, so the file ends inside the field with or
    # without a final line break. Line 2 must not load on its own either.
    data = HEADER + ROW_1 + ROW_2.replace(b"Eva", b'"Eva').removesuffix(b"\r\n") + line_end
    report = ingest_bytes("visas", data)

    assert report.rejection == (
        "visas.csv: line 3, column 'given_name': a double quote opens a field that is still "
        "open at the end of the file (line 3); fix the quoting and send the file again"
    )
    assert _staged_count(con) == 0


def test_quoted_comma_still_loads(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # Balanced quoting around a comma is ordinary CSV and must keep working.
    report = ingest_bytes("visas", csv_bytes("visas", [{"post": "Mexico City, MX"}]))

    assert report.rejection is None
    assert report.rows_loaded == 1


def test_field_over_csv_limit(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    # One character over the csv module's limit (131,072 by default) on line 2.
    limit = csv.field_size_limit()
    huge = b"J" * (limit + 1)
    report = ingest_bytes("visas", HEADER + ROW_1.replace(b"Ana", huge))

    assert report.rejection is not None
    assert report.rejection.startswith(
        f"visas.csv: line 2: a field is too large: it is longer than the CSV reader's limit of "
        f"{limit:,} characters"
    )
    assert "quoting" not in report.rejection


def test_utf16_declared_message_short(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # Read as UTF-16, the UTF-8 file becomes one long header name without commas. The message
    # shows 80 characters of it and its length, not the whole file.
    rows = [{"record_id": f"V-{number}"} for number in range(200)]
    data = csv_bytes("visas", rows)
    data += b"" if len(data) % 2 == 0 else b"\n"
    report = ingest_bytes("visas", data, SourceConfig(encoding="utf-16"))

    assert report.rejection is not None
    assert "characters)" in report.rejection
    assert len(report.rejection) < 1000


def test_csv_rows_keep_start_lines() -> None:
    # A blank line 3 is skipped, so the second data row starts on line 4.
    header, rows = csv_rows_read(text="a,b\r\n1,2\r\n\r\n3,4\r\n", file_name="f.csv")

    assert header == ["a", "b"]
    assert [(row.line, row.fields) for row in rows] == [(2, ["1", "2"]), (4, ["3", "4"])]


def test_csv_rows_empty_file() -> None:
    with pytest.raises(FileRejected, match=r"f\.csv: the file is empty"):
        csv_rows_read(text="", file_name="f.csv")
