"""The real-time matcher's index in the operational store, written by the operational load.

Each load copies the latest linkage model, the name statistics it weighs names by, and the
comparison features and blocking keys of every staged record. Records whose staged row did
not change keep their rows, so a load after a small increment writes little. Events add their
own records to the index as they arrive (``record_index_add``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

import duckdb
from django.utils import timezone

from immigrationos.cases import bulk
from immigrationos.events import sql
from immigrationos.events.models import MatchKey, MatchModel, NameStat, RecordFeature
from immigrationos.linkage.features import feature_rows_build, records_fetch
from immigrationos.linkage.incremental import model_latest
from immigrationos.linkage.model import packaged_model, settings_dict
from immigrationos.linkage.realtime import match_keys, name_stats_build
from immigrationos.linkage.settings import LinkageSettings

logger = logging.getLogger(__name__)

# The run id under which the packaged model is stored when no link run saved one.
PACKAGED_RUN_ID = "packaged"


def features_encode(features: Mapping[str, Any]) -> str:
    """Return a feature row as JSON text; the date of birth becomes an ISO string."""
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in features.items()},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def features_decode(value: Any) -> dict[str, Any]:
    """Return a stored feature row with its date of birth as a date again."""
    row: dict[str, Any] = json.loads(value) if isinstance(value, str | bytes) else dict(value)
    if row.get("dob"):
        row["dob"] = date.fromisoformat(row["dob"])
    return row


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def match_model_load(*, con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> str:
    """Copy the latest saved linkage model (or the packaged one) and return its run id."""
    saved = model_latest(con=con)
    if saved is not None:
        run_id, model = saved.run_id, saved.model
        link_t, review_t = saved.link_threshold, saved.review_threshold
    else:
        run_id, model = PACKAGED_RUN_ID, packaged_model() or settings_dict()
        link_t, review_t = settings.link_threshold, settings.review_threshold
    MatchModel.objects.update_or_create(
        run_id=run_id,
        defaults={
            "loaded_at": timezone.now(),
            "link_threshold": link_t,
            "review_threshold": review_t,
            "model": model,
            "settings": asdict(settings),
        },
    )
    return run_id


def match_index_load(
    *, con: duckdb.DuckDBPyConnection, keep: Iterable[str] = ()
) -> tuple[int, int]:
    """Bring the match index up to date with the staged records.

    ``keep`` names records outside staging that stay indexed (events not yet staged).
    Returns (records written, records removed). Must run inside a transaction.
    """
    settings = LinkageSettings.from_env()
    run_id = match_model_load(con=con, settings=settings)
    rows = records_fetch(con=con)
    hashes = dict(con.execute("SELECT record_uid, row_hash FROM records").fetchall())
    features = feature_rows_build(rows=rows)
    _name_stats_write(features)

    existing = dict(RecordFeature.objects.values_list("record_uid", "row_hash"))
    changed = [f for f in features if existing.get(f["unique_id"]) != hashes.get(f["unique_id"])]
    staged = {f["unique_id"] for f in features}
    gone = sorted(existing.keys() - staged - set(keep))
    stale = sorted({f["unique_id"] for f in changed} & existing.keys()) + gone
    bulk.bulk_delete(table=_table(MatchKey), column="record_uid", keys=stale)
    bulk.bulk_delete(table=_table(RecordFeature), column="record_uid", keys=stale)
    bulk.bulk_write(
        table=_table(RecordFeature),
        columns=["record_uid", "row_hash", "features"],
        rows=[
            (f["unique_id"], hashes.get(f["unique_id"]) or "", features_encode(f)) for f in changed
        ],
    )
    bulk.bulk_write(
        table=_table(MatchKey),
        columns=["key", "record_uid", "dob_s"],
        rows=[
            (key, f["unique_id"], f.get("dob_s") or "") for f in changed for key in match_keys(f)
        ],
    )
    logger.info(
        "match index: model %s, %d records written, %d removed", run_id, len(changed), len(gone)
    )
    return len(changed), len(gone)


def _name_stats_write(features: list[dict[str, Any]]) -> None:
    stats = name_stats_build(features)
    rows: list[tuple[str, str, float]] = [
        *(("given", name, ratio) for name, ratio in stats.given_ratio.items()),
        *(("family", name, ratio) for name, ratio in stats.family_ratio.items()),
        *(("full", name, float(count)) for name, count in stats.full_name_dobs.items()),
    ]
    NameStat.objects.all().delete()
    bulk.bulk_write(table=_table(NameStat), columns=["part", "name", "value"], rows=rows)


def record_index_add(*, record_uid: str, row_hash: str, features: Mapping[str, Any]) -> None:
    """Index one new record (an event's), so that later events can match it."""
    feature_table, key_table = _table(RecordFeature), _table(MatchKey)
    sql.execute(f"DELETE FROM {key_table} WHERE record_uid = %s", [record_uid])
    sql.execute(f"DELETE FROM {feature_table} WHERE record_uid = %s", [record_uid])
    sql.execute(
        f"INSERT INTO {feature_table} (record_uid, row_hash, features) "
        f"VALUES (%s, %s, {sql.json_placeholder()})",
        [record_uid, row_hash, features_encode(features)],
    )
    sql.execute_many(
        f"INSERT INTO {key_table} (key, record_uid, dob_s) VALUES (%s, %s, %s)",
        [(key, record_uid, features.get("dob_s") or "") for key in match_keys(features)],
    )
