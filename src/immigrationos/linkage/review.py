"""Review items: pairs and thin records that wait for a human decision."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

REVIEW_SCHEMA = pa.schema(
    [
        ("review_id", pa.string()),
        ("kind", pa.string()),
        ("record_uids", pa.string()),
        ("person_ids", pa.string()),
        ("match_probability", pa.float64()),
        ("reason", pa.string()),
    ]
)

WEIGHTS_SCHEMA = pa.schema(
    [
        ("review_id", pa.string()),
        ("record_uid_l", pa.string()),
        ("record_uid_r", pa.string()),
        ("prior_weight", pa.float64()),
        ("match_weight", pa.float64()),
        ("comparisons", pa.string()),
    ]
)

# At most this many candidate persons are offered for one thin record.
THIN_CANDIDATES = 5


@dataclass(frozen=True)
class ScoredPair:
    """A scored pair after its decision; ``reason`` is set when the pair needs review."""

    uid_l: str
    uid_r: str
    match_weight: float
    probability: float
    outcome: str
    rule: str
    veto: str | None
    reason: str | None


@dataclass(frozen=True)
class ReviewItem:
    """One entry of the human review queue."""

    review_id: str
    kind: str
    record_uids: tuple[str, ...]
    person_ids: tuple[str, ...]
    probability: float | None
    reason: str

    def as_dict(self) -> dict[str, str | float | None]:
        """Return the item as a row of ``review_items``, lists encoded as JSON text."""
        return {
            "review_id": self.review_id,
            "kind": self.kind,
            "record_uids": json.dumps(list(self.record_uids)),
            "person_ids": json.dumps(list(self.person_ids)),
            "match_probability": self.probability,
            "reason": self.reason,
        }


def review_id_for(kind: str, record_uids: Sequence[str]) -> str:
    """Return a review id derived from the kind and the record uids, stable across runs."""
    text = kind + "|" + "|".join(sorted(record_uids))
    return "R" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def review_items_build(
    *,
    pairs: Sequence[ScoredPair],
    person_of: Mapping[str, str],
    thin_uids: set[str],
    kept_apart: frozenset[tuple[str, str]] = frozenset(),
) -> list[ReviewItem]:
    """Return the review queue: one item per pair of persons and one per thin record.

    A pair whose two records already sit in one person needs no decision. Among pairs
    joining the same two persons only the strongest is kept; the others carry no new question.
    ``kept_apart`` holds sorted record-uid pairs that a reviewer decided are different
    persons. Two persons holding such a pair get no pair item, and a thin record is not
    offered a person it was kept apart from.
    """
    persons_apart = {
        tuple(sorted((person_of[uid_l], person_of[uid_r])))
        for uid_l, uid_r in kept_apart
        if uid_l in person_of and uid_r in person_of
    }
    best: dict[tuple[str, str, str], ScoredPair] = {}
    thin_candidates: dict[str, list[ScoredPair]] = {}
    for pair in pairs:
        low, high = sorted((person_of[pair.uid_l], person_of[pair.uid_r]))
        if (low, high) in persons_apart:
            continue
        if pair.uid_l in thin_uids or pair.uid_r in thin_uids:
            for uid in (pair.uid_l, pair.uid_r):
                if uid in thin_uids:
                    thin_candidates.setdefault(uid, []).append(pair)
            continue
        if pair.outcome != "review":
            continue
        person_l, person_r = person_of[pair.uid_l], person_of[pair.uid_r]
        if person_l == person_r:
            continue
        kind = "veto" if pair.veto else "pair"
        key = (kind, low, high)
        current = best.get(key)
        if current is None or _stronger(pair, current):
            best[key] = pair

    items = [_pair_item(kind, pair, person_of) for (kind, _, _), pair in best.items()]
    for uid, candidates in thin_candidates.items():
        item = _thin_item(uid, candidates, person_of)
        if item is not None:
            items.append(item)
    return sorted(items, key=lambda item: item.review_id)


def _stronger(pair: ScoredPair, other: ScoredPair) -> bool:
    return (-pair.probability, pair.uid_l, pair.uid_r) < (
        -other.probability,
        other.uid_l,
        other.uid_r,
    )


def _pair_item(kind: str, pair: ScoredPair, person_of: Mapping[str, str]) -> ReviewItem:
    uids = (pair.uid_l, pair.uid_r)
    return ReviewItem(
        review_id=review_id_for(kind, uids),
        kind=kind,
        record_uids=uids,
        person_ids=(person_of[pair.uid_l], person_of[pair.uid_r]),
        probability=pair.probability,
        reason=pair.reason or pair.veto or "match probability in the review band",
    )


def _thin_item(
    uid: str, candidates: list[ScoredPair], person_of: Mapping[str, str]
) -> ReviewItem | None:
    ranked = sorted(candidates, key=lambda pair: (-pair.probability, pair.uid_l, pair.uid_r))
    own_person = person_of[uid]
    record_uids = [uid]
    person_ids: list[str] = []
    best_probability: float | None = None
    for pair in ranked:
        other = pair.uid_r if pair.uid_l == uid else pair.uid_l
        person = person_of[other]
        if person == own_person or person in person_ids:
            continue
        person_ids.append(person)
        record_uids.append(other)
        if best_probability is None:
            best_probability = pair.probability
        if len(person_ids) == THIN_CANDIDATES:
            break
    if not person_ids:
        return None
    return ReviewItem(
        review_id=review_id_for("thin_record", [uid]),
        kind="thin_record",
        record_uids=tuple(record_uids),
        person_ids=tuple(person_ids),
        probability=best_probability,
        reason="thin record (no document, and no full name with DOB) is never merged "
        "automatically; candidate persons listed",
    )


@dataclass(frozen=True)
class ComparisonWeight:
    """One comparison's level for a pair and its log2 Bayes factor (None when untrained)."""

    comparison: str
    level: str
    gamma: int
    log2_bayes_factor: float | None


