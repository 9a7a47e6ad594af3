import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from immigrationos import staging
from immigrationos.policy import InvalidPolicyError
from immigrationos.policy.prioritise import prioritise_all
from immigrationos.progress import NullProgress

AS_OF = date(2026, 12, 4)

# (person_id, status, rule_id, evidence, flags, overstay_days)
STATUSES = [
    ("P1", "potential_overstay_unconfirmed", "stay_expired_unconfirmed", ["arrivals:A-1"],
     ["departure_not_recorded", "unconfirmed"], 234),
    ("P2", "lawful_permanent_resident", "adjusted_to_lpr", ["benefits:B-2"], [], None),
    ("P3", "final_order", "order_in_absentia", ["court:C-3"], [], None),
    ("P4", "citizen", "naturalised", ["benefits:B-4"], [], None),
]  # fmt: skip

# (record_uid, person_id, dob, attrs)
RECORDS = [
    ("arrivals:A-1", "P1", "1995-02-17", {}),
    ("benefits:B-2", "P2", "1980-01-01", {}),
    ("criminal:K-2", "P2", "1980-01-01",
     {"offence_category": "robbery", "severity": "felony", "violent": True,
      "tco_related": False, "conviction_date": "2024-03-01"}),
    ("court:C-3", "P3", "1985-05-05", {}),
    ("criminal:K-4", "P4", "1970-01-01",
     {"offence_category": "homicide", "severity": "felony", "violent": True,
      "tco_related": False, "conviction_date": "2020-03-01"}),
]  # fmt: skip


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = staging.connect(":memory:")
    for uid, person_id, dob, attrs in RECORDS:
        source, record_id = uid.split(":")
        connection.execute(
            "INSERT INTO records (record_uid, source, record_id, load_id, line, dob, attrs, "
            "row_hash) VALUES (?, ?, ?, 'L1', 1, ?, ?, 'h')",
            [uid, source, record_id, dob, json.dumps(attrs)],
        )
        connection.execute("INSERT INTO person_records VALUES (?, ?, 1.0, 'exact')",
                           [uid, person_id])  # fmt: skip
    for person_id, status, rule_id, evidence, flags, days in STATUSES:
        connection.execute(
            "INSERT INTO person_status VALUES (?, ?, ?, NULL, ?, NULL, NULL, ?, ?, ?, NULL, NULL, "
            "NULL)",
            [person_id, AS_OF, status, rule_id, json.dumps(evidence), json.dumps(flags), days],
        )
    # P3's court record is under review, so P3 is protected.
    connection.execute(
        "INSERT INTO review_items VALUES ('R1', 'pair', ?, ?, 0.7, 'partial surname')",
        [json.dumps(["court:C-3", "arrivals:X-9"]), json.dumps([])],
    )
    return connection


def _rows(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:  # type: ignore[type-arg]
    rows = con.execute(
        "SELECT person_id, tier, score, protected, protection, reasons FROM person_priority"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_prioritise_writes_tiers_and_protections(con: duckdb.DuckDBPyConnection) -> None:
    report = prioritise_all(con=con, policy_path=None, progress=NullProgress())
    rows = _rows(con)
    # P1: unconfirmed overstay, tier 3 with 5 points and the flag in its reason.
    assert rows["P1"][:4] == (3, 5, False, None)
    assert json.loads(rows["P1"][4])[0]["flags"] == ["unconfirmed"]
    # P2: permanent resident with a violent felony loses the protection: tier 1.
    assert rows["P2"][:4] == (1, 90, False, None)
    assert json.loads(rows["P2"][4])[0]["evidence"] == ["criminal:K-2"]
    # P3: final order, but the identity is under review.
    assert rows["P3"][:4] == (None, 0, True, "identity_under_review")
    reasons = json.loads(rows["P3"][4])
    assert reasons[0]["evidence"] == ["court:C-3", "arrivals:X-9"]
    assert reasons[1] == {"rule": "final_order", "tier": 2, "points": 40,
                          "text": "Final order of removal", "evidence": ["court:C-3"],
                          "suppressed": True, "flags": ["protected"]}  # fmt: skip
    # P4: citizen with a homicide conviction: no tier.
    assert rows["P4"][:4] == (None, 0, True, "citizen")
    assert report.tiers == {"tier 3": 1, "tier 1": 1, "protected": 2}
    assert "identity_under_review" in report.render()


def test_invalid_policy_leaves_previous_output(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    prioritise_all(con=con, policy_path=None, progress=NullProgress())
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: 2\n", encoding="utf-8")
    with pytest.raises(InvalidPolicyError, match="effective_date"):
        prioritise_all(con=con, policy_path=bad, progress=NullProgress())
    assert len(_rows(con)) == 4
