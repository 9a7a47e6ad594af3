import json
from datetime import date

import duckdb
import pytest

from immigrationos import staging
from immigrationos.progress import NullProgress
from immigrationos.status.derive import derive_all

AS_OF = date(2026, 12, 4)

ROWS = [
    # (person_id, record_uid, attrs)
    ("P1", "arrivals:A-0201",
     {"admission_date": "2026-03-02", "admit_until": "2026-08-31", "class_of_admission": "B2",
      "mode": "air"}),
    ("P2", "arrivals:A-0202",
     {"admission_date": "2026-03-02", "admit_until": "2026-08-31", "class_of_admission": "B2",
      "mode": "air"}),
    ("P2", "departures:D-0202",
     {"departure_ts": "2026-08-20T18:05:00+02:00", "departure_date": "2026-08-20",
      "mode": "air", "evidence_kind": "carrier_manifest"}),
    # Unreadable: the court record has no NTA date, so P3 is derived from nothing else.
    ("P3", "court:C-1", {"decision": "pending"}),
]  # fmt: skip


def staged(
    rows: list[tuple[str, str, dict[str, object]]], dob: date | None = None
) -> duckdb.DuckDBPyConnection:
    """Return a staging store with ``rows`` of (person_id, record_uid, attrs) linked."""
    connection = staging.connect(":memory:")
    for line, (person_id, uid, attrs) in enumerate(rows, start=1):
        source, record_id = uid.split(":")
        connection.execute(
            "INSERT INTO records (record_uid, source, record_id, load_id, line, dob, attrs, "
            "row_hash) VALUES (?, ?, ?, 'L1', ?, ?, ?, 'h')",
            [uid, source, record_id, line, dob, json.dumps(attrs)],
        )
        connection.execute(
            "INSERT INTO person_records VALUES (?, ?, 1.0, 'exact')", [uid, person_id]
        )
    return connection


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return staged(ROWS)


def test_derive_writes_status_per_person(con: duckdb.DuckDBPyConnection) -> None:
    report = derive_all(con=con, as_of=AS_OF, progress=NullProgress())
    rows = con.execute(
        "SELECT person_id, status, since, overstay_days, evidence, flags FROM person_status "
        "ORDER BY person_id"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("P1", "potential_overstay_unconfirmed", date(2026, 9, 1), 95),
        ("P2", "departed", date(2026, 8, 20), 0),
        ("P3", "unknown", None, None),
    ]
    assert json.loads(rows[1][4]) == ["arrivals:A-0202", "departures:D-0202"]
    assert "unconfirmed" in json.loads(rows[0][5])
    assert report.persons == 3
    assert report.unreadable_records == 1
    assert report.counts["departed"] == 1
    assert "departed" in report.render()


def test_derive_writes_periods_and_replaces_previous_run(
    con: duckdb.DuckDBPyConnection,
) -> None:
    derive_all(con=con, as_of=AS_OF, progress=NullProgress())
    derive_all(con=con, as_of=AS_OF, progress=NullProgress())
    assert con.execute("SELECT count(*) FROM person_status").fetchall() == [(3,)]
    periods = con.execute(
        "SELECT seq, start_date, end_date, status FROM status_periods WHERE person_id = 'P1' "
        "ORDER BY seq"
    ).fetchall()
    assert periods == [
        (1, date(2026, 3, 2), date(2026, 8, 31), "in_status"),
        (2, date(2026, 9, 1), None, "potential_overstay_unconfirmed"),
    ]


def test_leap_day_flag_reaches_person_status() -> None:
    # Until 2027-01-31, left 2028-02-29 after 393 days of unlawful presence: the 10-year bar
    # ends on the clamped anniversary 2038-02-28, which the stored flags must show.
    connection = staged([
        ("P1", "arrivals:A-1", {"admission_date": "2027-01-01", "admit_until": "2027-01-31",
                                "class_of_admission": "B2", "mode": "air"}),
        ("P1", "departures:D-1", {"departure_date": "2028-02-29", "mode": "air",
                                  "evidence_kind": "carrier_manifest"}),
    ])  # fmt: skip

    derive_all(con=connection, as_of=date(2028, 3, 10), progress=NullProgress())

    ((status, flags),) = connection.execute("SELECT status, flags FROM person_status").fetchall()
    assert status == "departed"
    assert "leap_day_adjusted" in json.loads(flags)
    period_flags = connection.execute(
        "SELECT flags FROM status_periods WHERE end_date IS NULL"
    ).fetchall()
    assert "leap_day_adjusted" in json.loads(period_flags[0][0])


