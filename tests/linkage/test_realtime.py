"""Real-time scoring gives the batch linkage's keys, levels, scores and decisions."""

from __future__ import annotations

import itertools
import logging
import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from linkage_records import record, staged_row, uid
from rapidfuzz.distance import JaroWinkler
from splink import DuckDBAPI, Linker

from immigrationos import staging
from immigrationos.linkage.blocking import BLOCKING_KEYS, candidate_pairs_build
from immigrationos.linkage.comparisons import COMPARISONS
from immigrationos.linkage.decisions import LINK, NO_LINK, REVIEW
from immigrationos.linkage.errors import LinkageInputError
from immigrationos.linkage.features import (
    _feature_row,
    feature_rows_build,
    features_table,
    records_fetch,
)
from immigrationos.linkage.model import (
    INPUT_TABLE,
    PAIRS_TABLE,
    input_table_create,
    name_frequencies_create,
    packaged_model,
    pairs_score,
    parameters_bound,
    settings_dict,
)
from immigrationos.linkage.realtime import (
    MULTIPLE_PERSONS_RULE,
    NO_CANDIDATES_RULE,
    MatchResult,
    PairScorer,
    RealtimeModelError,
    key_condition_holds,
    match_decide,
    match_keys,
    name_common,
    name_stats_build,
    pair_decision,
    probe_features,
)
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.linkage.sql_equivalents import (
    jaro_winkler_similarity,
    one_edit_apart,
    one_edit_or_swap_apart,
)
from immigrationos.progress import NullProgress
from immigrationos.sources.ingest import ingest_directory
from immigrationos.synth.generator import generate

AS_OF = date(2026, 12, 4)

# Hand-made records that reach the comparison levels a synthetic population rarely reaches
# (an initial, a DOB a year off, FBI numbers that differ). Every pair of them is scored.
_KOWALSKI = {
    "given_name": "Jan", "family_name": "Kowalski", "dob": "1980-03-04", "sex": "M",
    "nationality": "POL", "country_of_birth": "POL",
}  # fmt: skip
EDGE_RECORDS = [
    record("D-9901", **_KOWALSKI, passport_no="PL1234567", passport_country="POL",
           a_number="A012345678", fbi_number="123456AB1"),
    record("D-9902", **{**_KOWALSKI, "given_name": "J", "country_of_birth": "DEU"},
           passport_no="PL1234576", passport_country="POL", a_number="A012345687",
           fbi_number="123456AB2"),
    record("D-9903", **{**_KOWALSKI, "given_name": "Kowalski", "family_name": "Jan",
                        "dob": "1980-04-03"},
           passport_no="DE7654321", passport_country="DEU", a_number="A099999999"),
    record("D-9904", **{**_KOWALSKI, "dob": "1979-03-04"}, passport_no="PL9999999",
           passport_country="POL"),
    record("D-9905", given_name="Jan", sex="M"),
    record("D-9906", **_KOWALSKI, dob_quality="unresolved century"),
    record("D-9907", given_name="Jörg", family_name="Müller", dob="1975-12-01"),
    record("D-9908", given_name="JOERG", family_name="MUELLER", dob="1975-12-01"),
    record("D-9909", **{**_KOWALSKI, "given_name": "Jan Piotr",
                        "family_name": "Kowalski Nowak"}),
    record("D-9910", **{**_KOWALSKI, "family_name": "Kowalsky"}),
    record("D-9911", **{**_KOWALSKI, "given_name": "Jon", "family_name": "Kovalski"}),
    record("D-9912", **{**_KOWALSKI, "given_name": "Zbigniew", "dob": "1999-01-01"}),
    record("D-9913", given_name="Jan", family_name="Kowalski", dob="1980-03-04"),
    record("D-9914", given_name="Jan Kowalski", family_name="Nowak", dob="1980-03-04"),
    record("D-9915", given_name="Jan", family_name="Kowalski Nowak", dob="1980-03-04"),
]  # fmt: skip
EDGE_UIDS = [uid(row["record_id"]) for row in EDGE_RECORDS]
# Random pairs of the population add comparison levels that candidate pairs rarely reach.
RANDOM_PAIRS = 8_000


