"""The review queue and one review item in detail: records side by side and the weights.

Also loads each item's per-comparison weights from staging with the review items.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, cast

import duckdb
from django.core.paginator import Page, Paginator

from immigrationos.cases import snapshot
from immigrationos.cases.models import (
    IdentityChange,
    Person,
    ReviewDecision,
    ReviewItem,
    SourceRecord,
)
from immigrationos.cases.selectors import (
    REVIEW_ITEMS_PER_PAGE,
    ReviewRow,
    _as_list,
    _persons_with_open_case,
    _review_rows,
)

REVIEW_KINDS: dict[str, str] = {
    "pair": "Pair of persons",
    "veto": "Pair with a veto",
    "thin_record": "Thin record",
}

# (label, SourceRecord attribute, field name for masking or None) of the side-by-side table.
COMPARED_FIELDS: tuple[tuple[str, str, str | None], ...] = (
    ("Source", "source", None),
    ("Given name", "given_name", None),
    ("Family name", "family_name", None),
    ("Date of birth", "dob", "dob"),
    ("Sex", "sex", None),
    ("Nationality", "nationality", None),
    ("Passport number", "passport_no", "passport_number"),
    ("Passport country", "passport_country", None),
    ("A-number", "a_number", "a_number"),
    ("FBI number", "fbi_number", None),
    ("Event date", "event_date", None),
)


def review_queue_page_get(*, page: str | int | None, kind: str = "") -> Page[ReviewRow]:
    """Return one page of pending review items, ordered by what they block.

    Items naming a person with an open case come first, then items whose best-ranked person
    has a higher priority (tier 1 first, persons without a tier last), then higher match
    probability, then the review id. ``kind`` filters by item kind when it is one of
    ``REVIEW_KINDS``. A bad page number gives the nearest page.
    """
    pending_items = ReviewItem.objects.filter(decision="")
    if kind in REVIEW_KINDS:
        pending_items = pending_items.filter(kind=kind)
    # NOTE: ordering happens in Python because person_ids is a JSON list, so each page view
    # reads the ids and tiers of every pending item. Timed only on small test queues.
    pending = list(
        pending_items.order_by("review_id").values_list(
            "review_id", "person_ids", "match_probability"
        )
    )
    person_ids = {pid for _rid, ids, _prob in pending for pid in _as_list(ids)}
    open_case_persons = _persons_with_open_case(person_ids)
    tiers = _tiers(person_ids)

    def order(row: tuple[str, Any, float | None]) -> tuple[bool, float, float, str]:
        ids = _as_list(row[1])
        known = [tier for tier in (tiers.get(pid) for pid in ids) if tier is not None]
        return (
            not any(pid in open_case_persons for pid in ids),
            min(known, default=math.inf),
            -(row[2] if row[2] is not None else -1.0),
            row[0],
        )

    pending.sort(key=order)
    paginated = Paginator([rid for rid, _ids, _prob in pending], REVIEW_ITEMS_PER_PAGE)
    id_page = paginated.get_page(page)
    items = ReviewItem.objects.in_bulk(list(id_page.object_list))
    rows = _review_rows([items[rid] for rid in id_page.object_list if rid in items])
    return Page(rows, id_page.number, cast("Paginator[ReviewRow]", paginated))


def _tiers(person_ids: set[str]) -> dict[str, int | None]:
    ordered = sorted(person_ids)
    tiers: dict[str, int | None] = {}
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        tiers.update(Person.objects.filter(person_id__in=chunk).values_list("person_id", "tier"))
    return tiers


@dataclass(frozen=True)
class ComparedField:
    """One row of the side-by-side table: a field's value in each record."""

    label: str
    values: list[str]
    differs: bool


@dataclass(frozen=True)
class WeightStep:
    """One row of the weight waterfall, with its bar as percentages of the chart width."""

    label: str
    level: str
    weight: float | None
    cumulative: float
    bar_start: float
    bar_width: float
    positive: bool


@dataclass
class ReviewDetail:
    """Everything the page of one review item shows."""

    row: ReviewRow
    records: list[SourceRecord]
    fields: list[ComparedField]
    steps: list[WeightStep]
    final_probability: float | None
    decisions: list[ReviewDecision]
    changes: list[IdentityChange] = field(default_factory=list)