def test_derive_reads_dob_from_records_table() -> None:
    # The child's DOB (2010-05-01) sits in the records table's dob column, not in attrs.
    # With it, INA 320 decides: permanent resident 2016-03-01, parent naturalised
    # 2020-06-15 while the child was 10, so a citizen since 2020-06-15. Without the DOB the
    # claim would only go to review and the status would stay lawful_permanent_resident.
    connection = staged([
        ("P1", "benefits:B-1", {"form": "I-485", "filed_date": "2015-09-01",
                                "decision": "approved", "decision_date": "2016-03-01"}),
        ("P1", "benefits:B-2", {"form": "N-600", "filed_date": "2026-01-10",
                                "decision": "pending", "parent_a_number": "A123456789",
                                "parent_custody": True,
                                "parent_naturalisation_date": "2020-06-15"}),
    ], dob=date(2010, 5, 1))  # fmt: skip

    derive_all(con=connection, as_of=AS_OF, progress=NullProgress())

    ((status, rule_id, since),) = connection.execute(
        "SELECT status, rule_id, since FROM person_status"
    ).fetchall()
    assert (status, rule_id, since) == ("citizen", "derived_citizenship", date(2020, 6, 15))


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a staging store of 800 generated persons, each record linked to its true person."""
    from immigrationos.sources.ingest import ingest_directory
    from immigrationos.synth.generator import generate

    folder = tmp_path_factory.mktemp("generated")
    generate(persons=800, seed=3, out_dir=folder / "synth", as_of=AS_OF, progress=NullProgress())
    path = str(folder / "staging.duckdb")
    connection = staging.connect(path)
    ingest_directory(
        con=connection, extracts_dir=folder / "synth" / "extracts", progress=NullProgress()
    )
    connection.execute(
        "INSERT INTO person_records SELECT source || ':' || record_id, person_id, 1.0, 'truth' "
        "FROM read_csv(?, all_varchar = true)",
        [str(folder / "synth" / "truth" / "records.csv")],
    )
    connection.close()
    return path


def _outputs(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        for table in ("person_status", "status_periods", "status_stays")
    }


def test_derive_parallel_equals_serial(
    generated_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from immigrationos.status import derive

    con = staging.connect(generated_store)
    serial = derive_all(con=con, as_of=AS_OF, progress=NullProgress(), workers=1)
    serial_rows = _outputs(con)
    # Small batches put many persons' rows across batch boundaries.
    monkeypatch.setattr(derive, "BATCH_ROWS", 257)
    parallel = derive_all(con=con, as_of=AS_OF, progress=NullProgress(), workers=2)
    parallel_rows = _outputs(con)
    con.close()

    assert serial.persons == parallel.persons == 800
    assert parallel.workers == 2
    assert serial.counts == parallel.counts
    for table, rows in serial_rows.items():
        assert len(rows) == len(parallel_rows[table]), table
        assert rows == parallel_rows[table], table
    assert len(serial_rows["status_stays"]) == serial.stays > 0


def test_derive_rejects_zero_workers(con: duckdb.DuckDBPyConnection) -> None:
    from immigrationos.status.errors import StatusError

    with pytest.raises(StatusError, match="invalid workers 0"):
        derive_all(con=con, as_of=AS_OF, progress=NullProgress(), workers=0)


def test_derive_stores_unlawful_presence_and_bar() -> None:
    # Admitted until 2023-07-09, left 2024-09-01: unlawful presence from 2023-07-10, well
    # over a year, so the departure triggers the 10-year bar (INA 212(a)(9)(B)(i)(II)).
    rows = [
        ("P4", "arrivals:A-0204",
         {"admission_date": "2023-01-10", "admit_until": "2023-07-09",
          "class_of_admission": "B2", "mode": "air"}),
        ("P4", "departures:D-0204",
         {"departure_ts": "2024-09-01T21:40:00-04:00", "departure_date": "2024-09-01",
          "mode": "air", "evidence_kind": "carrier_manifest"}),
    ]  # fmt: skip
    connection = staged(rows, dob=date(1980, 5, 17))

    derive_all(con=connection, as_of=AS_OF, progress=NullProgress())
    stored = connection.execute(
        "SELECT status, unlawful_presence_days, reentry_bar, reentry_bar_until "
        "FROM person_status WHERE person_id = 'P4'"
    ).fetchall()

    # 2023-07-10 to 2024-07-09 is 366 days (2024-02-29 included), and 2024-07-10 to
    # 2024-08-31 is 53 more; the departure day itself is not unlawful presence. The bar
    # runs ten years from the departure, so its last day is 2034-08-31.
    assert stored == [("departed", 419, "10_year", date(2034, 8, 31))]