def level_weights_build(model: Mapping[str, Any]) -> dict[str, dict[int, tuple[str, float | None]]]:
    """Return comparison -> gamma -> (level label, log2 Bayes factor) from a splink model dict.

    splink numbers the levels of a comparison from the last (else = 0) upwards, and the null
    level is -1 with a Bayes factor of 1. A level without both m and u gets None.
    """
    weights: dict[str, dict[int, tuple[str, float | None]]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        counted = [level for level in levels if not level.get("is_null_level")]
        by_gamma: dict[int, tuple[str, float | None]] = {-1: ("null", 0.0)}
        for index, level in enumerate(counted):
            m, u = level.get("m_probability"), level.get("u_probability")
            log2_bf = math.log2(float(m) / float(u)) if m and u else None
            by_gamma[len(counted) - 1 - index] = (str(level["label_for_charts"]), log2_bf)
        weights[str(comparison["output_column_name"])] = by_gamma
    return weights


def prior_weight(probability: float) -> float:
    """Return the prior as a match weight: log2 of the prior odds."""
    return math.log2(probability / (1.0 - probability))


def review_weights_build(
    *,
    items: Sequence[ReviewItem],
    scored: Mapping[tuple[str, str], Mapping[str, Any]],
    model: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Return one ``review_item_weights`` row per item whose first pair was scored.

    The first two record uids of an item are its pair (for a thin record, the record and its
    strongest candidate). ``scored`` maps (unique_id_l, unique_id_r) to the prediction row,
    with a ``gamma_<comparison>`` column per comparison.
    """
    levels = level_weights_build(model)
    prior = prior_weight(float(model["probability_two_random_records_match"]))
    rows = []
    for item in items:
        if len(item.record_uids) < 2:
            continue
        uid_l, uid_r = sorted(item.record_uids[:2])
        row = scored.get((uid_l, uid_r)) or scored.get((uid_r, uid_l))
        if row is None:
            continue
        parts = []
        for comparison, by_gamma in levels.items():
            gamma = int(row.get(f"gamma_{comparison}", -1))
            label, log2_bf = by_gamma.get(gamma, ("unknown level", None))
            parts.append(asdict(ComparisonWeight(comparison, label, gamma, log2_bf)))
        rows.append(
            {
                "review_id": item.review_id,
                "record_uid_l": uid_l,
                "record_uid_r": uid_r,
                "prior_weight": prior,
                "match_weight": float(row["match_weight"]),
                "comparisons": json.dumps(parts),
            }
        )
    return rows
