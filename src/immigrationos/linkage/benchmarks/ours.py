"""ImmigrationOS's linkage approach on a FEBRL data set.

FEBRL fields map onto the identity features of staged records: given name, surname, DOB
(YYYYMMDD, invalid dates missing) and ``soc_sec_id`` as the identity number, in the A-number
slot so that its comparison levels, tier-1 rule and veto apply. The address is one combined
comparison of street number, street, locality, suburb, postcode and state, because those
fields are correlated: counted as separate comparisons, they add up to strong evidence for
everyone living at one address.

Blocking uses the pipeline's keys plus the address and name keys in ``_EXTRA_BLOCKING_KEYS``.
Decisions, vetoes and clustering are the pipeline's, except for the reasons in
``FEBRL_WAIVED``, which assume how immigration records go wrong.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from immigrationos.linkage.benchmarks.data import (
    FebrlDataset,
    cluster_pairs,
    pair_key,
    pairwise_scores,
)
from immigrationos.linkage.blocking import candidate_pairs_build
from immigrationos.linkage.clustering import Edge, clusters_build
from immigrationos.linkage.decisions import LINK, NO_LINK, REVIEW, Decision, pair_decide
from immigrationos.linkage.features import FEATURE_SCHEMA, feature_rows_build
from immigrationos.linkage.model import (
    INPUT_TABLE,
    PAIRS_TABLE,
    input_table_create,
    model_train,
    pairs_score,
    settings_dict,
)
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.linkage.vetoes import veto_reason

_ADDRESS_PARTS = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
_ADDRESS_SCHEMA = [
    ("street", pa.string()),
    ("suburb", pa.string()),
    ("postcode", pa.string()),
    ("address", pa.string()),
]

_JW_STREET = 'jaro_winkler_similarity("street_l", "street_r")'
_JW_SUBURB = 'jaro_winkler_similarity("suburb_l", "suburb_r")'
_JW_ADDRESS = 'jaro_winkler_similarity("address_l", "address_r")'
# (label, SQL condition, starting m, starting u). EM trains m and random sampling trains u.
_ADDRESS_LEVELS = (
    ("exact", '"address_l" = "address_r"', 0.6, 0.0001),
    (
        "street and locality agree",
        f'{_JW_STREET} >= 0.9 AND ("postcode_l" = "postcode_r" OR {_JW_SUBURB} >= 0.9)',
        0.2,
        0.0002,
    ),
    ("street agrees", f"{_JW_STREET} >= 0.9", 0.05, 0.001),
    ("locality agrees", f'"postcode_l" = "postcode_r" AND {_JW_SUBURB} >= 0.9', 0.05, 0.005),
    ("jaro-winkler >= 0.85 on the whole address", f"{_JW_ADDRESS} >= 0.85", 0.05, 0.02),
)

# Blocking keys over the address and the name without a DOB, added to the pipeline's keys:
# FEBRL replaces whole DOBs and identity numbers, which the pipeline's keys rely on.
_EXTRA_BLOCKING_KEYS = (
    "postcode || '|' || street",
    "given_ph || '|' || family_ph",
    "suburb || '|' || given_ph",
    "suburb || '|' || family_ph",
    "dob_s",
    "street",
    "left(a_number, 6)",
    "right(a_number, 5)",
)

# Review reasons and vetoes that rest on how immigration records go wrong. FEBRL's
# corruption model breaks them: it replaces whole DOBs and given names with other values,
# changes several digits of the identity number and blanks fields. Its data contains no
# twins or household members. Under the FEBRL profile a pair with one of these reasons is
# decided by its rule and probability alone.
FEBRL_WAIVED = frozenset(
    {
        "dates of birth more than two years apart",
        "different A-numbers",
        "exact identifier but name and DOB disagree",
        "no given name and no shared identifier",
        "different given names with the same family name and date of birth",
    }
)

# Link thresholds tried for the figures at the best threshold, which use the truth to pick
# one as the splink baseline's figures do.
BEST_THRESHOLD_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.999)

# Deterministic rules that admit almost no false pairs, for the prior.
_PRIOR_RULES = (
    "l.a_number = r.a_number AND l.dob = r.dob",
    "l.full_c = r.full_c AND l.dob = r.dob",
)
# Each EM session trains every comparison except the one its blocking rule fixes.
_EM_RULES = ("l.dob = r.dob", "l.a_number = r.a_number")


def address_comparison() -> dict[str, Any]:
    """Return the splink comparison dict of the combined address."""
    levels: list[dict[str, Any]] = [
        {
            "sql_condition": '"address_l" IS NULL OR "address_r" IS NULL',
            "label_for_charts": "null",
            "is_null_level": True,
        }
    ]
    for label, sql, m, u in _ADDRESS_LEVELS:
        levels.append(
            {
                "sql_condition": f"({sql})",
                "label_for_charts": label,
                "m_probability": m,
                "u_probability": u,
            }
        )
    levels.append(
        {"sql_condition": "ELSE", "label_for_charts": "else", "m_probability": 0.05,
         "u_probability": 0.97}
    )  # fmt: skip
    return {
        "output_column_name": "address",
        "comparison_description": "address",
        "comparison_levels": levels,
    }


def _dob(value: str | None) -> date | None:
    if value is None or len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _joined(*values: str | None) -> str | None:
    text = " ".join(value.lower() for value in values if value)
    return text or None


def feature_rows(records: list[dict[str, str | None]]) -> list[dict[str, Any]]:
    """Return the identity features of FEBRL records plus the address columns."""
    staged = [
        (record["uid"], record["source"], record["given_name"], record["surname"],
         _dob(record["date_of_birth"]), None, None, None, None, None, record["soc_sec_id"],
         None)
        for record in records
    ]  # fmt: skip
    rows = feature_rows_build(rows=staged)
    for row, record in zip(rows, records, strict=True):
        row["street"] = _joined(record["street_number"], record["address_1"])
        row["suburb"] = _joined(record["suburb"])
        row["postcode"] = record["postcode"]
        row["address"] = _joined(*(record[part] for part in _ADDRESS_PARTS))
    return rows


def _linker_train(work: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> Linker:
    model = settings_dict()
    model["comparisons"].append(address_comparison())
    trained = model_train(
        con=work, settings=settings, model=model, prior_rules=_PRIOR_RULES, em_rules=_EM_RULES
    )
    db_api = DuckDBAPI(connection=work)
    return Linker(db_api.register(INPUT_TABLE), trained, log_level=logging.ERROR)


def _cross_source_only(work: duckdb.DuckDBPyConnection) -> None:
    work.execute(
        f"""
        DELETE FROM {PAIRS_TABLE} WHERE (join_key_l, join_key_r) IN (
            SELECT (p.join_key_l, p.join_key_r) FROM {PAIRS_TABLE} p
            JOIN {INPUT_TABLE} l ON l.unique_id = p.join_key_l
            JOIN {INPUT_TABLE} r ON r.unique_id = p.join_key_r
            WHERE l.source = r.source
        )
        """
    )


def _extra_candidates_add(work: duckdb.DuckDBPyConnection, max_block_size: int) -> None:
    for key in _EXTRA_BLOCKING_KEYS:
        work.execute(
            f"""
            INSERT INTO {PAIRS_TABLE}
            WITH keyed AS (
                SELECT ({key}) AS block, unique_id FROM {INPUT_TABLE} WHERE ({key}) IS NOT NULL
            ), small AS (
                SELECT block FROM keyed GROUP BY block HAVING count(*) <= {int(max_block_size)}
            )
            SELECT DISTINCT 'extra', l.unique_id, r.unique_id
            FROM keyed l JOIN keyed r ON l.block = r.block AND l.unique_id < r.unique_id
            WHERE l.block IN (SELECT block FROM small)
              AND (l.unique_id, r.unique_id) NOT IN (
                  SELECT (join_key_l, join_key_r) FROM {PAIRS_TABLE}
              )
            """
        )


def _febrl_veto(left: Mapping[str, Any], right: Mapping[str, Any]) -> str | None:
    # NOTE: veto_reason returns its first reason only, so a waived reason hides any later
    # one (compound surnames, passports) for the same pair.
    reason = veto_reason(left, right)
    return None if reason in FEBRL_WAIVED else reason


def _decide(
    *,
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    row: Mapping[str, Any],
    settings: LinkageSettings,
    strict: bool,
) -> Decision:
    probability = row["match_probability"]
    decision = pair_decide(
        left=left,
        right=right,
        probability=probability,
        gamma_name=row["gamma_name"],
        gamma_dob=row["gamma_dob"],
        settings=settings,
    )
    waived = decision.veto in FEBRL_WAIVED or decision.reason in FEBRL_WAIVED
    if strict or decision.outcome == LINK or not waived:
        return decision
    veto = _febrl_veto(left, right)
    if veto is not None:
        return Decision(REVIEW, decision.rule, veto=veto, reason=veto)
    if decision.rule != "splink" or probability >= settings.link_threshold:
        return Decision(LINK, decision.rule)
    if probability >= settings.review_threshold:
        return Decision(REVIEW, decision.rule, reason="match probability in the review band")
    return Decision(NO_LINK, decision.rule)


def _candidates(work: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = work.execute(f"SELECT join_key_l, join_key_r FROM {PAIRS_TABLE}").fetchall()
    return {pair_key(left, right) for left, right in rows}


def _partition_scores(
    *,
    dataset: FebrlDataset,
    scored: list[dict[str, Any]],
    by_uid: Mapping[str, Mapping[str, Any]],
    settings: LinkageSettings,
    strict: bool,
) -> dict[str, Any]:
    edges = []
    review = 0
    for row in scored:
        uid_l, uid_r = row["unique_id_l"], row["unique_id_r"]
        decision = _decide(
            left=by_uid[uid_l], right=by_uid[uid_r], row=row, settings=settings, strict=strict
        )
        if decision.outcome == LINK:
            edges.append(Edge(uid_l, uid_r, row["match_probability"], decision.rule))
        review += decision.outcome == REVIEW
    veto = veto_reason if strict else _febrl_veto
    clustering = clusters_build(uids=by_uid, edges=edges, features=by_uid, veto=veto)
    source_of = {str(record["uid"]): str(record["source"]) for record in dataset.records}
    predicted = cluster_pairs(
        clusters=clustering.clusters,
        source_of=source_of,
        link_only=dataset.link_type == "link_only",
    )
    figures: dict[str, Any] = pairwise_scores(predicted=predicted, true_pairs=dataset.true_pairs)
    figures.update(
        links=len(clustering.accepted),
        review_pairs=review,
        rejected_by_veto=len(clustering.rejected),
    )
    return figures


def _best_threshold_scores(
    *,
    dataset: FebrlDataset,
    scored: list[dict[str, Any]],
    by_uid: Mapping[str, Mapping[str, Any]],
    settings: LinkageSettings,
) -> dict[str, Any]:
    """Return the FEBRL-profile scores at the link threshold with the best F1."""
    best: dict[str, Any] = {"pairwise_f1": -1.0}
    for threshold in BEST_THRESHOLD_GRID:
        trial = replace(
            settings,
            link_threshold=threshold,
            review_threshold=min(settings.review_threshold, threshold),
        )
        figures = _partition_scores(
            dataset=dataset, scored=scored, by_uid=by_uid, settings=trial, strict=False
        )
        if figures["pairwise_f1"] > best["pairwise_f1"]:
            best = {**figures, "threshold": threshold}
    return best


def ours_evaluate(
    *, dataset: FebrlDataset, settings: LinkageSettings | None = None
) -> dict[str, Any]:
    """Link ``dataset`` with ImmigrationOS's approach and return pairwise scores and counts.

    Only pairs decided "link" (and kept by clustering) count as predicted; review pairs
    count as not linked. The top-level scores use the FEBRL profile (``FEBRL_WAIVED``) at
    the link threshold of ``BEST_THRESHOLD_GRID`` with the best F1, as the baseline's do.
    ``at_fixed_threshold`` contains them at the link threshold of ``settings``, and ``strict``
    the scores there of the same pairs decided with every rule of the pipeline. ``seconds``
    covers one linkage at the fixed threshold, not the threshold search.
    """
    settings = settings or LinkageSettings()
    started = time.perf_counter()
    rows = feature_rows(dataset.records)
    schema = pa.schema(list(FEATURE_SCHEMA) + [pa.field(n, t) for n, t in _ADDRESS_SCHEMA])
    features = pa.Table.from_pylist(rows, schema=schema)
    by_uid = {row["unique_id"]: row for row in rows}

    work = duckdb.connect(":memory:")
    try:
        input_table_create(work=work, features=features, settings=settings)
        candidate_pairs_build(
            con=work,
            input_table=INPUT_TABLE,
            output_table=PAIRS_TABLE,
            max_block_size=settings.max_block_size,
        )
        _extra_candidates_add(work, settings.max_block_size)
        if dataset.link_type == "link_only":
            _cross_source_only(work)
        candidates = _candidates(work)
        linker = _linker_train(work, settings)
        scored = pairs_score(
            linker=linker, con=work, min_probability=settings.store_min_probability
        ).to_pylist()
    finally:
        work.close()

    common = {"dataset": dataset, "scored": scored, "by_uid": by_uid}
    fixed = _partition_scores(**common, settings=settings, strict=False)
    seconds = time.perf_counter() - started
    figures = _best_threshold_scores(**common, settings=settings)
    figures["at_fixed_threshold"] = {**fixed, "threshold": settings.link_threshold}
    figures["strict"] = {
        **_partition_scores(**common, settings=settings, strict=True),
        "threshold": settings.link_threshold,
    }
    figures.update(
        records=len(rows),
        candidate_pairs=len(candidates),
        blocking_recall=len(candidates & dataset.true_pairs) / len(dataset.true_pairs),
        link_threshold=settings.link_threshold,
        review_threshold=settings.review_threshold,
        seed=settings.seed,
        seconds=seconds,
    )
    return figures