@pytest.fixture(scope="module")
def feature_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("realtime")
    generate(
        persons=1500, seed=7, out_dir=out, profile="default", as_of=AS_OF, progress=NullProgress()
    )
    con = staging.connect(":memory:")
    report = ingest_directory(con=con, extracts_dir=out / "extracts", progress=NullProgress())
    assert report.ok
    rows = records_fetch(con=con) + [staged_row(row) for row in EDGE_RECORDS]
    con.close()
    return feature_rows_build(rows=sorted(rows, key=lambda row: str(row[0])))


@pytest.fixture(scope="module")
def by_uid(feature_rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["unique_id"]: row for row in feature_rows}


def _input_connection(
    feature_rows: list[dict[str, Any]], settings: LinkageSettings
) -> duckdb.DuckDBPyConnection:
    work = duckdb.connect(":memory:")
    input_table_create(
        work=work, features=features_table(feature_rows=feature_rows), settings=settings
    )
    return work


def _pairs_table_create(work: duckdb.DuckDBPyConnection, uids: list[str]) -> None:
    """Create PAIRS_TABLE: the candidate pairs, random pairs and every pair of EDGE_RECORDS."""
    candidate_pairs_build(
        con=work, input_table=INPUT_TABLE, output_table="lk_candidates", max_block_size=400
    )
    rng = random.Random(11)
    extra = {tuple(sorted(rng.sample(uids, 2))) for _ in range(RANDOM_PAIRS)}
    extra |= set(itertools.combinations(sorted(EDGE_UIDS), 2))
    work.register(
        "lk_extra",
        pa.table(
            {"join_key_l": [pair[0] for pair in extra], "join_key_r": [pair[1] for pair in extra]}
        ),
    )
    work.execute(
        f"""
        CREATE TABLE {PAIRS_TABLE} AS
        SELECT min(match_key) AS match_key, join_key_l, join_key_r FROM (
            SELECT match_key, join_key_l, join_key_r FROM lk_candidates
            UNION ALL SELECT '99', join_key_l, join_key_r FROM lk_extra
        ) GROUP BY join_key_l, join_key_r ORDER BY join_key_l, join_key_r
        """
    )


def _perturbed_model() -> dict[str, Any]:
    """Return the packaged parameters with every m and u scaled by a random factor."""
    model = settings_dict(prior=2.5e-4)
    rng = random.Random(3)
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if key in level:
                    level[key] = level[key] * rng.uniform(0.3, 3.0)
    return parameters_bound(model)


