"""Status accuracy per true status, disagreement causes, and the overstay report vs truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_cohort import AS_OF

from immigrationos import staging
from immigrationos.evaluation import ACCEPTED_STATUSES, evaluate, render_evaluation
from immigrationos.evaluation_status import Linkage, status_accuracy_detail
from immigrationos.progress import NullProgress
from immigrationos.status.derive import derive_all

# Truth: T1 has records r1, r2; T2 r3; T3 r4, r5; T4 r6 (never staged); T5 r7; T6 r8.
TRUE_OF = {
    "r1": "T1", "r2": "T1", "r3": "T2", "r4": "T3", "r5": "T3", "r6": "T4", "r7": "T5",
    "r8": "T6",
}  # fmt: skip
# Predicted: T1 split over P1 and P9; T2 merged with T3's r4 in P2; T3's r5 alone in P3.
PREDICTED_OF = {
    "r1": "P1", "r2": "P9", "r3": "P2", "r4": "P2", "r5": "P3", "r7": "P5", "r8": "P6",
}  # fmt: skip
MAIN_PERSON = {"T1": "P1", "T2": "P2", "T3": "P2", "T5": "P5", "T6": "P6"}
PERSONS = {
    "T1": {"person_id": "T1", "true_status": "departed", "defects": ""},
    "T2": {"person_id": "T2", "true_status": "departed", "defects": "unrecorded_land_exit"},
    "T3": {"person_id": "T3", "true_status": "in_status", "defects": ""},
    "T4": {"person_id": "T4", "true_status": "in_status", "defects": ""},
    "T5": {"person_id": "T5", "true_status": "in_status", "defects": "name_typo;late_record"},
    "T6": {"person_id": "T6", "true_status": "overstay", "defects": ""},
}
PREDICTED_STATUS = {
    "P1": "potential_overstay_unconfirmed",
    "P2": "potential_overstay_unconfirmed",
    "P5": "departed",
    "P6": "potential_overstay_unconfirmed",
}


def _detail(**extra: Any) -> dict[str, dict[str, Any]]:
    linkage = Linkage(true_of=TRUE_OF, predicted_of=PREDICTED_OF, main_person=MAIN_PERSON)
    return status_accuracy_detail(
        predicted_status=PREDICTED_STATUS,
        persons=PERSONS,
        linkage=linkage,
        accepted=ACCEPTED_STATUSES,
        **extra,
    )


def test_accuracy_counts_per_status() -> None:
    detail = _detail()

    assert list(detail) == ["departed", "in_status", "overstay"]
    assert (detail["departed"]["persons"], detail["departed"]["correct"]) == (2, 0)
    assert (detail["in_status"]["persons"], detail["in_status"]["correct"]) == (3, 0)
    # An unconfirmed overstay is the honest reading of a true overstay.
    assert (detail["overstay"]["persons"], detail["overstay"]["correct"]) == (1, 1)
    assert detail["overstay"]["accuracy"] == 1.0
    assert detail["overstay"]["disagreements"] == {}


def test_disagreement_causes_in_order() -> None:
    detail = _detail()

    # T1: split. T2: merged with T3's record (the merge is named before the defect).
    assert detail["departed"]["disagreements"] == {"linkage_split": 1, "linkage_merge": 1}
    # T3 merged and split, T4 never staged, T5 late record.
    assert detail["in_status"]["disagreements"] == {
        "linkage_merge": 1, "record_not_staged": 1, "late_record": 1,
    }  # fmt: skip
    assert detail["in_status"]["derived_as"] == {
        "potential_overstay_unconfirmed": 1, "not_derived": 1, "departed": 1,
    }  # fmt: skip
    assert detail["in_status"]["accuracy_explained"] == 1.0


def test_unexplained_and_expired_approval() -> None:
    persons = {"T6": {"person_id": "T6", "true_status": "in_status", "defects": ""}}
    linkage = Linkage(true_of={"r8": "T6"}, predicted_of={"r8": "P6"}, main_person={"T6": "P6"})
    arguments: dict[str, Any] = {
        "predicted_status": PREDICTED_STATUS,
        "persons": persons,
        "linkage": linkage,
        "accepted": ACCEPTED_STATUSES,
    }

    plain = status_accuracy_detail(**arguments)
    expired = status_accuracy_detail(**arguments, expired_approvals=frozenset({"P6"}))

    assert plain["in_status"]["disagreements"] == {"unexplained": 1}
    assert plain["in_status"]["accuracy_explained"] == 0.0
    assert expired["in_status"]["disagreements"] == {"truth_keeps_expired_approval": 1}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generate 3,000 persons, link each record to its true person, derive and evaluate.

    Linking by the truth keeps linkage out of the figures, so what is left is the rules
    against the generator's truth, and the data defects.
    """
    from immigrationos.sources.ingest import ingest_directory
    from immigrationos.synth.generator import generate

    folder = tmp_path_factory.mktemp("accuracy")
    generate(persons=3000, seed=5, out_dir=folder / "synth", as_of=AS_OF, progress=NullProgress())
    con = staging.connect(folder / "staging.duckdb")
    ingest_directory(con=con, extracts_dir=folder / "synth" / "extracts", progress=NullProgress())
    con.execute(
        "INSERT INTO person_records SELECT source || ':' || record_id, person_id, 1.0, 'truth' "
        "FROM read_csv(?, all_varchar = true)",
        [str(folder / "synth" / "truth" / "records.csv")],
    )
    derive_all(con=con, as_of=AS_OF, progress=NullProgress())
    figures = evaluate(con=con, truth_dir=folder / "synth" / "truth")
    con.close()
    return figures


