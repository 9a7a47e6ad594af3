"""Incremental linkage: link newly staged records against existing persons, ids kept.

Each link run stores the splink model that scored it in ``linkage_models``. An incremental
run scores only candidate pairs that involve a record staged since the last run, with that
saved model, and decides and clusters them with the same thresholds, vetoes, reviewer
constraints and clustering as a full run. Existing persons are the starting clusters.

It differs from a full run on the same records in three stated ways:

- Existing persons are never merged. A new record that links to two existing persons joins
  the one its first link in clustering order reaches (exact-identifier links first, then the
  highest probability). Its link to the other goes to review ("would merge existing
  persons"), even when that link is an exact identifier, so an officer-visible person id
  never disappears without a reviewer. A full run (``immigrationos link --full``) merges
  such persons.
- Existing persons are never split, and pairs between two existing records are not
  re-scored, so their probabilities and review items stay as the last run left them.
- The model is not retrained on the new records: probabilities of new pairs come from the
  saved parameters.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from immigrationos import staging
from immigrationos.linkage.blocking import BLOCKING_KEYS, candidate_pairs_build
from immigrationos.linkage.clustering import Clustering, Edge, clusters_build
from immigrationos.linkage.comparisons import comparison_dicts
from immigrationos.linkage.constraints import CANNOT_LINK, Constraint, constraints_load
from immigrationos.linkage.decisions import LINK
from immigrationos.linkage.errors import LinkageInputError
from immigrationos.linkage.features import feature_rows_build, features_table, records_fetch
from immigrationos.linkage.ids import person_ids_assign
from immigrationos.linkage.model import (
    INPUT_TABLE,
    PAIRS_TABLE,
    input_table_create,
    pairs_score,
    settings_dict,
)
from immigrationos.linkage.pipeline import (
    LinkReport,
    _pairs_decide,
    _rejected_to_review,
    link,
    pair_rows_build,
    person_rows_build,
)
from immigrationos.linkage.review import (
    REVIEW_SCHEMA,
    WEIGHTS_SCHEMA,
    ReviewItem,
    ScoredPair,
    review_items_build,
    review_weights_build,
)
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.linkage.vetoes import veto_reason
from immigrationos.progress import Progress

logger = logging.getLogger(__name__)

MODELS_TABLE = "linkage_models"
FULL = "full"
INCREMENTAL = "incremental"
AUTO = "auto"

# The rule of the edges that hold each existing person together while new edges are added.
EXISTING_RULE = "existing_person"
# Scored edges carry probabilities of at most 1, so existing-person edges sort before them
# and every existing person is whole before any new record joins it.
_EXISTING_EDGE_ORDER = 2.0
MERGE_VETO = "would merge existing persons; an incremental run never merges persons"

Veto = Callable[[Mapping[str, Any], Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class SavedModel:
    """The model and settings of one link run, as ``linkage_models`` stores them."""

    run_id: str
    mode: str
    trained: bool
    seed: int | None
    link_threshold: float
    review_threshold: float
    constraints_fingerprint: str
    records_fingerprint: str
    linkage_fingerprint: str
    model: dict[str, Any]


def constraints_fingerprint(constraints: Sequence[Constraint]) -> str:
    """Return a SHA-256 over the constraints' kinds, pairs and decision ids, in any order."""
    text = "\n".join(sorted(f"{c.kind}|{c.uid_l}|{c.uid_r}|{c.decision_id}" for c in constraints))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def linkage_fingerprint(settings: LinkageSettings) -> str:
    """Return a SHA-256 over the comparisons, blocking keys and settings that shape a run.

    m and u probabilities are left out: a trained model changes them on every full run.
    """
    comparisons = [
        (comparison["output_column_name"],
         [level["sql_condition"] for level in comparison["comparison_levels"]])
        for comparison in comparison_dicts()
    ]  # fmt: skip
    text = json.dumps([comparisons, repr(BLOCKING_KEYS), repr(settings)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _records_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Return a fingerprint of the content of every record that has a person."""
    rows = con.execute(
        "SELECT count(*), coalesce(sum(hash(r.record_uid || '|' || r.row_hash)::HUGEINT), 0) "
        "FROM records r JOIN person_records p USING (record_uid)"
    ).fetchall()
    count, total = rows[0]
    return f"{count}:{total}"


def model_store(
    *,
    con: duckdb.DuckDBPyConnection,
    report: LinkReport,
    settings: LinkageSettings,
    mode: str,
    constraints: Sequence[Constraint],
) -> str:
    """Insert the model of the run behind ``report`` into ``linkage_models``; return its id."""
    run_id = f"L{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    con.execute(
        f"INSERT INTO {MODELS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            datetime.now(UTC),
            mode,
            report.records,
            report.trained,
            report.seed,
            settings.link_threshold,
            settings.review_threshold,
            constraints_fingerprint(constraints),
            _records_fingerprint(con),
            linkage_fingerprint(settings),
            json.dumps(report.model),
        ],
    )
    return run_id


def model_latest(*, con: duckdb.DuckDBPyConnection) -> SavedModel | None:
    """Return the model of the latest link run, or None when no run stored one."""
    rows = con.execute(
        f"SELECT run_id, mode, trained, seed, link_threshold, review_threshold, "
        f"constraints_fingerprint, records_fingerprint, linkage_fingerprint, model "
        f"FROM {MODELS_TABLE} "
        f"ORDER BY created_at DESC, run_id DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    (run_id, mode, trained, seed, link_t, review_t, constraints_fp, records_fp, linkage_fp,
     model) = rows[0]  # fmt: skip
    return SavedModel(
        run_id=run_id,
        mode=mode,
        trained=bool(trained),
        seed=seed,
        link_threshold=float(link_t),
        review_threshold=float(review_t),
        constraints_fingerprint=constraints_fp,
        records_fingerprint=records_fp,
        linkage_fingerprint=linkage_fp,
        model=json.loads(model),
    )


def link_mode_choose(
    *, con: duckdb.DuckDBPyConnection, settings: LinkageSettings
) -> tuple[str, str]:
    """Return ("incremental" or "full", the reason) for the staged records and the last run.

    Incremental needs a saved model, the same thresholds, reviewer constraints, comparisons,
    blocking keys and settings as that run, and every record it linked still staged with
    unchanged content, so that only new records have arrived. NOTE: other changes to the
    linkage code (decision rules, vetoes) are not detected; run ``link --full`` after them.
    """
    saved = model_latest(con=con)
    if saved is None:
        return FULL, "no earlier link run saved a model"
    if (saved.link_threshold, saved.review_threshold) != (
        settings.link_threshold,
        settings.review_threshold,
    ):
        return FULL, "the link or review threshold changed since the last run"
    if saved.linkage_fingerprint != linkage_fingerprint(settings):
        return FULL, "the comparisons, blocking keys or linkage settings changed since the last run"
    if saved.constraints_fingerprint != constraints_fingerprint(constraints_load(con=con)):
        return FULL, "reviewer decisions changed since the last run"
    if _records_fingerprint(con) != saved.records_fingerprint:
        return FULL, "records linked by the last run were changed or removed"
    return INCREMENTAL, "only new records arrived since the last run"


def link_run(
    *,
    con: duckdb.DuckDBPyConnection,
    progress: Progress,
    mode: str = AUTO,
    settings: LinkageSettings | None = None,
) -> LinkReport:
    """Link the staged records fully or incrementally and store the run's model.

    ``mode`` "auto" links incrementally when ``link_mode_choose`` allows it, else fully.
    Raises LinkageInputError when "incremental" is requested and not possible.
    """
    settings = LinkageSettings.from_env(settings)
    if mode not in (AUTO, FULL, INCREMENTAL):
        raise LinkageInputError(f"link mode {mode!r} is invalid; use auto, full or incremental")
    if mode != FULL:
        chosen, reason = link_mode_choose(con=con, settings=settings)
        if mode == INCREMENTAL and chosen == FULL:
            raise LinkageInputError(
                f"an incremental link is not possible: {reason}; run `immigrationos link --full`"
            )
        mode = chosen
        logger.info("link mode %s: %s", mode, reason)
    if mode == INCREMENTAL:
        return link_incremental(con=con, progress=progress, settings=settings)

    report = link(con=con, progress=progress, settings=settings)
    if not report.model:
        # A run without candidate pairs scored nothing; later records are scored with the
        # packaged parameters that such a run would have used.
        report.model = settings_dict()
    model_store(
        con=con, report=report, settings=settings, mode=FULL, constraints=constraints_load(con=con)
    )
    return report


def _existing_edges(person_of: Mapping[str, str]) -> list[Edge]:
    members: dict[str, list[str]] = {}
    for uid, person_id in person_of.items():
        members.setdefault(person_id, []).append(uid)
    edges = []
    for uids in members.values():
        first, *rest = sorted(uids)
        edges += [Edge(first, uid, _EXISTING_EDGE_ORDER, EXISTING_RULE) for uid in rest]
    return edges


def _veto_keeping_persons(person_of: Mapping[str, str]) -> Veto:
    """Return ``veto_reason`` extended to forbid a join of two existing persons."""

    def veto(left: Mapping[str, Any], right: Mapping[str, Any]) -> str | None:
        person_l = person_of.get(left["unique_id"])
        person_r = person_of.get(right["unique_id"])
        if person_l is not None and person_r is not None:
            return None if person_l == person_r else MERGE_VETO
        return veto_reason(left, right)

    return veto


def _new_pairs_scored(
    *,
    features: pa.Table,
    new_uids: set[str],
    saved: SavedModel,
    settings: LinkageSettings,
    report: LinkReport,
    progress: Progress,
) -> list[dict[str, Any]]:
    work = duckdb.connect(":memory:")
    try:
        with progress.stage("blocking"):
            input_table_create(work=work, features=features, settings=settings)
            candidate_pairs_build(
                con=work,
                input_table=INPUT_TABLE,
                output_table=PAIRS_TABLE,
                max_block_size=settings.max_block_size,
            )
            work.register("lk_new_uids", pa.table({"uid": sorted(new_uids)}))
            work.execute(
                f"DELETE FROM {PAIRS_TABLE} WHERE join_key_l NOT IN (SELECT uid FROM "
                f"lk_new_uids) AND join_key_r NOT IN (SELECT uid FROM lk_new_uids)"
            )
            report.candidate_pairs = int(
                work.execute(f"SELECT count(*) FROM {PAIRS_TABLE}").fetchall()[0][0]
            )
        if report.candidate_pairs == 0:
            return []
        with progress.stage("predict", total=report.candidate_pairs):
            db_api = DuckDBAPI(connection=work)
            linker = Linker(db_api.register(INPUT_TABLE), saved.model, log_level=logging.ERROR)
            scored: list[dict[str, Any]] = pairs_score(
                linker=linker,
                con=work,
                min_probability=settings.store_min_probability,
                name_frequency_adjustment=settings.name_frequency_adjustment,
            ).to_pylist()
        return scored
    finally:
        work.close()


def link_incremental(
    *,
    con: duckdb.DuckDBPyConnection,
    progress: Progress,
    settings: LinkageSettings | None = None,
) -> LinkReport:
    """Link records staged since the last run against existing persons; keep every id.

    Appends to ``pairs``, ``person_records``, ``person_id_map``, ``review_items`` and
    ``review_item_weights`` and stores the model row of the run. Raises LinkageInputError
    when no earlier run saved a model or when records it linked are no longer staged.
    """
    settings = LinkageSettings.from_env(settings)
    saved = model_latest(con=con)
    if saved is None:
        raise LinkageInputError(
            "no saved linkage model in the staging store; run `immigrationos link --full` first"
        )
    report = LinkReport(
        mode=INCREMENTAL,
        link_threshold=settings.link_threshold,
        review_threshold=settings.review_threshold,
        trained=saved.trained,
        seed=saved.seed,
        prior=float(saved.model.get("probability_two_random_records_match", 0.0)),
        model=saved.model,
    )

    with progress.stage("features"):
        feature_rows = feature_rows_build(rows=records_fetch(con=con))
        features = features_table(feature_rows=feature_rows)
    by_uid = {row["unique_id"]: row for row in feature_rows}
    existing = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    missing = sorted(uid for uid in existing if uid not in by_uid)
    if missing:
        raise LinkageInputError(
            f"{len(missing)} linked records are no longer staged (first {missing[0]!r}); "
            "run `immigrationos link --full`"
        )
    new_uids = {uid for uid in by_uid if uid not in existing}
    report.records = len(new_uids)
    constraints = constraints_load(con=con)
    report.constraints = len(constraints)

    scored = []
    if new_uids:
        scored = _new_pairs_scored(
            features=features,
            new_uids=new_uids,
            saved=saved,
            settings=settings,
            report=report,
            progress=progress,
        )

    with progress.stage("decide", total=len(scored)):
        pairs = _pairs_decide(scored=scored, by_uid=by_uid, settings=settings)

    with progress.stage("cluster"):
        edges = [
            Edge(pair.uid_l, pair.uid_r, pair.probability, pair.rule)
            for pair in pairs
            if pair.outcome == LINK
        ]
        clustering = clusters_build(
            uids=by_uid,
            edges=_existing_edges(existing) + edges,
            features=by_uid,
            veto=_veto_keeping_persons(existing),
            constraints=constraints,
        )
        clustering.accepted = [e for e in clustering.accepted if e.rule != EXISTING_RULE]
        _persons_kept_whole(clusters=clustering.clusters, existing=existing)
        pairs = _rejected_to_review(pairs=pairs, clustering=clustering)
        previous = dict(con.execute("SELECT record_uid, person_id FROM person_id_map").fetchall())
        person_ids = person_ids_assign(clusters=clustering.clusters, previous=previous)
        person_of = {
            uid: person_id
            for cluster, person_id in zip(clustering.clusters, person_ids, strict=True)
            for uid in cluster
        }
        items = _new_review_items(
            con=con,
            pairs=pairs,
            person_of=person_of,
            thin={uid for uid in new_uids if by_uid[uid]["thin"]},
            constraints=constraints,
        )
        weights = review_weights_build(
            items=items,
            scored={(row["unique_id_l"], row["unique_id_r"]): row for row in scored},
            model=saved.model,
        )

    with progress.stage("persist"):
        _append(
            con=con,
            pairs=pairs,
            clustering=clustering,
            new_person_of={uid: person_of[uid] for uid in sorted(new_uids)},
            items=items,
            weights=weights,
            settings=settings,
        )
        model_store(
            con=con, report=report, settings=settings, mode=INCREMENTAL, constraints=constraints
        )

    report.links = len(clustering.accepted)
    report.review_items = len(items)
    report.persons = len(clustering.clusters)
    report.clusters_split_by_veto = len(
        {(person_of[r.edge.uid_l], person_of[r.edge.uid_r]) for r in clustering.rejected}
    )
    report.timings = dict(progress.timings)
    logger.info(
        "linked %s new records incrementally; %s persons, %s new review items",
        report.records,
        report.persons,
        report.review_items,
    )
    return report


def _persons_kept_whole(*, clusters: Sequence[Sequence[str]], existing: Mapping[str, str]) -> None:
    """Raise LinkageInputError when clustering split an existing person.

    Existing persons join before any new edge, so only a reviewer constraint decided after
    the last run could split one. Such a constraint makes ``link_mode_choose`` pick a full
    run, and this check keeps the guarantee if the order of joins ever changes.
    """
    cluster_of: dict[str, int] = {}
    for index, cluster in enumerate(clusters):
        for uid in cluster:
            person_id = existing.get(uid)
            if person_id is not None and cluster_of.setdefault(person_id, index) != index:
                raise LinkageInputError(
                    f"an incremental link would split person {person_id!r}; "
                    "run `immigrationos link --full`"
                )


def _new_review_items(
    *,
    con: duckdb.DuckDBPyConnection,
    pairs: list[ScoredPair],
    person_of: Mapping[str, str],
    thin: set[str],
    constraints: Sequence[Constraint],
) -> list[ReviewItem]:
    """Return review items of the new pairs that the queue does not contain yet."""
    kept_apart = frozenset(c.pair for c in constraints if c.kind == CANNOT_LINK)
    items = review_items_build(
        pairs=pairs, person_of=person_of, thin_uids=thin, kept_apart=kept_apart
    )
    queued = con.execute("SELECT review_id, kind, person_ids FROM review_items").fetchall()
    queued_ids = {review_id for review_id, _, _ in queued}
    queued_persons = {(kind, tuple(sorted(json.loads(ids)))) for _, kind, ids in queued}
    return [
        item
        for item in items
        if item.review_id not in queued_ids
        and (item.kind == "thin_record" or (item.kind, tuple(sorted(item.person_ids)))
             not in queued_persons)
    ]  # fmt: skip


def _append(
    *,
    con: duckdb.DuckDBPyConnection,
    pairs: list[ScoredPair],
    clustering: Clustering,
    new_person_of: Mapping[str, str],
    items: list[ReviewItem],
    weights: list[dict[str, Any]],
    settings: LinkageSettings,
) -> None:
    new_edges = [
        edge
        for edge in clustering.accepted
        if edge.uid_l in new_person_of or edge.uid_r in new_person_of
    ]
    person_rows = person_rows_build(person_of=new_person_of, accepted=new_edges)
    pair_rows = pair_rows_build(pairs=pairs, settings=settings)
    views = {
        "lk_pair_rows": pair_rows,
        "lk_person_rows": person_rows,
        "lk_review_rows": pa.Table.from_pylist(
            [item.as_dict() for item in items], schema=REVIEW_SCHEMA
        ),
        "lk_weight_rows": pa.Table.from_pylist(weights, schema=WEIGHTS_SCHEMA),
    }
    with staging.transaction(con, views=views):
        con.execute("INSERT INTO pairs SELECT * FROM lk_pair_rows")
        con.execute("INSERT INTO person_records SELECT * FROM lk_person_rows")
        con.execute(
            "INSERT OR REPLACE INTO person_id_map SELECT record_uid, person_id FROM lk_person_rows"
        )
        con.execute(
            "INSERT INTO review_items SELECT review_id, kind, CAST(record_uids AS JSON), "
            "CAST(person_ids AS JSON), match_probability, reason FROM lk_review_rows"
        )
        con.execute(
            "INSERT OR REPLACE INTO review_item_weights SELECT review_id, record_uid_l, "
            "record_uid_r, prior_weight, match_weight, CAST(comparisons AS JSON) "
            "FROM lk_weight_rows"
        )
