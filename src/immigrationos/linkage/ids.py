"""Stable person ids: kept from the persisted map, else derived from the cluster's content."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence


def derived_person_id(smallest_uid: str, attempt: int = 0) -> str:
    """Return 'P' + the first 12 hex digits of SHA-256 of the cluster's smallest record uid."""
    text = smallest_uid if attempt == 0 else f"{smallest_uid}#{attempt}"
    return "P" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def person_ids_assign(
    *, clusters: Sequence[Sequence[str]], previous: Mapping[str, str]
) -> list[str]:
    """Return one person id per cluster, in the order of ``clusters``.

    A cluster keeps the previous id held by most of its records (ties go to the smaller id).
    When a split leaves two clusters claiming one id, the cluster holding more of its
    records keeps it (ties: the cluster with the smaller first record uid) and the other
    gets a derived id. Every result is the same whatever the order of the input rows.
    """
    claims: list[tuple[int, str, int, str]] = []
    for index, cluster in enumerate(clusters):
        held = Counter(previous[uid] for uid in cluster if uid in previous)
        if held:
            person_id, count = min(held.items(), key=lambda item: (-item[1], item[0]))
            claims.append((-count, min(cluster), index, person_id))

    assigned: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, index, person_id in sorted(claims):
        if person_id not in taken:
            assigned[index] = person_id
            taken.add(person_id)

    reserved = set(previous.values()) | taken
    result = []
    for index, cluster in enumerate(clusters):
        if index in assigned:
            result.append(assigned[index])
            continue
        attempt = 0
        candidate = derived_person_id(min(cluster))
        while candidate in reserved:
            attempt += 1
            candidate = derived_person_id(min(cluster), attempt)
        reserved.add(candidate)
        result.append(candidate)
    return result
