"""Encodings, byte-order marks and double-encoded text."""

from __future__ import annotations

import duckdb
import pytest
from ingest_helpers import IngestBytes, flags_of, record_get

from immigrationos.sources.config import SourceConfig

# The benefits file of a cp1252 export: 0xED is "í", 0xF1 "ñ", 0xE3 "ã", 0xE7 "ç".
CP1252_HEADER = b"record_id,receipt_number,given_name,family_name,dob,form,filed_date,decision\r\n"
CP1252_BYTES = (
    CP1252_HEADER
    + b"B-1401,IOE1401,Sof\xeda,Pe\xf1alver,1992-12-08,I-539,2024-01-10,pending\r\n"
    + b"B-1402,IOE1402,Jo\xe3o,Gon\xe7alves,1987-04-14,I-539,2024-01-10,pending\r\n"
)


def test_cp1252_declared_reads_accents(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    report = ingest_bytes("benefits", CP1252_BYTES, SourceConfig(encoding="cp1252"))

    assert report.rejection is None
    assert report.rows_loaded == 2
    first = record_get(con, "benefits:B-1401")
    second = record_get(con, "benefits:B-1402")
    assert (first["given_name"], first["family_name"]) == ("Sofía", "Peñalver")
    assert (second["given_name"], second["family_name"]) == ("João", "Gonçalves")


def test_cp1252_undeclared_rejects_file(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    report = ingest_bytes("benefits", CP1252_BYTES)

    # The first bad byte is the 0xED of "Sofía": line 2, after the header and "B-1401,IOE1401,Sof".
    offset = len(CP1252_HEADER) + len(b"B-1401,IOE1401,Sof")
    assert report.rejection is not None
    assert report.rejection.startswith(f"benefits.csv: line 2, byte offset {offset}: byte 0xED")
    assert "encoding: cp1252" in report.rejection
    assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)


def test_bom_offset_counts_file_bytes(ingest_bytes: IngestBytes) -> None:
    # The 3-byte BOM is part of the file, so the reported offset includes it.
    data = b"\xef\xbb\xbf" + CP1252_BYTES
    report = ingest_bytes("benefits", data)

    offset = 3 + len(CP1252_HEADER) + len(b"B-1401,IOE1401,Sof")
    assert report.rejection is not None
    assert f"byte offset {offset}: byte 0xED" in report.rejection


@pytest.mark.parametrize(
    ("repair", "expected_given", "expected_family", "expected_flag"),
    [
        (False, "SofÃ\u00ada", "PeÃ±alver", "mojibake_suspected"),
        (True, "Sofía", "Peñalver", "mojibake_repaired"),
    ],
)
def test_double_encoded_row_flagged(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    repair: bool,
    expected_given: str,
    expected_family: str,
    expected_flag: str,
) -> None:
    # "Sofía" in UTF-8 is 53 6F 66 C3 AD 61; read as cp1252 that is "SofÃ" + soft hyphen + "a".
    row = "B-1403,IOE1403,SofÃ\u00ada,PeÃ±alver,1992-12-08,I-539,2024-01-10,pending\r\n"
    data = CP1252_HEADER + row.encode("utf-8")
    report = ingest_bytes("benefits", data, SourceConfig(repair_mojibake=repair))

    record = record_get(con, "benefits:B-1403")
    assert report.rows_loaded == 1
    assert record["given_name"] == expected_given
    assert record["family_name"] == expected_family
    assert flags_of(con, "benefits:B-1403") == [
        ("family_name", expected_flag),
        ("given_name", expected_flag),
    ]


def test_replacement_character_never_staged(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # A U+FFFD already in the export means a letter was lost upstream: the row is quarantined.
    row = "B-1404,IOE1404,Sof\ufffda,Lopez,1992-12-08,I-539,2024-01-10,pending\r\n"
    report = ingest_bytes("benefits", CP1252_HEADER + row.encode("utf-8"))

    assert report.rows_quarantined == 1
    assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    reason = con.execute("SELECT reason FROM quarantine").fetchone()
    assert reason is not None
    assert "U+FFFD" in reason[0]


def test_no_replacement_character_after_any_load(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    ingest_bytes("benefits", CP1252_BYTES, SourceConfig(encoding="cp1252"))
    ingest_bytes("benefits", CP1252_BYTES)

    staged = con.execute(
        "SELECT count(*) FROM records WHERE given_name LIKE '%\ufffd%' "
        "OR family_name LIKE '%\ufffd%' OR attrs::VARCHAR LIKE '%\ufffd%'"
    )
    assert staged.fetchone() == (0,)


BOM_BYTES = (
    b'\xef\xbb\xbf"record_id","i94_number","given_name","family_name","dob","passport_no",'
    b'"class_of_admission","admission_ts","port","port_tz","mode"\r\n'
    b'"A-1501","9415010001","Ines","Marchetti-Rao","08/21/1994","PL3340912","B2",'
    b'"2024-03-05T10:00:00","JFK","America/New_York","air"\r\n'
    b'"A-1502","9415020001","Kwame","Ofori-Lind","01/03/1989","PL7781204","B2",'
    b'"2024-03-05T10:00:00","JFK","America/New_York","air"\r\n'
)


def test_bom_and_quoted_header(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    report = ingest_bytes("arrivals", BOM_BYTES)

    assert report.rejection is None
    assert report.rows_loaded == 2
    ids = con.execute("SELECT record_id FROM records ORDER BY record_id").fetchall()
    assert ids == [("A-1501",), ("A-1502",)]
    assert record_get(con, "arrivals:A-1501")["dob"].isoformat() == "1994-08-21"


def test_bom_reload_idempotent(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    ingest_bytes("arrivals", BOM_BYTES)
    again = ingest_bytes("arrivals", BOM_BYTES)

    assert again.skipped
    assert con.execute("SELECT count(*) FROM records").fetchone() == (2,)
    assert con.execute("SELECT count(*) FROM loads").fetchone() == (1,)


def test_stray_bom_in_header_shown_by_repr(ingest_bytes: IngestBytes) -> None:
    # A second BOM survives the strip of the first, and the csv module then keeps the quotes.
    report = ingest_bytes("arrivals", b"\xef\xbb\xbf" + BOM_BYTES)

    assert report.rejection is not None
    assert "'\\ufeff\"record_id\"'" in report.rejection
    assert "missing required columns: record_id" in report.rejection