def test_generated_accuracy_structure(evaluated: dict[str, Any]) -> None:
    detail = evaluated["status_detail"]

    assert set(detail) >= {"departed", "in_status", "citizen", "lawful_permanent_resident"}
    for status, entry in detail.items():
        assert set(entry) == {
            "persons", "correct", "accuracy", "accuracy_explained", "disagreements",
            "derived_as",
        }, status  # fmt: skip
        assert sum(entry["disagreements"].values()) == entry["persons"] - entry["correct"]
        assert evaluated["status_accuracy"][status] == entry["accuracy"]


def test_generated_accuracy_thresholds(evaluated: dict[str, Any]) -> None:
    detail = evaluated["status_detail"]

    # Persons who left by land mostly have no exit record, so departed is the lowest.
    assert detail["departed"]["accuracy"] >= 0.90
    assert "unrecorded_land_exit" in detail["departed"]["disagreements"]
    for status, entry in detail.items():
        # Linkage by truth: every disagreement left is a data defect or a named gap.
        assert entry["accuracy_explained"] >= 0.99, status
        if status not in {"departed", "in_status", "self_departed"}:
            assert entry["accuracy"] >= 0.99, status


def test_generated_overstay_vs_truth(evaluated: dict[str, Any]) -> None:
    comparison = evaluated["overstay_report_vs_truth"]

    assert comparison is not None
    total = comparison["groups"]["total"]
    assert total["true_expected_departures"] > 0
    gap = abs(total["derived_expected_departures"] - total["true_expected_departures"])
    assert gap <= 0.02 * total["true_expected_departures"]
    for kind, causes in comparison["differences"].items():
        assert "unexplained" not in causes, kind
    text = render_evaluation(evaluated)
    assert "overstay report FY2024 vs truth" in text
    assert "explained" in text


def test_evaluate_without_stays_table(tmp_path: Path) -> None:
    (tmp_path / "records.csv").write_text("source,record_id,person_id\n", encoding="utf-8")
    (tmp_path / "persons.csv").write_text("person_id,status\n", encoding="utf-8")
    con = staging.connect(":memory:")

    figures = evaluate(con=con, truth_dir=tmp_path)

    assert figures["status_detail"] is None
    assert figures["overstay_report_vs_truth"] is None
