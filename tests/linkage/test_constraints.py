"""Reviewer constraints: their staging table, clustering that obeys them, and a full link."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb
import pytest
from linkage_records import record, records_stage, uid

from immigrationos.linkage.clustering import REVIEWER_RULE, Edge, clusters_build
from immigrationos.linkage.constraints import (
    CANNOT_LINK,
    MUST_LINK,
    Constraint,
    ConstraintError,
    constraints_load,
    constraints_replace,
)
from immigrationos.linkage.pipeline import link
from immigrationos.progress import NullProgress

DECIDED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _constraint(
    left: str, right: str, kind: str, decision: str = "D1", veto_seen: str | None = None
) -> Constraint:
    return Constraint(
        uid_l=left,
        uid_r=right,
        kind=kind,
        decision_id=decision,
        decided_by="analyst",
        decided_at=DECIDED,
        reason="checked the passport scans",
        veto_seen=veto_seen,
    )


def _dob_veto(left: Mapping[str, Any], right: Mapping[str, Any]) -> str | None:
    return "different dob" if left["dob"] != right["dob"] else None


# Four records: a, b and c share a DOB, and d has another, so the test veto keeps d apart.
FEATURES = {
    "a": {"dob": 1},
    "b": {"dob": 1},
    "c": {"dob": 1},
    "d": {"dob": 2},
}


def _clusters(edges: list[Edge], constraints: list[Constraint]) -> list[list[str]]:
    result = clusters_build(
        uids=FEATURES, edges=edges, features=FEATURES, veto=_dob_veto, constraints=constraints
    )
    return result.clusters


def test_constraint_sorts_pair() -> None:
    constraint = _constraint("z", "a", MUST_LINK)
    assert constraint.pair == ("a", "z")


@pytest.mark.parametrize(
    ("left", "right", "kind"),
    [("a", "a", MUST_LINK), ("a", "b", "maybe_link")],
)
def test_constraint_rejects_bad_values(left: str, right: str, kind: str) -> None:
    with pytest.raises(ConstraintError):
        _constraint(left, right, kind)


def test_constraints_replace_then_load(con: duckdb.DuckDBPyConnection) -> None:
    first = [_constraint("b", "a", CANNOT_LINK, "D2"), _constraint("c", "a", MUST_LINK, "D1")]
    assert constraints_replace(con=con, constraints=first) == 2
    assert constraints_replace(con=con, constraints=first[:1]) == 1

    loaded = constraints_load(con=con)
    assert loaded == [first[0]]
    assert loaded[0].pair == ("a", "b")


def test_must_link_joins_unlinked_records() -> None:
    result = clusters_build(
        uids=FEATURES,
        edges=[],
        features=FEATURES,
        veto=_dob_veto,
        constraints=[_constraint("a", "c", MUST_LINK)],
    )
    assert result.clusters == [["a", "c"], ["b"], ["d"]]
    assert [edge.rule for edge in result.accepted] == [REVIEWER_RULE]


def test_cannot_link_blocks_direct_edge() -> None:
    edges = [Edge("a", "b", 0.999, "splink")]
    assert _clusters(edges, [_constraint("a", "b", CANNOT_LINK)]) == [["a"], ["b"], ["c"], ["d"]]


def test_cannot_link_blocks_chain() -> None:
    # a-b is stronger, so a and b join first. b-c would then put c with a, which a reviewer
    # kept apart, so it is rejected even though b and c alone have no constraint.
    edges = [Edge("a", "b", 0.999, "splink"), Edge("b", "c", 0.995, "splink")]
    result = clusters_build(
        uids=FEATURES,
        edges=edges,
        features=FEATURES,
        veto=_dob_veto,
        constraints=[_constraint("a", "c", CANNOT_LINK, "D7")],
    )
    assert result.clusters == [["a", "b"], ["c"], ["d"]]
    assert len(result.rejected) == 1
    assert result.rejected[0].edge == edges[1]
    assert result.rejected[0].contradicting == ("a", "c")
    assert "D7" in result.rejected[0].reason


def test_must_link_rejected_by_unseen_veto() -> None:
    result = clusters_build(
        uids=FEATURES,
        edges=[],
        features=FEATURES,
        veto=_dob_veto,
        constraints=[_constraint("a", "d", MUST_LINK, veto_seen="names differ")],
    )
    assert result.clusters == [["a"], ["b"], ["c"], ["d"]]
    assert result.rejected[0].reason == "different dob"


def test_must_link_overrides_seen_veto() -> None:
    seen = "would join a and d: different dob"
    assert _clusters([], [_constraint("a", "d", MUST_LINK, veto_seen=seen)]) == [
        ["a", "d"],
        ["b"],
        ["c"],
    ]


def test_cannot_link_beats_must_link_chain() -> None:
    # Must-links a-b and b-c would put a with c; the cannot-link a-c stops the second one.
    constraints = [
        _constraint("a", "b", MUST_LINK, "D1"),
        _constraint("b", "c", MUST_LINK, "D2"),
        _constraint("a", "c", CANNOT_LINK, "D3"),
    ]
    assert _clusters([], constraints) == [["a", "b"], ["c"], ["d"]]


def test_constraints_on_unknown_records_ignored() -> None:
    edges = [Edge("a", "b", 0.999, "splink")]
    constraints = [_constraint("a", "gone", CANNOT_LINK), _constraint("b", "gone", MUST_LINK)]
    assert _clusters(edges, constraints) == [["a", "b"], ["c"], ["d"]]


# Maria Lopez with the same DOB, but different sex and no document: linkage scores the pair
# in the review band with the packaged model. Mario Lopez is the B record.
REVIEW_PAIR = [
    record("A-0901", given_name="Maria", family_name="Lopez", dob="1990-01-02", sex="F",
           nationality="MEX"),
    record("B-0901", given_name="Mario", family_name="Lopez", dob="1990-01-02", sex="M",
           nationality="MEX", passport_no="X1", passport_country="MEX"),
    record("V-0901", given_name="Maria", family_name="Lopez", dob="1991-01-02", sex="F",
           nationality="MEX"),
]  # fmt: skip


def _person_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())


def test_link_obeys_must_link(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, REVIEW_PAIR)
    link(con=con, progress=NullProgress())
    before = _person_of(con)
    assert before[uid("A-0901")] != before[uid("B-0901")]
    assert con.execute("SELECT count(*) FROM review_items").fetchall() == [(1,)]

    constraints_replace(con=con, constraints=[_constraint(uid("A-0901"), uid("B-0901"), MUST_LINK)])
    report = link(con=con, progress=NullProgress())

    after = _person_of(con)
    assert report.constraints == 1
    assert after[uid("A-0901")] == after[uid("B-0901")] == after[uid("V-0901")]
    assert con.execute("SELECT count(*) FROM review_items").fetchall() == [(0,)]
    rules = dict(con.execute("SELECT record_uid, link_rule FROM person_records").fetchall())
    assert rules[uid("B-0901")] == REVIEWER_RULE


def test_link_obeys_cannot_link(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, REVIEW_PAIR)
    link(con=con, progress=NullProgress())
    assert len(set(_person_of(con).values())) == 2  # A and V linked automatically

    constraints = [
        _constraint(uid("A-0901"), uid("V-0901"), CANNOT_LINK),
        _constraint(uid("A-0901"), uid("B-0901"), CANNOT_LINK, "D2"),
    ]
    constraints_replace(con=con, constraints=constraints)
    link(con=con, progress=NullProgress())

    after = _person_of(con)
    assert len(set(after.values())) == 3
    # The reviewer settled the only review question, so the queue is empty.
    assert con.execute("SELECT count(*) FROM review_items").fetchall() == [(0,)]


def test_review_weights_sum_to_match_weight(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, REVIEW_PAIR)
    link(con=con, progress=NullProgress())

    row = con.execute(
        "SELECT w.review_id, w.record_uid_l, w.record_uid_r, prior_weight, w.match_weight, "
        "comparisons, p.match_weight FROM review_item_weights w "
        "JOIN pairs p ON p.record_uid_l = w.record_uid_l AND p.record_uid_r = w.record_uid_r"
    ).fetchall()[0]
    _, left, right, prior, match_weight, comparisons, pair_weight = row
    parts = json.loads(comparisons)

    assert (left, right) == (uid("A-0901"), uid("B-0901"))
    assert match_weight == pytest.approx(pair_weight)
    assert prior < 0  # a random pair rarely matches
    by_name = {part["comparison"]: part for part in parts}
    assert by_name["sex"]["level"] == "else"
    assert by_name["sex"]["log2_bayes_factor"] < 0
    assert by_name["dob"]["level"] == "exact"
    assert by_name["passport"]["gamma"] == -1  # missing on one side: the null level
    total = prior + sum(part["log2_bayes_factor"] for part in parts)
    assert total == pytest.approx(match_weight, abs=1e-9)