def _batch_scores(
    feature_rows: list[dict[str, Any]], model: dict[str, Any], settings: LinkageSettings
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return pairs_score's rows for PAIRS_TABLE and the model as splink saved it."""
    work = _input_connection(feature_rows, settings)
    try:
        _pairs_table_create(work, [row["unique_id"] for row in feature_rows])
        linker = Linker(
            DuckDBAPI(connection=work).register(INPUT_TABLE), model, log_level=logging.ERROR
        )
        scored = pairs_score(
            linker=linker,
            con=work,
            min_probability=0.0,
            name_frequency_adjustment=settings.name_frequency_adjustment,
        ).to_pylist()
        pairs = work.execute(f"SELECT count(*) FROM {PAIRS_TABLE}").fetchall()[0][0]
        assert len(scored) == pairs
        return scored, linker.misc.save_model_to_json()
    finally:
        work.close()


# Scores must be bit-identical, not merely close. The batch sums the same float64 level
# weights in the same order, and DuckDB parses splink's weight literals exactly because
# Python's repr round-trips. DuckDB's pow and log2 come from the libm that Python uses too:
# the DuckDB 2.0.1 Linux wheel links libm.so.6 dynamically. A tolerance would hide a formula
# that rounds differently, such as 1 / (1 + 2^-w) in place of splink's 2^w / (1 + 2^w).
@pytest.mark.parametrize(
    ("model_kind", "adjustment"),
    [("packaged", "down_only"), ("packaged", "off"), ("perturbed", "full")],
)
def test_scores_equal_batch(
    feature_rows: list[dict[str, Any]],
    by_uid: dict[str, dict[str, Any]],
    model_kind: str,
    adjustment: str,
) -> None:
    settings = LinkageSettings(name_frequency_adjustment=adjustment)
    model = settings_dict() if model_kind == "packaged" else _perturbed_model()
    scored, saved = _batch_scores(feature_rows, model, settings)
    # The packaged case reads model.json itself, and the perturbed case reads the model
    # that splink saved after scoring, as model_latest() returns it.
    scorer_model = packaged_model() if model_kind == "packaged" else saved
    assert scorer_model is not None
    scorer = PairScorer(model=scorer_model, settings=settings)
    unadjusted = PairScorer(
        model=scorer_model, settings=replace(settings, name_frequency_adjustment="off")
    )
    stats = name_stats_build(feature_rows)

    gamma_mismatches, weight_mismatches, probability_mismatches = [], [], []
    levels_seen: set[tuple[str, int]] = set()
    adjusted = 0
    for row in scored:
        pair = (row["unique_id_l"], row["unique_id_r"])
        left, right = by_uid[pair[0]], by_uid[pair[1]]
        # The incoming record may be either side of the batch pair.
        realtime = scorer.score(right, left, stats=stats)
        batch_gammas = {
            key.removeprefix("gamma_"): value
            for key, value in row.items()
            if key.startswith("gamma_")
        }
        if realtime.gammas != batch_gammas:
            gamma_mismatches.append((pair, batch_gammas, realtime.gammas))
        if realtime.match_weight != row["match_weight"]:
            weight_mismatches.append((pair, row["match_weight"], realtime.match_weight))
        if realtime.probability != row["match_probability"]:
            probability_mismatches.append((pair, row["match_probability"], realtime.probability))
        levels_seen.update(realtime.gammas.items())
        adjusted += realtime.match_weight != unadjusted.score(left, right, stats=stats).match_weight

    assert len(scored) > 20_000
    assert gamma_mismatches == []
    assert weight_mismatches == []
    assert probability_mismatches == []
    # Every level of every comparison was reached, so each Python equivalent was checked.
    all_levels = {
        (name, gamma)
        for name, _, levels, _, _ in COMPARISONS
        for gamma in range(-1, len(levels) + 1)
    }
    assert all_levels - levels_seen == set()
    if adjustment == "off":
        assert adjusted == 0
    else:
        assert adjusted > 100


def test_name_stats_equal_batch(feature_rows: list[dict[str, Any]]) -> None:
    settings = LinkageSettings()
    stats = name_stats_build(feature_rows)
    work = _input_connection(feature_rows, settings)
    name_frequencies_create(con=work)
    given = dict(work.execute("SELECT name, ratio FROM lk_given_frequency").fetchall())
    family = dict(work.execute("SELECT name, ratio FROM lk_family_frequency").fetchall())
    common = work.execute(f"SELECT unique_id, full_c, name_common FROM {INPUT_TABLE}").fetchall()
    work.close()

    assert stats.given_ratio == given
    assert stats.family_ratio == family
    mismatched = [
        uid_
        for uid_, full_c, batch in common
        if name_common(full_c=full_c, stats=stats, settings=settings) != batch
    ]
    assert mismatched == []
    assert sum(batch for _, _, batch in common) > 50


def test_match_keys_equal_duckdb(feature_rows: list[dict[str, Any]]) -> None:
    work = _input_connection(feature_rows, LinkageSettings())
    batch: defaultdict[str, set[str]] = defaultdict(set)
    for index, (_, expressions, _) in enumerate(BLOCKING_KEYS):
        for expression in expressions:
            rows = work.execute(
                f"SELECT unique_id, ({expression}) FROM {INPUT_TABLE} "
                f"WHERE ({expression}) IS NOT NULL"
            ).fetchall()
            for uid_, value in rows:
                batch[uid_].add(f"{index}|{value}")
    work.close()

    mismatched = {}
    for row in feature_rows:
        keys = match_keys(row)
        assert len(keys) == len(set(keys))
        if set(keys) != batch[row["unique_id"]]:
            mismatched[row["unique_id"]] = (sorted(batch[row["unique_id"]]), keys)
    assert mismatched == {}
    # A record with a single phonetic key gets "KEY|KEY" from least and greatest.
    assert "6|JN|JN" in match_keys(_edge_features("D-9905"))


def _key_candidates(
    feature_rows: list[dict[str, Any]], max_block_size: int
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Return the pairs found through match_keys with the first key index that pairs them,
    and the pairs that share a key but fail its condition and that no other key pairs."""
    blocks: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in feature_rows:
        for key in match_keys(row):
            blocks[key].append(row)
    found: dict[tuple[str, str], int] = {}
    failed: set[tuple[str, str]] = set()
    for key, members in blocks.items():
        if len(members) > max_block_size:
            continue
        index = int(key.split("|", 1)[0])
        # Members follow feature_rows, which are sorted by uid, so left has the lower uid.
        for left, right in itertools.combinations(members, 2):
            pair = (left["unique_id"], right["unique_id"])
            if key_condition_holds(index, left, right):
                found[pair] = min(index, found.get(pair, index))
            else:
                failed.add(pair)
    return found, failed - set(found)


@pytest.mark.parametrize("max_block_size", [400, 4])
def test_key_candidates_equal_blocking(
    feature_rows: list[dict[str, Any]], max_block_size: int
) -> None:
    work = _input_connection(feature_rows, LinkageSettings())
    summary = candidate_pairs_build(
        con=work, input_table=INPUT_TABLE, output_table=PAIRS_TABLE, max_block_size=max_block_size
    )
    batch = {
        (left, right): int(match_key)
        for match_key, left, right in work.execute(
            f"SELECT match_key, join_key_l, join_key_r FROM {PAIRS_TABLE}"
        ).fetchall()
    }
    work.close()

    found, failed = _key_candidates(feature_rows, max_block_size)
    assert set(batch) - set(found) == set()
    assert set(found) - set(batch) == set()
    assert {pair: index for pair, index in found.items() if batch[pair] != index} == {}
    # Some pairs share a key whose DOB condition fails. By the equality above, neither path
    # pairs them.
    assert len(failed) > 10
    if max_block_size == 4:
        assert summary.oversized_blocks > 0


@pytest.mark.parametrize(
    ("dob_l", "dob_r", "index", "holds"),
    [
        ("1990-01-02", "1990-01-03", 4, True),  # one character
        ("1990-01-02", "1990-02-01", 5, True),  # day and month transposed
        ("1990-01-02", "1990-01-02", 4, False),  # equal DOBs pair through key 0 instead
        ("1990-01-02", "1990-03-04", 5, False),
        ("1990-01-02", None, 6, True),  # a missing DOB passes the phonetic name pair
        ("1990-01-02", "1991-11-02", 6, False),
        ("1990-01-02", "1995-05-05", 0, True),  # key 0 has no condition
    ],
)
def test_key_condition_holds_table(dob_l: str, dob_r: str | None, index: int, holds: bool) -> None:
    left = _edge_features("D-9913", dob=date.fromisoformat(dob_l))
    right = _edge_features("D-9901", dob=date.fromisoformat(dob_r) if dob_r else None)
    assert key_condition_holds(index, left, right) is holds
    assert key_condition_holds(index, right, left) is holds


def _name_pairs(feature_rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return random pairs of the population's folded name parts, and the same names one to
    three random edits apart."""
    names = sorted(
        {row[column] for row in feature_rows for column in ("given_c", "family_c") if row[column]}
    )
    rng = random.Random(5)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ "
    pairs = {(rng.choice(names), rng.choice(names)) for _ in range(20_000)}
    for _ in range(20_000):
        left = rng.choice(names)
        chars = list(left)
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(chars))
            edit = rng.randrange(4)
            if edit == 0:
                chars[position] = rng.choice(alphabet)
            elif edit == 1:
                chars.insert(position, rng.choice(alphabet))
            elif edit == 2 and len(chars) > 1:
                del chars[position]
            elif position + 1 < len(chars):
                chars[position], chars[position + 1] = chars[position + 1], chars[position]
        pairs.add((left, "".join(chars)))
    return sorted(pairs)


def test_jaro_winkler_equals_duckdb(feature_rows: list[dict[str, Any]]) -> None:
    pairs = [*_name_pairs(feature_rows), ("", ""), ("", "A"), ("A", "")]
    con = duckdb.connect(":memory:")
    con.register("names", pa.table({"l": [p[0] for p in pairs], "r": [p[1] for p in pairs]}))
    batch = con.execute(
        "SELECT jaro_winkler_similarity(l, r), jaro_winkler_similarity(l, r) >= 0.92, "
        "jaro_winkler_similarity(l, r) >= 0.80 FROM names"
    ).fetchall()
    con.close()

    differing = [
        (pair, expected, jaro_winkler_similarity(*pair))
        for pair, (expected, _, _) in zip(pairs, batch, strict=True)
        if jaro_winkler_similarity(*pair) != expected
    ]
    assert differing == []
    thresholds = [
        pair
        for pair, (_, at_92, at_80) in zip(pairs, batch, strict=True)
        if (jaro_winkler_similarity(*pair) >= 0.92, jaro_winkler_similarity(*pair) >= 0.80)
        != (at_92, at_80)
    ]
    assert thresholds == []
    # rapidfuzz's Python JaroWinkler rounds twice and differs from DuckDB on some pairs, so
    # the pairs above can tell the two roundings apart.
    rounded_twice = sum(
        JaroWinkler.similarity(*pair) != expected
        for pair, (expected, _, _) in zip(pairs, batch, strict=True)
        if pair[0] and pair[1]
    )
    assert rounded_twice > 100
    assert jaro_winkler_similarity("CAMILA LOPEZ", "CMLIALOPEZ") == 0.92
    assert JaroWinkler.similarity("CAMILA LOPEZ", "CMLIALOPEZ") < 0.92


def test_edit_distances_equal_duckdb(feature_rows: list[dict[str, Any]]) -> None:
    pairs = _name_pairs(feature_rows)
    con = duckdb.connect(":memory:")
    con.register("names", pa.table({"l": [p[0] for p in pairs], "r": [p[1] for p in pairs]}))
    batch = con.execute(
        "SELECT levenshtein(l, r) = 1, damerau_levenshtein(l, r) = 1 FROM names"
    ).fetchall()
    con.close()

    differing = [
        pair
        for pair, (one_edit, one_swap) in zip(pairs, batch, strict=True)
        if (one_edit_apart(*pair), one_edit_or_swap_apart(*pair)) != (one_edit, one_swap)
    ]
    assert differing == []
    assert sum(one_swap and not one_edit for one_edit, one_swap in batch) > 100


def test_probe_features_equal_feature_row() -> None:
    for row in EDGE_RECORDS:
        incoming = {**row, "record_uid": uid(row["record_id"])}
        assert probe_features(incoming) == _feature_row(staged_row(row))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"record_uid": None}, "missing record_uid"),
        ({"dob": "1980-03-04"}, "expected a datetime.date"),
        ({"dob": datetime(1980, 3, 4)}, "expected a datetime.date"),
    ],
)
def test_probe_features_rejects_invalid(fields: dict[str, Any], message: str) -> None:
    incoming = {**EDGE_RECORDS[0], "record_uid": uid("D-9901"), **fields}
    with pytest.raises(LinkageInputError, match=message):
        probe_features(incoming)


