"""Idempotent reloads of files and directories, and replacement of changed rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from ingest_helpers import RUN_DATE, IngestBytes, csv_bytes, flags_of, record_get

from immigrationos import staging
from immigrationos.progress import NullProgress
from immigrationos.sources import ingest as ingest_module
from immigrationos.sources.ingest import ingest_directory


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for table in ("loads", "records", "quarantine", "dq_flags"):
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        counts[table] = int(row[0])
    return counts


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "visas.csv").write_bytes(
        csv_bytes("visas", [{"record_id": "V-1"}, {"record_id": "V-2", "dob": "31/02/1990"}])
    )
    (folder / "arrivals.csv").write_bytes(
        csv_bytes("arrivals", [{"record_id": "A-1"}, {"record_id": "A-2", "mode": "rail"}])
    )
    (folder / "criminal.csv").write_bytes(
        csv_bytes("criminal", [{"record_id": "C-1", "given_name": "SofÃ\u00ada"}])
    )
    return folder


def test_directory_reload_changes_nothing(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    first = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )
    before = _counts(con)
    second = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    # V-1, V-2 (kept with a NULL DOB), A-1 and C-1 load; A-2 has an unknown mode.
    assert before == {"loads": 3, "records": 4, "quarantine": 2, "dq_flags": 2}
    assert _counts(con) == before
    assert first.ok
    assert second.ok
    assert [report.skipped for report in second.files] == [True, True, True]
    assert "already loaded, skipped" in second.render()


def test_directory_report_lists_files(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    (extracts / "visa.csv").write_bytes(b"record_id\r\n")
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    assert [(r.file, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in report.files] == [
        ("visas.csv", 2, 2, 0),
        ("arrivals.csv", 2, 1, 1),
        ("criminal.csv", 1, 1, 0),
    ]
    assert report.ignored == ["visa.csv"]
    assert "departures.csv" in report.missing
    assert "ignored (no contract): visa.csv" in report.render()


def test_rejected_file_fails_report(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    (extracts / "benefits.csv").write_bytes(b"record_id,given_name\r\nB-1,Sof\xeda\r\n")
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    # The header line is 22 bytes and "B-1,Sof" 7 more, so 0xED sits at offset 29.
    assert not report.ok
    assert "rejected: benefits.csv: line 2, byte offset 29: byte 0xED" in report.render()
    # The other files still load.
    assert _counts(con)["records"] == 4


def test_changed_row_replaces_record(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1"}, {"record_id": "V-2"}]))
    first_hash = record_get(con, "visas:V-1")["row_hash"]
    # A new extract re-sends V-1 unchanged, changes V-2's name and adds V-3.
    rows = [{"record_id": "V-1"}, {"record_id": "V-2", "given_name": "Eva"}, {"record_id": "V-3"}]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    assert (report.records_new, report.records_replaced, report.records_unchanged) == (1, 1, 1)
    assert con.execute("SELECT count(*) FROM records").fetchone() == (3,)
    assert record_get(con, "visas:V-2")["given_name"] == "Eva"
    unchanged = record_get(con, "visas:V-1")
    assert unchanged["row_hash"] == first_hash
    assert unchanged["load_id"] != report.load_id


def test_replaced_record_drops_old_flags(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1", "dob": "31/02/1990"}]))
    ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1", "dob": "28/02/1990"}]))

    assert con.execute("SELECT count(*) FROM dq_flags").fetchone() == (0,)
    assert record_get(con, "visas:V-1")["dob"].isoformat() == "1990-02-28"


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("benefits: {encodng: cp1252}", "benefits: unknown keys 'encodng'"),
        ("benefit: {encoding: cp1252}", "unknown source 'benefit'"),
        ("benefits: {encoding: cp9999}", "benefits: unknown encoding 'cp9999'"),
        ("benefits: {date_formats: {dob: YYYY/DD}}", "invalid date format 'YYYY/DD'"),
        ("benefits: {date_formats: {form: DD-MM-YY}}", "column 'form' is not a date column"),
        (
            "benefits: {date_formats: {filed_date: DD-MM-YY}}",
            "benefits.filed_date: two-digit years are supported only for dob",
        ),
        # rot13 and hex are bytes-to-bytes codecs; 'undefined' raises on every use.
        ("benefits: {encoding: rot13}", "benefits: encoding 'rot13' is not a text encoding"),
        ("benefits: {encoding: hex}", "benefits: encoding 'hex' is not a text encoding"),
        (
            "benefits: {encoding: undefined}",
            "benefits: encoding 'undefined' cannot encode or decode text",
        ),
        (
            "benefits: {encoding: [utf-8]}",
            "benefits: encoding ['utf-8'] is not an encoding name",
        ),
        (
            "benefits: {date_formats: {dob: DD/MM/YYYY/DD}}",
            "invalid date format 'DD/MM/YYYY/DD': expected exactly one day field, found 2",
        ),
        (
            "benefits: {date_formats: {dob: '%m-%d-%Y-%m'}}",
            "invalid date format '%m-%d-%Y-%m': expected exactly one month field, found 2",
        ),
        (
            "benefits: {date_formats: {dob: YYYY-MM-DD-YY}}",
            "invalid date format 'YYYY-MM-DD-YY': expected exactly one year field, found 2",
        ),
    ],
)
def test_config_errors_named(
    con: duckdb.DuckDBPyConnection, extracts: Path, yaml_text: str, expected: str
) -> None:
    (extracts / "sources.yaml").write_text(yaml_text + "\n", encoding="utf-8")
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    assert not report.ok
    assert expected in report.errors[0]
    assert _counts(con)["loads"] == 0


def test_config_encoding_applied(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    (extracts / "sources.yaml").write_text(
        "criminal: {repair_mojibake: true}\nvisas: {date_formats: {dob: '%d/%m/%Y'}}\n",
        encoding="utf-8",
    )
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    assert report.ok
    assert record_get(con, "criminal:C-1")["given_name"] == "Sofía"


def test_worker_processes_same_result(
    con: duckdb.DuckDBPyConnection, extracts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Force the process pool even for tiny files; the staged tables must match a serial load.
    serial = staging.connect(":memory:")
    ingest_directory(con=serial, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE)
    monkeypatch.setattr(ingest_module, "_PARALLEL_MIN_BYTES", 0)
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    query = "SELECT record_uid, dob, attrs::VARCHAR, row_hash FROM records ORDER BY record_uid"
    assert report.ok
    assert [file_report.source for file_report in report.files] == ["visas", "arrivals", "criminal"]
    assert con.execute(query).fetchall() == serial.execute(query).fetchall()
    assert _counts(con) == _counts(serial)


def test_config_folder_is_error(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    (extracts / "sources.yaml").mkdir()
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    assert not report.ok
    assert "sources.yaml must be a YAML file, but it is a folder" in report.errors[0]
    assert _counts(con)["loads"] == 0


def test_config_fix_reapplies(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    # The visas file has ISO dates although the contract declares DD/MM/YYYY, so both rows are
    # quarantined. Declaring YYYY-MM-DD then reloads the unchanged file and both rows load.
    (extracts / "visas.csv").write_bytes(
        csv_bytes(
            "visas",
            [
                {"record_id": "V-1", "dob": "1990-02-01", "issue_date": "2024-03-01"},
                {"record_id": "V-2", "dob": "1985-04-03", "issue_date": "2024-06-05"},
            ],
        )
    )
    first = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )
    (extracts / "sources.yaml").write_text(
        "visas: {date_formats: {dob: YYYY-MM-DD, issue_date: YYYY-MM-DD}}\n", encoding="utf-8"
    )
    second = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )
    third = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    assert first.files[0].rows_quarantined == 2
    assert second.files[0].rows_loaded == 2
    assert not second.files[0].skipped
    # The other files and their configuration did not change, so they are skipped.
    assert [report.skipped for report in second.files[1:]] == [True, True]
    assert [report.skipped for report in third.files] == [True, True, True]
    assert record_get(con, "visas:V-2")["dob"].isoformat() == "1985-04-03"


def test_default_format_declared_skips(con: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    # Declaring the contract's own DD/MM/YYYY leaves the effective configuration unchanged.
    ingest_directory(con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE)
    (extracts / "sources.yaml").write_text(
        "visas: {date_formats: {dob: DD/MM/YYYY}, encoding: UTF8}\n", encoding="utf-8"
    )
    report = ingest_directory(
        con=con, extracts_dir=extracts, progress=NullProgress(), today=RUN_DATE
    )

    assert report.files[0].skipped


def test_reverted_file_reloads(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    # A, then the correction B, then A again: A is not the latest load, so it loads again.
    version_a = csv_bytes("visas", [{"record_id": "V-1", "given_name": "Ana"}])
    version_b = csv_bytes("visas", [{"record_id": "V-1", "given_name": "Anna"}])
    first = ingest_bytes("visas", version_a)
    ingest_bytes("visas", version_b)
    third = ingest_bytes("visas", version_a)
    fourth = ingest_bytes("visas", version_a)

    assert not third.skipped
    assert third.records_replaced == 1
    assert record_get(con, "visas:V-1")["given_name"] == "Ana"
    assert third.load_id == f"{first.load_id}-2"
    assert fourth.skipped
    assert _counts(con)["loads"] == 3


def test_resend_quarantine_not_repeated(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # V-2's bad sex code is in both versions; in the second it moves from line 3 to line 4
    # because V-0 is added first. It stays one quarantine entry.
    bad = {"record_id": "V-2", "sex": "Q"}
    ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1"}, bad]))
    rows = [{"record_id": "V-0"}, {"record_id": "V-1"}, bad]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    assert report.rows_quarantined == 1
    assert con.execute("SELECT line FROM quarantine").fetchall() == [(3,)]


def test_newer_version_quarantined_flag(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # V-1 loads, then a new file sends V-1 with an invalid sex: the staged version stays and is
    # flagged. A third file with a valid V-1 replaces it and clears the flag.
    first = ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1"}]))
    second = ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1", "sex": "Q"}]))

    assert record_get(con, "visas:V-1")["load_id"] == first.load_id
    assert flags_of(con, "visas:V-1") == [("record_id", "newer_version_quarantined")]
    detail = con.execute("SELECT detail FROM dq_flags").fetchone()
    assert detail is not None
    assert f"(load {second.load_id}) was quarantined" in detail[0]

    ingest_bytes("visas", csv_bytes("visas", [{"record_id": "V-1", "given_name": "Eva"}]))
    assert flags_of(con, "visas:V-1") == []


def test_folder_without_extracts_rejected(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # The synth output folder contains the extracts one level down, in extracts/.
    (tmp_path / "extracts").mkdir()

    report = ingest_directory(con=con, extracts_dir=tmp_path, progress=NullProgress())

    assert not report.ok
    assert "contains none of visas.csv" in report.errors[0]
    assert str(tmp_path / "extracts") in report.errors[0]
