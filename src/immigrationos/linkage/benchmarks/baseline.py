"""A standard splink model on a FEBRL data set, the baseline for ImmigrationOS's approach.

The model compares given name and surname with Jaro-Winkler levels, and also the DOB, the
street, the postcode and the identity number. It samples u with a fixed seed, trains m by EM,
and blocks on name, DOB, identity number and address keys.

The top-level scores are at the threshold with the best F1 against the truth, as
ImmigrationOS's are. A threshold picked with the truth flatters both, so the scores at a
fixed threshold come too.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from immigrationos.linkage.benchmarks.data import FIELDS, FebrlDataset, Pair, pair_key
from immigrationos.linkage.benchmarks.data import pairwise_scores as _scores

BLOCKING_RULES = (
    block_on("given_name", "surname"),
    block_on("date_of_birth"),
    block_on("soc_sec_id"),
    block_on("postcode", "street_number"),
    block_on("surname", "suburb"),
)
PRIOR_RULES = ("l.soc_sec_id = r.soc_sec_id AND l.date_of_birth = r.date_of_birth",)
EM_RULES = (block_on("date_of_birth"), block_on("given_name", "surname"))
# Thresholds tried for the best F1: 0.01 to 0.99 by 0.01, then 0.999 and 0.9999.
THRESHOLDS = (*(step / 100 for step in range(1, 100)), 0.999, 0.9999)


def _settings(link_type: str) -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only" if link_type == "link_only" else "dedupe_only",
        unique_id_column_name="uid",
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("surname", [0.9, 0.7]),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("postcode"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_intermediate_calculation_columns=False,
    )


def _partition_pairs(pairs: list[tuple[str, str, float]], threshold: float) -> set[Pair]:
    """Return every pair inside a connected component of the pairs at ``threshold``."""
    parent: dict[str, str] = {}

    def root(uid: str) -> str:
        parent.setdefault(uid, uid)
        while parent[uid] != uid:
            parent[uid] = parent[parent[uid]]
            uid = parent[uid]
        return uid

    for left, right, probability in pairs:
        if probability >= threshold:
            parent[root(left)] = root(right)
    groups: dict[str, list[str]] = {}
    for uid in parent:
        groups.setdefault(root(uid), []).append(uid)
    result: set[Pair] = set()
    for members in groups.values():
        members.sort()
        result.update(
            (left, right) for index, left in enumerate(members) for right in members[index + 1 :]
        )
    return result


def _threshold_scores(
    dataset: FebrlDataset, pairs: list[tuple[str, str, float]], threshold: float
) -> dict[str, Any]:
    if dataset.link_type == "link_only":
        predicted = {(left, right) for left, right, p in pairs if p >= threshold}
    else:
        predicted = _partition_pairs(pairs, threshold)
    figures: dict[str, Any] = _scores(predicted=predicted, true_pairs=dataset.true_pairs)
    figures["threshold"] = threshold
    return figures


def baseline_evaluate(
    *, dataset: FebrlDataset, seed: int, fixed_threshold: float
) -> dict[str, Any]:
    """Link ``dataset`` with the standard splink model and return its best-F1 scores.

    ``at_fixed_threshold`` contains the scores at ``fixed_threshold`` (pass ImmigrationOS's link
    threshold to compare like with like).

    A link task scores the predicted pairs as they are; a dedupe task scores every pair
    inside the connected components of the predicted pairs, as splink's clustering does.
    """
    started = time.perf_counter()
    columns = ["uid", *FIELDS]
    frames = [
        pd.DataFrame([r for r in dataset.records if r["source"] == source], columns=columns)
        for source in sorted({str(record["source"]) for record in dataset.records})
    ]
    con = duckdb.connect(":memory:")
    try:
        db_api = DuckDBAPI(connection=con)
        tables = [
            db_api.register(frame, dataset_display_name=f"febrl_{index}")
            for index, frame in enumerate(frames)
        ]
        linker = Linker(tables, _settings(dataset.link_type), log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match(list(PRIOR_RULES), recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
        for rule in EM_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        predictions = linker.inference.predict()
        table = predictions.physical_name
        candidate_pairs = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        rows = con.sql(
            f"SELECT uid_l, uid_r, match_probability FROM {table} WHERE match_probability >= 0.01"
        ).fetchall()
    finally:
        con.close()
    pairs = [(*pair_key(left, right), float(probability)) for left, right, probability in rows]

    best: dict[str, Any] = {"pairwise_f1": -1.0}
    for threshold in THRESHOLDS:
        figures = _threshold_scores(dataset, pairs, threshold)
        if figures["pairwise_f1"] > best["pairwise_f1"]:
            best = figures
    best.update(
        at_fixed_threshold=_threshold_scores(dataset, pairs, fixed_threshold),
        records=len(dataset.records),
        candidate_pairs=int(candidate_pairs),
        seed=seed,
        seconds=time.perf_counter() - started,
    )
    return best