def test_scorer_rejects_unknown_level_sql() -> None:
    model = settings_dict()
    model["comparisons"][1]["comparison_levels"][2]["sql_condition"] = '("dob_l" >= "dob_r")'
    with pytest.raises(RealtimeModelError, match='dob_l" >= "dob_r'):
        PairScorer(model=model, settings=LinkageSettings())


# --- match_decide ----------------------------------------------------------------------------


def _edge_features(record_id: str, **fields: Any) -> dict[str, Any]:
    base = next(row for row in EDGE_RECORDS if row["record_id"] == record_id)
    return probe_features({**base, **fields, "record_uid": uid(record_id)})


def _features(record_id: str, **fields: Any) -> dict[str, Any]:
    return probe_features({**record(record_id, **fields), "record_uid": uid(record_id)})


MARIA = {
    "given_name": "Maria", "family_name": "Garcia Lopez", "dob": "1985-06-15", "sex": "F",
    "nationality": "MEX", "passport_no": "G1234567", "passport_country": "MEX",
}  # fmt: skip
OTHER = {"given_name": "Oskar", "family_name": "Brandvik", "dob": "1997-09-14", "sex": "M"}


@pytest.fixture
def scorer() -> PairScorer:
    model = packaged_model()
    assert model is not None
    return PairScorer(model=model, settings=LinkageSettings())


