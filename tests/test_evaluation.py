"""Evaluation figures on a tiny hand-made truth."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pytest

from immigrationos import staging
from immigrationos.evaluation import EvaluationError, evaluate, render_evaluation

# True persons: T1 = r1 r2 r3, T2 = r4 r5, T3 = r6.
# Predicted:    P1 = r1 r2,    P2 = r3 r4 r5, P3 = r6.
TRUTH_RECORDS = [("r1", "T1"), ("r2", "T1"), ("r3", "T1"), ("r4", "T2"), ("r5", "T2"),
                 ("r6", "T3")]  # fmt: skip
PREDICTED = [("r1", "P1"), ("r2", "P1"), ("r3", "P2"), ("r4", "P2"), ("r5", "P2"),
             ("r6", "P3")]  # fmt: skip


def _truth(folder: Path) -> Path:
    folder.mkdir()
    lines = ["source,record_id,person_id"] + [f"visas,{r},{p}" for r, p in TRUTH_RECORDS]
    (folder / "records.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "persons.csv").write_text(
        "person_id,status,protection\nT1,overstay,\nT2,in_status,\nT3,citizen,citizen\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def con() -> Iterable[duckdb.DuckDBPyConnection]:
    connection = staging.connect(":memory:")
    connection.executemany(
        "INSERT INTO person_records VALUES (?, ?, 1.0, 'splink')",
        [(f"visas:{r}", p) for r, p in PREDICTED],
    )
    yield connection
    connection.close()


def _fill_status_and_priority(con: duckdb.DuckDBPyConnection) -> None:
    for person, status in (("P1", "potential_overstay_unconfirmed"), ("P2", "in_status"),
                           ("P3", "in_status")):  # fmt: skip
        con.execute(
            "INSERT INTO person_status (person_id, as_of, status, rule_id, evidence, flags) "
            "VALUES (?, DATE '2026-12-04', ?, 'rule', '[]', '[]')",
            [person, status],
        )
    for person, tier in (("P1", 1), ("P2", None), ("P3", 2)):
        con.execute(
            "INSERT INTO person_priority VALUES (?, 'v1', ?, 0, false, NULL, '[]')",
            [person, tier],
        )
    con.execute("INSERT INTO review_items VALUES ('R1', 'pair', '[]', '[]', 0.7, 'review band')")


def test_pairwise_figures(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _fill_status_and_priority(con)

    figures = evaluate(con=con, truth_dir=_truth(tmp_path / "truth"))

    # Predicted pairs: P1 1 + P2 3 = 4. True pairs: T1 3 + T2 1 = 4.
    # Correct: r1-r2 (P1, T1) and r4-r5 (P2, T2) = 2, so precision = recall = F1 = 0.5.
    assert figures["pairwise_precision"] == pytest.approx(0.5)
    assert figures["pairwise_recall"] == pytest.approx(0.5)
    assert figures["pairwise_f1"] == pytest.approx(0.5)
    # P2 contains records of T1 and T2.
    assert figures["wrongful_merges"] == 1
    # True pairs r1-r3 and r2-r3 are split.
    assert figures["missed_links"] == 2
    assert figures["review_items"] == 1


def test_status_and_protection_figures(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _fill_status_and_priority(con)

    figures = evaluate(con=con, truth_dir=_truth(tmp_path / "truth"))

    # T1's main person is P1 (two of three records): unconfirmed overstay counts for
    # overstay. T3 is a citizen shown as in_status, and P3 carries tier 2.
    assert figures["status_accuracy"] == {"citizen": 0.0, "in_status": 1.0, "overstay": 1.0}
    assert figures["protected_with_tier"] == 1
    assert set(figures) == {
        "pairwise_precision", "pairwise_recall", "pairwise_f1", "wrongful_merges",
        "missed_links", "review_items", "status_accuracy", "protected_with_tier",
        "truth_records_not_staged", "staged_records_not_in_truth", "status_detail",
        "overstay_report_vs_truth",
    }  # fmt: skip


def test_empty_status_tables_reported(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    figures = evaluate(con=con, truth_dir=_truth(tmp_path / "truth"))

    assert figures["status_accuracy"] is None
    assert figures["protected_with_tier"] is None
    text = render_evaluation(figures)
    assert "person_status is empty" in text
    assert "person_priority is empty" in text


def test_missing_truth_file_names_path(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match=r"records\.csv"):
        evaluate(con=con, truth_dir=tmp_path)


@pytest.mark.parametrize(("protection", "expected"), [("lawful_permanent_resident", 1), ("", 0)])
def test_convicted_resident_not_counted_as_protected(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, protection: str, expected: int
) -> None:
    _fill_status_and_priority(con)
    truth = _truth(tmp_path / "truth")
    # T3 is a permanent resident; the truth leaves the protection empty when a qualifying
    # conviction makes them removable, and then P3's tier 2 is no error.
    (truth / "persons.csv").write_text(
        "person_id,status,protection\nT1,overstay,\nT2,in_status,\n"
        f"T3,lawful_permanent_resident,{protection}\n",
        encoding="utf-8",
    )

    figures = evaluate(con=con, truth_dir=truth)

    assert figures["protected_with_tier"] == expected


def test_unstaged_truth_records_lower_recall(tmp_path: Path) -> None:
    con = staging.connect(":memory:")
    # Only r1 and r4 were staged, each its own person: no predicted pair at all.
    con.executemany(
        "INSERT INTO person_records VALUES (?, ?, 1.0, 'splink')",
        [("visas:r1", "P1"), ("visas:r4", "P2"), ("visas:x9", "P3")],
    )

    figures = evaluate(con=con, truth_dir=_truth(tmp_path / "truth"))

    # True pairs: T1 has 3 records (3 pairs) and T2 has 2 (1 pair); none found.
    assert figures["pairwise_recall"] == 0.0
    assert figures["missed_links"] == 4
    assert figures["truth_records_not_staged"] == 4
    assert figures["staged_records_not_in_truth"] == 1
