"""Possible matches to a protected person go to review before anyone is prioritised."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from immigrationos import staging
from immigrationos.policy.prioritise import prioritise_all
from immigrationos.progress import NullProgress

AS_OF = date(2026, 12, 4)

# (person_id, status); U* are unconfirmed overstays resting on one arrival each.
STATUSES = [
    ("C1", "citizen"),
    ("U1", "potential_overstay_unconfirmed"),
    ("U2", "potential_overstay_unconfirmed"),
    ("F1", "final_order"),
    ("F2", "final_order"),
]

# (record_uid, person_id, dob, sex, nationality)
RECORDS = [
    ("benefits:B-1", "C1", "1965-10-01", "F", "CHN"),
    # Same DOB, sex and nationality as the citizen: Hsiao-ling Chu beside Xiaoling Zhu.
    ("arrivals:A-1", "U1", "1965-10-01", "F", "CHN"),
    # Same DOB and sex but another nationality: no conflict.
    ("arrivals:A-2", "U2", "1965-10-01", "F", "TWN"),
    ("court:O-1", "F1", "1971-03-03", "M", "MEX"),
    ("court:O-2", "F2", "1972-04-04", "M", "MEX"),
]

# (left, right, probability): F1 scored 0.10 against the citizen, F2 only 0.02.
PAIRS = [("court:O-1", "benefits:B-1", 0.10), ("benefits:B-1", "court:O-2", 0.02)]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = staging.connect(":memory:")
    for uid, person_id, dob, sex, nationality in RECORDS:
        source, record_id = uid.split(":")
        connection.execute(
            "INSERT INTO records (record_uid, source, record_id, load_id, line, dob, sex, "
            "nationality, attrs, row_hash) VALUES (?, ?, ?, 'L1', 1, ?, ?, ?, '{}', 'h')",
            [uid, source, record_id, dob, sex, nationality],
        )
        connection.execute(
            "INSERT INTO person_records VALUES (?, ?, 1.0, 'exact')", [uid, person_id]
        )
    for person_id, status in STATUSES:
        connection.execute(
            "INSERT INTO person_status VALUES (?, ?, ?, NULL, 'rule', NULL, NULL, '[]', ?, ?, "
            "NULL, NULL, NULL)",
            [
                person_id,
                AS_OF,
                status,
                json.dumps(["unconfirmed"] if status.startswith("potential") else []),
                234 if status.startswith("potential") else None,
            ],
        )
    for left, right, probability in PAIRS:
        connection.execute(
            "INSERT INTO pairs VALUES (?, ?, NULL, ?, 'no_link', 'splink', NULL)",
            [left, right, probability],
        )
    return connection


def _priority(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int | None, str | None]]:
    rows = con.execute("SELECT person_id, tier, protection FROM person_priority").fetchall()
    return {person_id: (tier, protection) for person_id, tier, protection in rows}


def test_conflicts_protect_until_review(con: duckdb.DuckDBPyConnection) -> None:
    prioritise_all(con=con, policy_path=None, progress=NullProgress())

    priority = _priority(con)
    assert priority["U1"] == (None, "identity_under_review")
    assert priority["F1"] == (None, "identity_under_review")
    assert priority["U2"][0] == 3
    assert priority["F2"][0] == 2
    assert priority["C1"] == (None, "citizen")


def test_conflict_review_items_name_both_persons(con: duckdb.DuckDBPyConnection) -> None:
    prioritise_all(con=con, policy_path=None, progress=NullProgress())

    rows = con.execute(
        "SELECT person_ids, record_uids, match_probability, reason FROM review_items "
        "WHERE kind = 'protected_conflict' ORDER BY reason"
    ).fetchall()
    assert len(rows) == 2
    by_person = {json.loads(row[0])[0]: row for row in rows}
    assert json.loads(by_person["F1"][0]) == ["F1", "C1"]
    assert json.loads(by_person["F1"][1]) == ["benefits:B-1", "court:O-1"]
    assert by_person["F1"][2] == pytest.approx(0.10)
    assert "scored 0.10" in by_person["F1"][3]
    assert by_person["U1"][2] is None
    assert "same date of birth, sex and nationality" in by_person["U1"][3]


def test_rerun_keeps_one_item_per_conflict(con: duckdb.DuckDBPyConnection) -> None:
    prioritise_all(con=con, policy_path=None, progress=NullProgress())
    prioritise_all(con=con, policy_path=None, progress=NullProgress())

    count = con.execute(
        "SELECT count(*) FROM review_items WHERE kind = 'protected_conflict'"
    ).fetchall()
    assert count == [(2,)]
    # A rerun sees U1 under review already, and still keeps it protected.
    assert _priority(con)["U1"] == (None, "identity_under_review")
