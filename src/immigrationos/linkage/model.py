"""Train the splink model and score candidate pairs with it (DuckDB backend)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from immigrationos.linkage.comparisons import comparison_dicts
from immigrationos.linkage.settings import LinkageSettings

logger = logging.getLogger(__name__)

INPUT_TABLE = "lk_input"
PAIRS_TABLE = "lk_blocked_pairs"
PACKAGED_MODEL = "model.json"

# Floors for trained m and u: EM can drive either to zero for a level it never observes.
MIN_M_PROBABILITY = 1e-4
MIN_U_PROBABILITY = 1e-7

# Used only when no packaged model exists: about 3 records per person among 6,000 records.
_FALLBACK_PRIOR = 3.5e-4

# Deterministic rules that admit almost no false pairs; their pair count over an assumed
# recall estimates the prior probability that two random records match.
_PRIOR_RULES = (
    "l.passport_no = r.passport_no AND l.dob = r.dob",
    "l.a_number = r.a_number AND l.dob = r.dob",
    "l.fbi_number = r.fbi_number AND l.dob = r.dob",
    "l.full_c = r.full_c AND l.dob = r.dob AND l.nationality = r.nationality",
)
_PRIOR_RULES_RECALL = 0.8

# EM sessions: each trains every comparison except those its blocking rule fixes.
# A shared full name is not used: namesakes in such blocks pull EM towards a "match" class
# of same-name pairs, whose DOBs and documents then look like weak evidence.
_EM_RULES = ("l.dob = r.dob", "l.passport_no = r.passport_no")


@dataclass(frozen=True)
class ModelRun:
    """Provenance of one run's model parameters: trained or packaged, seed and prior."""

    trained: bool
    seed: int | None
    prior: float


def input_table_create(
    *, work: duckdb.DuckDBPyConnection, features: pa.Table, settings: LinkageSettings
) -> None:
    """Create ``INPUT_TABLE`` from the features, ordered by record uid, with ``name_common``."""
    work.register("lk_features", features)
    work.execute(
        f"""
        CREATE TABLE {INPUT_TABLE} AS
        SELECT f.*, coalesce(c.dobs >= {int(settings.common_name_min_dobs)}, false)
                   AS name_common
        FROM lk_features f
        LEFT JOIN (
            SELECT full_c, count(DISTINCT dob) AS dobs FROM lk_features GROUP BY full_c
        ) c USING (full_c)
        ORDER BY f.unique_id
        """
    )
    work.unregister("lk_features")


def packaged_model() -> dict[str, Any] | None:
    """Return the packaged trained parameters, or None when the package ships none."""
    path = resources.files("immigrationos.linkage").joinpath(PACKAGED_MODEL)
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _parameters_apply(comparisons: list[dict[str, Any]], model: dict[str, Any]) -> None:
    trained = {
        (comparison["output_column_name"], level["label_for_charts"]): level
        for comparison in model["comparisons"]
        for level in comparison["comparison_levels"]
    }
    for comparison in comparisons:
        for level in comparison["comparison_levels"]:
            source = trained.get((comparison["output_column_name"], level["label_for_charts"]))
            if source is None or level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                if key in source:
                    level[key] = source[key]


def settings_dict(*, prior: float | None = None) -> dict[str, Any]:
    """Return the splink settings: comparisons with packaged (or starting) parameters."""
    comparisons = comparison_dicts()
    model = packaged_model()
    if model is not None:
        _parameters_apply(comparisons, model)
    # NOTE: the packaged prior fits about 80,000 records. On a tiny input it understates the
    # chance that two records match, so tiny inputs score conservatively.
    packaged_prior = model["probability_two_random_records_match"] if model else None
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [],
        "probability_two_random_records_match": prior or packaged_prior or _FALLBACK_PRIOR,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


def linker_build(
    *, con: duckdb.DuckDBPyConnection, settings: LinkageSettings, records: int
) -> tuple[Linker, ModelRun]:
    """Return a linker over ``INPUT_TABLE``, EM-trained when the input is large enough.

    Small inputs use the packaged parameters unchanged, so tiny record sets always score the
    same way. Larger inputs sample u with ``settings.seed`` and train m by EM.
    """
    db_api = DuckDBAPI(connection=con)
    if records < settings.min_records_to_train:
        linker = Linker(db_api.register(INPUT_TABLE), settings_dict(), log_level=logging.ERROR)
        prior = float(settings_dict()["probability_two_random_records_match"])
        return linker, ModelRun(trained=False, seed=None, prior=prior)

    trained = model_train(con=con, settings=settings, model=settings_dict())
    linker = Linker(db_api.register(INPUT_TABLE), trained, log_level=logging.ERROR)
    prior = float(trained["probability_two_random_records_match"])
    return linker, ModelRun(trained=True, seed=settings.seed, prior=prior)


def model_train(
    *,
    con: duckdb.DuckDBPyConnection,
    settings: LinkageSettings,
    model: dict[str, Any],
    prior_rules: tuple[str, ...] = _PRIOR_RULES,
    em_rules: tuple[str, ...] = _EM_RULES,
) -> dict[str, Any]:
    """Train ``model`` (a splink settings dict) on ``INPUT_TABLE`` and return its bounded
    parameters: the prior from ``prior_rules`` at an assumed recall of 0.8, u sampled with
    ``settings.seed``, then m by EM on each of ``em_rules``."""
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(INPUT_TABLE), model, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        list(prior_rules), recall=_PRIOR_RULES_RECALL
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.u_max_pairs, seed=settings.seed
    )
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=settings.em_max_pairs
        )
    return parameters_bound(linker.misc.save_model_to_json())