def _decide(
    probe: dict[str, Any],
    candidates: list[tuple[str, dict[str, Any]]],
    scorer: PairScorer,
    limit: int = 5,
) -> MatchResult:
    stats = name_stats_build([probe] + [row for _, row in candidates])
    return match_decide(
        probe=probe,
        candidates=candidates,
        scorer=scorer,
        stats=stats,
        settings=LinkageSettings(),
        limit=limit,
    )


def test_match_decide_links_one_person(scorer: PairScorer) -> None:
    probe = _features("D-0001", **MARIA)
    candidates = [("P-2", _features("V-0002", **OTHER)), ("P-1", _features("V-0001", **MARIA))]

    result = _decide(probe, candidates, scorer)

    assert result.outcome == LINK
    assert result.person_id == "P-1"
    assert result.rule == "exact_passport_dob"
    assert result.probability is not None
    assert result.probability > 0.99
    assert [candidate.person_id for candidate in result.candidates] == ["P-1", "P-2"]
    assert result.candidates[1].outcome == NO_LINK


def test_match_decide_review_band(scorer: PairScorer) -> None:
    # An initial for the given name and no passport on either record: about 0.92 with the
    # packaged model, inside the review band [0.5, 0.99).
    probe = _features("D-0001", **{**MARIA, "passport_no": None})
    stored = _features("V-0001", **{**MARIA, "given_name": "M", "passport_no": None})

    result = _decide(probe, [("P-1", stored)], scorer)

    assert result.outcome == REVIEW
    assert result.person_id == "P-1"
    assert result.probability is not None
    assert 0.5 <= result.probability < 0.99
    assert result.reason == "match probability in the review band"
    assert result.candidates[0].gammas["name"] == 6  # initial and family


