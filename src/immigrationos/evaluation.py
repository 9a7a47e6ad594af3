"""``immigrationos evaluate``: compare the staged linkage, status and priority with truth.

The truth folder is the one the synthetic generator writes: ``records.csv``
(source, record_id, person_id) and ``persons.csv`` (person_id, the true status and the
protection, if any).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from immigrationos.evaluation_status import (
    Linkage,
    expired_approvals_read,
    overstay_comparison,
    render_status_detail,
    status_accuracy_detail,
)

# Predicted statuses accepted as correct for a true status other than themselves: without a
# recorded departure an overstay can only be shown as unconfirmed.
ACCEPTED_STATUSES: Mapping[str, frozenset[str]] = {
    "overstay": frozenset({"overstay", "potential_overstay_unconfirmed"}),
}
PROTECTIONS_WITHOUT_TIER = frozenset({"citizen", "lawful_permanent_resident"})


class EvaluationError(Exception):
    """The truth folder or the staging store cannot be evaluated."""


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise EvaluationError(
            f"truth file {str(path)!r} not found; pass the truth/ folder written by "
            "`immigrationos synth`"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _pairs(sizes: Iterable[int]) -> int:
    return sum(size * (size - 1) // 2 for size in sizes)


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]] | None:
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return None


def _pairwise(true_of: Mapping[str, str], predicted_of: Mapping[str, str]) -> dict[str, Any]:
    shared = [uid for uid in predicted_of if uid in true_of]
    predicted_sizes = Counter(predicted_of[uid] for uid in shared)
    # True pairs count every truth record, staged or not, so a record lost before linkage
    # lowers recall instead of vanishing from the figures.
    true_sizes = Counter(true_of.values())
    both_sizes = Counter((predicted_of[uid], true_of[uid]) for uid in shared)
    predicted_pairs = _pairs(predicted_sizes.values())
    true_pairs = _pairs(true_sizes.values())
    correct = _pairs(both_sizes.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    true_per_predicted: dict[str, set[str]] = defaultdict(set)
    for uid in shared:
        true_per_predicted[predicted_of[uid]].add(true_of[uid])
    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": f1,
        "wrongful_merges": sum(1 for people in true_per_predicted.values() if len(people) > 1),
        "missed_links": true_pairs - correct,
        "truth_records_not_staged": len(true_of) - len(shared),
        "staged_records_not_in_truth": len(predicted_of) - len(shared),
    }


def _main_person(true_of: Mapping[str, str], predicted_of: Mapping[str, str]) -> dict[str, str]:
    """Map each true person to the predicted person holding most of their records."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for uid, person in true_of.items():
        if uid in predicted_of:
            counts[person][predicted_of[uid]] += 1
    return {
        person: min(held.items(), key=lambda item: (-item[1], item[0]))[0]
        for person, held in counts.items()
    }


def evaluate(*, con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, Any]:
    """Return linkage, status and priority figures of the staged run against the truth.

    ``missed_links`` counts true record pairs not placed in one person. ``status_accuracy``
    maps each true status to the share of its persons whose predicted status matches, and
    ``status_detail`` gives the counts and the cause of each disagreement
    (``evaluation_status``). ``overstay_report_vs_truth`` compares the FY2024 overstay
    report with the true cohort. They are None when ``person_status`` is empty, as
    ``protected_with_tier`` is when ``person_priority`` is empty. Predicted pairs cover
    records both staged and in the truth. True pairs cover every truth record.
    ``truth_records_not_staged`` and ``staged_records_not_in_truth`` count the records on
    one side only. Raises EvaluationError when a truth file is missing.
    """
    true_of = {
        f"{row['source']}:{row['record_id']}": row["person_id"]
        for row in _csv_rows(truth_dir / "records.csv")
    }
    persons = {row["person_id"]: row for row in _csv_rows(truth_dir / "persons.csv")}
    predicted_rows = _table(con, "SELECT record_uid, person_id FROM person_records") or []
    predicted_of: dict[str, str] = dict(predicted_rows)

    figures = _pairwise(true_of, predicted_of)
    review_rows = _table(con, "SELECT count(*) FROM review_items")
    figures["review_items"] = int(review_rows[0][0]) if review_rows else 0
    main_person = _main_person(true_of, predicted_of)
    linkage = Linkage(true_of=true_of, predicted_of=predicted_of, main_person=main_person)
    detail = _status_detail(con, persons, linkage)
    figures["status_accuracy"] = (
        None if detail is None else {status: entry["accuracy"] for status, entry in detail.items()}
    )
    figures["status_detail"] = detail
    figures["overstay_report_vs_truth"] = (
        None if detail is None else overstay_comparison(con=con, persons=persons, linkage=linkage)
    )
    figures["protected_with_tier"] = _protected_with_tier(con, persons, true_of, predicted_of)
    return figures


def _status_detail(
    con: duckdb.DuckDBPyConnection,
    persons: Mapping[str, Mapping[str, str]],
    linkage: Linkage,
) -> dict[str, dict[str, Any]] | None:
    rows = _table(con, "SELECT person_id, status FROM person_status")
    if not rows:
        return None
    return status_accuracy_detail(
        predicted_status=dict(rows),
        persons=persons,
        linkage=linkage,
        accepted=ACCEPTED_STATUSES,
        expired_approvals=expired_approvals_read(con=con),
    )


def _protected_with_tier(
    con: duckdb.DuckDBPyConnection,
    persons: Mapping[str, Mapping[str, str]],
    true_of: Mapping[str, str],
    predicted_of: Mapping[str, str],
) -> int | None:
    rows = _table(con, "SELECT person_id FROM person_priority WHERE tier IS NOT NULL")
    all_rows = _table(con, "SELECT count(*) FROM person_priority")
    if not all_rows or not all_rows[0][0]:
        return None
    tiered = {person for (person,) in rows or []}
    # The truth's protection column decides, not the status: a permanent resident with a
    # qualifying conviction is removable, has no protection in the truth, and may hold a tier.
    protected = {
        person_id
        for person_id, row in persons.items()
        if row.get("protection", "") in PROTECTIONS_WITHOUT_TIER
    }
    flagged = {
        person
        for uid, person in true_of.items()
        if person in protected and predicted_of.get(uid) in tiered
    }
    return len(flagged)


def render_evaluation(figures: Mapping[str, Any]) -> str:
    """Return the figures as aligned lines, naming any table that was empty."""
    lines = [
        f"pairwise precision   {figures['pairwise_precision']:.4f}",
        f"pairwise recall      {figures['pairwise_recall']:.4f}",
        f"pairwise F1          {figures['pairwise_f1']:.4f}",
        f"wrongful merges      {figures['wrongful_merges']}",
        f"missed links (pairs) {figures['missed_links']}",
        f"review items         {figures['review_items']}",
        f"truth records not staged    {figures['truth_records_not_staged']}",
        f"staged records not in truth {figures['staged_records_not_in_truth']}",
    ]
    detail = figures.get("status_detail")
    if figures["status_accuracy"] is None:
        lines.append("status accuracy      not available: table person_status is empty")
    elif detail is None:
        lines.append("status accuracy")
        lines += [
            f"  {status:<32} {share:.3f}" for status, share in figures["status_accuracy"].items()
        ]
    else:
        lines += render_status_detail(detail, figures.get("overstay_report_vs_truth"))
    protected = figures["protected_with_tier"]
    if protected is None:
        lines.append("protected with tier  not available: table person_priority is empty")
    else:
        lines.append(f"protected with tier  {protected}")
    return "\n".join(lines)
