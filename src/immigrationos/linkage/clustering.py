"""Greedy clustering of link edges that never joins two contradicting records.

Reviewer decisions take part as constraints (``immigrationos.linkage.constraints``):
must-link pairs join first, and cannot-link pairs forbid any join that would put their two
records in one cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from immigrationos.linkage.constraints import CANNOT_LINK, MUST_LINK, Constraint
from immigrationos.linkage.vetoes import veto_reason

# The rule of an edge that a reviewer's must-link decision created.
REVIEWER_RULE = "reviewer"


@dataclass(frozen=True)
class Edge:
    """A pair of records decided 'link', with the rule and probability behind it."""

    uid_l: str
    uid_r: str
    probability: float
    rule: str


@dataclass(frozen=True)
class RejectedEdge:
    """A link edge that would have joined two clusters holding contradicting records."""

    edge: Edge
    reason: str
    contradicting: tuple[str, str]


@dataclass
class Clustering:
    """Clusters as lists of record uids, the accepted edges and the rejected ones."""

    clusters: list[list[str]]
    accepted: list[Edge] = field(default_factory=list)
    rejected: list[RejectedEdge] = field(default_factory=list)


def edge_order(edge: Edge) -> tuple[int, float, str, str]:
    """Return the processing key: exact-identifier edges first, then strongest first.

    Equal probabilities fall back to the record uids, so the order never depends on the
    physical order of the input rows.
    """
    return (0 if edge.rule != "splink" else 1, -edge.probability, edge.uid_l, edge.uid_r)


def clusters_build(
    *,
    uids: Iterable[str],
    edges: Iterable[Edge],
    features: Mapping[str, Mapping[str, Any]],
    veto: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None] = veto_reason,
    constraints: Iterable[Constraint] = (),
) -> Clustering:
    """Join records along ``edges`` strongest first, rejecting any join across a veto.

    A join is rejected when any record of one cluster contradicts any record of the other,
    so a chain A-B, B-C never puts A and C together when they contradict.

    Reviewer ``constraints`` on records outside ``uids`` are ignored. The others apply so:

    - Must-link pairs join before any automatic edge, oldest decision first, as edges with
      rule ``"reviewer"`` and probability 1. A must-link overrides an automatic veto only
      when the reviewer saw that veto (its text is part of the constraint's ``veto_seen``).
      Any other veto rejects the must-link, and the pair stays apart.
    - Cannot-link pairs veto every join, automatic or reviewer, that would put their two
      records in one cluster, including through a chain of other records. When two
      decisions disagree, the cannot-link wins, because a missed link only costs a review.
    """
    members: dict[str, list[str]] = {uid: [uid] for uid in sorted(uids)}
    root_of: dict[str, str] = {uid: uid for uid in members}
    result = Clustering(clusters=[])
    in_scope = sorted(
        (c for c in constraints if c.uid_l in members and c.uid_r in members),
        key=lambda c: (c.decided_at, c.decision_id, c.pair),
    )
    apart = _cannot_link_index(in_scope)

    def attempt(edge: Edge, overrides: Constraint | None) -> None:
        root_l, root_r = root_of[edge.uid_l], root_of[edge.uid_r]
        if root_l == root_r:
            result.accepted.append(edge)
            return
        conflict = _reviewer_conflict(members[root_l], members[root_r], apart)
        if conflict is None:
            seen = overrides.veto_overridden if overrides is not None else None
            conflict = _first_conflict(members[root_l], members[root_r], features, veto, seen)
        if conflict is not None:
            reason, pair = conflict
            result.rejected.append(RejectedEdge(edge=edge, reason=reason, contradicting=pair))
            return
        keep, absorb = sorted((root_l, root_r))
        for uid in members[absorb]:
            root_of[uid] = keep
        members[keep].extend(members.pop(absorb))
        result.accepted.append(edge)

    for constraint in in_scope:
        if constraint.kind == MUST_LINK:
            edge = Edge(constraint.uid_l, constraint.uid_r, 1.0, REVIEWER_RULE)
            attempt(edge, constraint)
    for edge in sorted(edges, key=edge_order):
        attempt(edge, None)

    result.clusters = sorted(sorted(group) for group in members.values())
    return result


def _cannot_link_index(constraints: list[Constraint]) -> dict[str, dict[str, str]]:
    """Map each record to the records it must stay apart from, with the decision id."""
    apart: dict[str, dict[str, str]] = {}
    for constraint in constraints:
        if constraint.kind != CANNOT_LINK:
            continue
        apart.setdefault(constraint.uid_l, {})[constraint.uid_r] = constraint.decision_id
        apart.setdefault(constraint.uid_r, {})[constraint.uid_l] = constraint.decision_id
    return apart


def _reviewer_conflict(
    group_l: list[str], group_r: list[str], apart: Mapping[str, Mapping[str, str]]
) -> tuple[str, tuple[str, str]] | None:
    if not apart:
        return None
    other = set(group_r)
    for uid_l in sorted(group_l):
        for uid_r, decision_id in sorted(apart.get(uid_l, {}).items()):
            if uid_r in other:
                first, second = sorted((uid_l, uid_r))
                return f"a reviewer decided these are different persons ({decision_id})", (
                    first,
                    second,
                )
    return None


def _first_conflict(
    group_l: list[str],
    group_r: list[str],
    features: Mapping[str, Mapping[str, Any]],
    veto: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None],
    overridden: Callable[[str], bool] | None = None,
) -> tuple[str, tuple[str, str]] | None:
    """Return the first veto between the groups that ``overridden`` does not waive."""
    for uid_l in sorted(group_l):
        for uid_r in sorted(group_r):
            reason = veto(features[uid_l], features[uid_r])
            if reason is not None and not (overridden and overridden(reason)):
                first, second = sorted((uid_l, uid_r))
                return reason, (first, second)
    return None