def test_match_decide_two_linking_persons_review(scorer: PairScorer) -> None:
    probe = _features("D-0001", **MARIA)
    candidates = [("P-2", _features("V-0002", **MARIA)), ("P-1", _features("V-0001", **MARIA))]

    result = _decide(probe, candidates, scorer)

    assert result.outcome == REVIEW
    assert result.person_id is None
    assert result.rule == MULTIPLE_PERSONS_RULE
    assert "P-1, P-2" in result.reason
    assert [candidate.outcome for candidate in result.candidates] == [LINK, LINK]


def test_match_decide_no_link(scorer: PairScorer) -> None:
    probe = _features("D-0001", **MARIA)
    namesakes = [("P-9", _features("V-0009", **OTHER)), ("P-3", _features("V-0003", **OTHER))]

    result = _decide(probe, namesakes, scorer, limit=1)
    empty = _decide(probe, [], scorer)

    assert result.outcome == NO_LINK
    assert result.person_id is None
    # Equal probabilities: the lower person id comes first, and limit keeps one.
    assert [candidate.person_id for candidate in result.candidates] == ["P-3"]
    assert empty.outcome == NO_LINK
    assert empty.rule == NO_CANDIDATES_RULE
    assert empty.probability is None


def test_match_decide_pair_veto(scorer: PairScorer) -> None:
    # Same name, DOB and nationality but A-numbers far apart: a link score that the veto
    # sends to review.
    probe = _features("D-0001", **{**MARIA, "passport_no": None, "a_number": "A012345678"})
    stored = _features("V-0001", **{**MARIA, "passport_no": None, "a_number": "A098765432"})

    result = _decide(probe, [("P-1", stored)], scorer)

    assert result.outcome == REVIEW
    assert result.person_id == "P-1"
    assert result.reason == "different A-numbers"
    assert result.candidates[0].veto == "different A-numbers"
    assert result.probability is not None
    assert result.probability >= 0.99


def test_match_decide_person_veto(scorer: PairScorer) -> None:
    # The probe links to one record of P-1, but another record of P-1 has a different
    # A-number. The batch clustering would reject the join, so the result is review.
    probe = _features("D-0001", **{**MARIA, "a_number": "A012345678"})
    linking = _features("V-0001", **MARIA)
    contradicting = _features("B-0001", **{**MARIA, "passport_no": None, "a_number": "A098765432"})

    result = _decide(probe, [("P-1", linking), ("P-1", contradicting)], scorer)
    pair_score = scorer.score(probe, linking, stats=name_stats_build([probe, linking]))
    decision = pair_decision(probe, linking, pair_score, LinkageSettings())

    assert decision.outcome == LINK
    assert result.outcome == REVIEW
    assert result.person_id == "P-1"
    assert result.candidates[0].record_uid == uid("V-0001")
    assert result.reason.startswith(f"would join {uid('B-0001')} and {uid('D-0001')}")
    assert result.reason.endswith("different A-numbers")


def test_match_decide_skips_probe_itself(scorer: PairScorer) -> None:
    probe = _features("D-0001", **MARIA)
    result = _decide(probe, [("P-1", probe)], scorer)
    assert result.outcome == NO_LINK
    assert result.rule == NO_CANDIDATES_RULE


def test_match_decide_rejects_negative_limit(scorer: PairScorer) -> None:
    probe = _features("D-0001", **MARIA)
    with pytest.raises(LinkageInputError, match="limit=-1 is invalid"):
        _decide(probe, [], scorer, limit=-1)
