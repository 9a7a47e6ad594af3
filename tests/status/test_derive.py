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


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = staging.connect(":memory:")
    for line, (person_id, uid, attrs) in enumerate(ROWS, start=1):
        source, record_id = uid.split(":")
        connection.execute(
            "INSERT INTO records (record_uid, source, record_id, load_id, line, attrs, row_hash)"
            " VALUES (?, ?, ?, 'L1', ?, ?, 'h')",
            [uid, source, record_id, line, json.dumps(attrs)],
        )
        connection.execute(
            "INSERT INTO person_records VALUES (?, ?, 1.0, 'exact')", [uid, person_id]
        )
    return connection


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
