"""Quarantine rows: every problem of a row, with file, line, row, record, column and raw row."""

from __future__ import annotations

import json

import duckdb
from ingest_helpers import IngestBytes, csv_bytes, quarantine_rows

from immigrationos.sources.config import SourceConfig
from immigrationos.sources.contracts import CONTRACTS
from immigrationos.sources.ingest import ingest_file


def test_quarantine_row_content(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    rows = [
        {"record_id": "V-1"},
        {"record_id": "V-2", "visa_number": "", "sex": "Q", "issue_date": "2024-03-01"},
    ]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    quarantined = quarantine_rows(con)
    # Three problems on the second data row (line 3), all reported, ordered by column name.
    assert [row["column"] for row in quarantined] == ["issue_date", "sex", "visa_number"]
    issue, sex, visa = quarantined
    assert issue["reason"] == (
        "visas.csv row 2 (line 3): issue_date '2024-03-01' is not a valid DD/MM/YYYY date"
    )
    assert sex["reason"] == "visas.csv row 2 (line 3): sex 'Q' is not one of M, F, X"
    assert visa["reason"] == "visas.csv row 2 (line 3): visa_number is required but empty"
    for row in quarantined:
        assert (row["file"], row["source"], row["line"], row["row_number"]) == (
            "visas.csv",
            "visas",
            3,
            2,
        )
        assert row["record_id"] == "V-2"
        assert row["load_id"] == report.load_id
        assert json.loads(row["raw"])["sex"] == "Q"
    assert sex["value"] == "Q"
    assert con.execute("SELECT record_id FROM records").fetchall() == [("V-1",)]


def test_repeated_record_id_all_quarantined(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # V-7 on lines 2 and 4: neither version is loaded; V-8 on line 3 loads.
    rows = [
        {"record_id": "V-7", "given_name": "Ana"},
        {"record_id": "V-8"},
        {"record_id": "V-7", "given_name": "Eva"},
    ]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    assert report.rows_quarantined == 2
    assert con.execute("SELECT record_id FROM records").fetchall() == [("V-8",)]
    first, second = quarantine_rows(con)
    assert (first["row_number"], second["row_number"]) == (1, 3)
    for quarantined in (first, second):
        assert quarantined["reason"].endswith(
            "record_id 'V-7' appears more than once in this file (first on line 2); "
            "no occurrence is loaded"
        )


def test_repeated_record_id_first_invalid(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # The first V-7 has an invalid issue date; the message must not claim it was loaded.
    rows = [{"record_id": "V-7", "issue_date": "30/02/2024"}, {"record_id": "V-7"}]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    assert report.rows_loaded == 0
    reasons = [row["reason"] for row in quarantine_rows(con)]
    assert len(reasons) == 3
    assert "issue_date '30/02/2024' is not a valid DD/MM/YYYY date" in reasons[0]
    assert all("loaded" not in reason or "no occurrence is loaded" in reason for reason in reasons)
    assert sum("(first on line 2); no occurrence is loaded" in reason for reason in reasons) == 2


def test_quoted_newline_rejects_file(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # No column may hold a line break, so the quoted field spanning lines 2-3 rejects the file.
    data = csv_bytes("visas", [{"record_id": "V-1", "post": "Line one\nline two"}])
    data += b"V-2,VN1\r\n"
    report = ingest_bytes("visas", data)

    assert report.rejection == (
        "visas.csv: lines 2-3, column 'post': a field contains a line break, which no column "
        "allows; an unbalanced double quote probably joined lines 2-3; fix the quoting and send "
        "the file again"
    )
    assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


def test_missing_required_column_rejects_file(con: duckdb.DuckDBPyConnection, tmp_path) -> None:
    path = tmp_path / "visas.csv"
    path.write_bytes(
        b"record_id,given_name,family_name,dob,issue_date\r\nV-1,Ana,Lopez,01/02/1990,01/03/2024\r\n"
    )
    report = ingest_file(con=con, path=path, contract=CONTRACTS["visas"], config=SourceConfig())

    assert report.rejection is not None
    assert "missing required columns: visa_number, visa_class" in report.rejection
    assert report.rejection.startswith("visas.csv: ")
    assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


def test_column_order_free(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    data = (
        b"issue_date,visa_class,dob,family_name,given_name,visa_number,record_id\r\n"
        b"01/03/2024,B2,06/11/1987,Benmoussa,Tariq,VN1,V-1001\r\n"
    )
    report = ingest_bytes("visas", data)

    assert report.rows_loaded == 1
    row = con.execute("SELECT given_name, dob::VARCHAR FROM records").fetchone()
    assert row == ("Tariq", "1987-11-06")