def parameters_bound(model: dict[str, Any]) -> dict[str, Any]:
    """Return ``model`` with m and u floored and common-name agreement capped.

    A level whose m is zero would bar a link outright (a second passport of another
    country, say), so m keeps a floor. Exact agreement on a common name never weighs more
    than exact agreement on any other name: its u is raised to match if EM put it higher.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key, floor in (("m_probability", MIN_M_PROBABILITY),
                               ("u_probability", MIN_U_PROBABILITY)):  # fmt: skip
                value = level.get(key)
                if value is not None:
                    level[key] = min(1.0, max(floor, float(value)))
        if comparison["output_column_name"] == "name":
            _common_name_cap(comparison["comparison_levels"])
    return model


def _common_name_cap(levels: list[dict[str, Any]]) -> None:
    by_label = {level["label_for_charts"]: level for level in levels}
    common, exact = by_label["exact common name"], by_label["exact"]
    ratio_exact = exact["m_probability"] / exact["u_probability"]
    if common["m_probability"] / common["u_probability"] > ratio_exact:
        common["u_probability"] = min(1.0, common["m_probability"] / ratio_exact)


def name_frequencies_create(*, con: duckdb.DuckDBPyConnection) -> None:
    """Create ``lk_given_frequency`` and ``lk_family_frequency`` from ``INPUT_TABLE``.

    Each holds, per comparison form of a name part, ``ratio``: the chance that two random
    identities share some value of that part, over the share of identities with this value.
    It is 1 for a name of average frequency and below 1 for a more common one, the factor
    splink's term-frequency adjustment applies (u of the level over the term's frequency).
    An identity is one distinct (given name, family name, DOB), so a person's many records
    count once. One person's DOB typo or missing DOB still counts as a second identity.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_identities AS
        SELECT DISTINCT given_c, family_c, dob FROM {INPUT_TABLE}
        WHERE given_c IS NOT NULL AND family_c IS NOT NULL
        """
    )
    for part in ("given", "family"):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lk_{part}_frequency AS
            WITH counts AS (
                SELECT {part}_c AS name, CAST(count(*) AS DOUBLE) AS n
                FROM lk_identities GROUP BY {part}_c
            ),
            totals AS (SELECT sum(n) AS total, sum(n * n) AS squares FROM counts)
            SELECT name, squares / (total * n) AS ratio FROM counts, totals
            """
        )
    con.execute("DROP TABLE lk_identities")


def _frequency_log2_sql(name_frequency_adjustment: str) -> str:
    # Only exact agreement on both name parts is adjusted. The two parts' factors multiply:
    # each part divides out its own chance agreement once, so nothing is counted twice.
    if name_frequency_adjustment == "off":
        return "0.0"
    factor = "log2(g.ratio * f.ratio)"
    if name_frequency_adjustment == "down_only":
        factor = f"least(0.0, {factor})"
    return (
        'CASE WHEN p."given_c_l" = p."given_c_r" AND p."family_c_l" = p."family_c_r" '
        f"THEN {factor} ELSE 0.0 END"
    )


def pairs_score(
    *,
    linker: Linker,
    con: duckdb.DuckDBPyConnection,
    min_probability: float,
    name_frequency_adjustment: str = "down_only",
) -> pa.Table:
    """Score the pairs in ``PAIRS_TABLE`` and return those worth a decision, by record uids.

    ``name_frequency_adjustment`` ("down_only", "off" or "full", as in ``LinkageSettings``)
    sets how exact agreement on a name is weighed by the name's frequency. The returned
    match_weight and match_probability include that adjustment, which no gamma column
    shows. A pair is returned when its probability reaches ``min_probability`` or when it
    shares a passport, A-number or FBI number (tier 1 applies whatever the score).

    Columns: unique_id_l, unique_id_r, match_weight, match_probability and every
    comparison's level as ``gamma_<comparison>``. The decision rules read gamma_name and
    gamma_dob, and the review page turns all of them into per-comparison weights.
    """
    db_api = linker._db_api
    blocked = db_api.register(PAIRS_TABLE, table_name="lk_registered_pairs")
    linker.table_management.register_blocked_pairs_for_predict(blocked)
    predictions = linker.inference.predict(warning_mode="never")
    joins = ""
    if name_frequency_adjustment != "off":
        name_frequencies_create(con=con)
        joins = (
            'LEFT JOIN lk_given_frequency g ON g.name = p."given_c_l" '
            'LEFT JOIN lk_family_frequency f ON f.name = p."family_c_l"'
        )
    # An unadjusted pair keeps splink's own probability, so runs compare bit for bit.
    probability = (
        "CASE WHEN adjusted_weight = match_weight THEN match_probability "
        "ELSE 1.0 / (1.0 + pow(2.0, -adjusted_weight)) END"
    )
    return con.sql(
        f"""
        WITH adjusted AS (
            SELECT p.*, p.match_weight + {_frequency_log2_sql(name_frequency_adjustment)}
                   AS adjusted_weight
            FROM {predictions.physical_name} p {joins}
        )
        SELECT unique_id_l, unique_id_r, adjusted_weight AS match_weight,
               {probability} AS match_probability, COLUMNS('^gamma_')
        FROM adjusted
        WHERE {probability} >= {float(min_probability)!r}
           OR passport_no_l = passport_no_r
           OR a_number_l = a_number_r
           OR fbi_number_l = fbi_number_r
        ORDER BY unique_id_l, unique_id_r
        """
    ).to_arrow_table()


def model_save(*, linker: Linker) -> dict[str, Any]:
    """Return the linker's trained settings, in the form ``PACKAGED_MODEL`` stores."""
    return linker.misc.save_model_to_json()
