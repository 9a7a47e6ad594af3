"""Greedy clustering of link edges that never joins two contradicting records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from immigrationos.linkage.vetoes import veto_reason


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
) -> Clustering:
    """Join records along ``edges`` strongest first, rejecting any join across a veto.

    A join is rejected when any record of one cluster contradicts any record of the other,
    so a chain A-B, B-C never puts A and C together when they contradict.
    """
    members: dict[str, list[str]] = {uid: [uid] for uid in sorted(uids)}
    root_of: dict[str, str] = {uid: uid for uid in members}
    result = Clustering(clusters=[])

    for edge in sorted(edges, key=edge_order):
        root_l, root_r = root_of[edge.uid_l], root_of[edge.uid_r]
        if root_l == root_r:
            result.accepted.append(edge)
            continue
        conflict = _first_conflict(members[root_l], members[root_r], features, veto)
        if conflict is not None:
            reason, pair = conflict
            result.rejected.append(RejectedEdge(edge=edge, reason=reason, contradicting=pair))
            continue
        keep, absorb = sorted((root_l, root_r))
        for uid in members[absorb]:
            root_of[uid] = keep
        members[keep].extend(members.pop(absorb))
        result.accepted.append(edge)

    result.clusters = sorted(sorted(group) for group in members.values())
    return result


def _first_conflict(
    group_l: list[str],
    group_r: list[str],
    features: Mapping[str, Mapping[str, Any]],
    veto: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None],
) -> tuple[str, tuple[str, str]] | None:
    for uid_l in sorted(group_l):
        for uid_r in sorted(group_r):
            reason = veto(features[uid_l], features[uid_r])
            if reason is not None:
                first, second = sorted((uid_l, uid_r))
                return reason, (first, second)
    return None