def review_item_detail_get(*, review_id: str, mask: Any = None) -> ReviewDetail:
    """Return the item with its records, field comparison, weights and decision history.

    ``mask(field_name, value) -> str`` renders maskable values for the viewer's role.
    Raises ReviewItem.DoesNotExist for an unknown id.
    """
    item = ReviewItem.objects.get(review_id=review_id)
    row = _review_rows([item])[0]
    uids = _as_list(item.record_uids)
    found = SourceRecord.objects.in_bulk(uids)
    records = [found[uid] for uid in uids if uid in found]
    decisions = list(
        ReviewDecision.objects.filter(review_id=review_id)
        .select_related("decided_by", "revoked_by")
        .order_by("decided_at", "id")
    )
    changes = list(
        IdentityChange.objects.filter(decision__in=decisions)
        .select_related("changed_by", "reversed_by")
        .order_by("changed_at", "id")
    )
    steps, final = weight_steps_build(item.weights)
    return ReviewDetail(
        row=row,
        records=records,
        fields=_fields_compare(records, mask),
        steps=steps,
        final_probability=final,
        decisions=decisions,
        changes=changes,
    )


def _fields_compare(records: list[SourceRecord], mask: Any) -> list[ComparedField]:
    compared = []
    for label, attribute, mask_name in COMPARED_FIELDS:
        raw = [getattr(record, attribute) for record in records]
        present = {value for value in raw if value not in (None, "")}
        if mask_name is not None and mask is not None:
            shown = [mask(mask_name, value) for value in raw]
        else:
            shown = ["" if value in (None, "") else str(value) for value in raw]
        compared.append(ComparedField(label=label, values=shown, differs=len(present) > 1))
    return compared


def weight_steps_build(weights: Any) -> tuple[list[WeightStep], float | None]:
    """Return the waterfall rows (prior, each comparison, any remainder) and the probability.

    ``weights`` is a ``review_item_weights`` row. Match weights are log2 Bayes factors, and
    the final match weight w gives the probability 2^w / (1 + 2^w). The remainder row contains
    whatever the final weight has beyond the listed parts (term-frequency adjustments), so
    the cumulative total always ends at splink's match weight.
    """
    if not weights or "prior_weight" not in weights:
        return [], None
    parts: list[tuple[str, str, float | None]] = [("prior", "", float(weights["prior_weight"]))]
    for part in weights.get("comparisons", []):
        parts.append((part["comparison"], part["level"], part["log2_bayes_factor"]))
    final = float(weights["match_weight"])
    listed = sum(weight for _, _, weight in parts if weight is not None)
    if abs(final - listed) > 1e-6:
        parts.append(("other adjustments", "term frequencies", final - listed))

    totals = [0.0]
    for _, _, weight in parts:
        totals.append(totals[-1] + (weight or 0.0))
    low, high = min(totals), max(totals)
    span = (high - low) or 1.0
    steps = []
    for index, (label, level, weight) in enumerate(parts):
        before, after = totals[index], totals[index + 1]
        steps.append(
            WeightStep(
                label=label,
                level=level,
                weight=weight,
                cumulative=after,
                bar_start=round((min(before, after) - low) / span * 100, 2),
                bar_width=round(abs(after - before) / span * 100, 2),
                positive=after >= before,
            )
        )
    probability = 2**final / (1 + 2**final)
    return steps, probability


def review_weights_load(*, con: duckdb.DuckDBPyConnection) -> int:
    """Copy staging's ``review_item_weights`` onto the loaded review items; return how many."""
    rows = snapshot.table_dicts(con, "SELECT * FROM review_item_weights ORDER BY review_id")
    by_id = {row["review_id"]: row for row in rows}
    items = list(ReviewItem.objects.filter(review_id__in=list(by_id)))
    for item in items:
        row = by_id[item.review_id]
        item.weights = {
            "record_uid_l": row["record_uid_l"],
            "record_uid_r": row["record_uid_r"],
            "prior_weight": row["prior_weight"],
            "match_weight": row["match_weight"],
            "comparisons": json.loads(snapshot.json_text(row["comparisons"])),
        }
    ReviewItem.objects.bulk_update(items, ["weights"], batch_size=500)
    return len(items)
