"""Match one event's record against existing persons, through the operational match index.

Candidates are the records that share a blocking key with the event's record, under the same
rules as the batch linkage: a key shared by more records than the block limit is skipped, and
a key with a pair condition (for example a date-of-birth slip) pairs only records meeting it.
Each candidate pair is scored with the saved linkage model and decided with the batch rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from immigrationos.events import sql
from immigrationos.events.errors import EventsError
from immigrationos.events.index import features_decode
from immigrationos.events.models import MatchKey, MatchModel, NameStat, RecordFeature
from immigrationos.linkage.realtime import (
    MatchResult,
    NameStats,
    PairScorer,
    key_condition_holds,
    match_decide,
    match_keys,
)
from immigrationos.linkage.settings import LinkageSettings


@dataclass(frozen=True)
class Matcher:
    """The scorer and settings of one loaded model."""

    run_id: str
    scorer: PairScorer
    settings: LinkageSettings


_cached: Matcher | None = None


def matcher_get() -> Matcher:
    """Return the matcher of the latest loaded model, rebuilding it when a load changed it.

    Raises EventsError when no pipeline run has loaded a model yet.
    """
    global _cached
    latest = MatchModel.objects.order_by("-loaded_at", "-run_id").values_list(
        "run_id", "loaded_at"
    )[:1]
    row = next(iter(latest), None)
    if row is None:
        raise EventsError(
            "no linkage model is loaded in the operational store; run the pipeline "
            "(`immigrationos run` or `make demo`) before sending events"
        )
    key = f"{row[0]}@{row[1].isoformat()}"
    if _cached is not None and _cached.run_id == key:
        return _cached
    model_row = MatchModel.objects.get(run_id=row[0])
    known = {f.name for f in fields(LinkageSettings)}
    settings = LinkageSettings(
        **{
            **{k: v for k, v in (model_row.settings or {}).items() if k in known},
            "link_threshold": model_row.link_threshold,
            "review_threshold": model_row.review_threshold,
        }
    )
    _cached = Matcher(
        run_id=key, scorer=PairScorer(model=model_row.model, settings=settings), settings=settings
    )
    return _cached


def model_run_id(matcher: Matcher) -> str:
    """Return the pipeline run id of the matcher's model, without the load time."""
    return matcher.run_id.split("@", 1)[0]


def _name_stats(rows: Iterable[Mapping[str, Any]]) -> NameStats:
    wanted: list[tuple[str, str]] = sorted(
        {
            (part, row[column])
            for row in rows
            for part, column in (("given", "given_c"), ("family", "family_c"), ("full", "full_c"))
            if row.get(column)
        }
    )
    found: dict[str, dict[str, float]] = defaultdict(dict)
    if wanted:
        # One (part, name) test per name, so that the unique index on (part, name) serves.
        tests = " OR ".join(["(part = %s AND name = %s)"] * len(wanted))
        params = [value for pair in wanted for value in pair]
        for part, name, value in sql.rows(
            f"SELECT part, name, value FROM {sql.table(NameStat)} WHERE {tests}", params
        ):
            found[part][name] = value
    return NameStats(
        given_ratio=found["given"],
        family_ratio=found["family"],
        full_name_dobs={name: int(value) for name, value in found["full"].items()},
    )


# Every record of each person with a record in ``hit_uids`` (records that share a usable key
# with the event and pass its condition). A contradiction on any of the person's records counts.
_CANDIDATES_SQL = """
WITH candidate_persons AS (
    SELECT DISTINCT r.person_id FROM {records} r
    JOIN {persons} p ON p.person_id = r.person_id
    WHERE r.record_uid IN ({placeholders}) AND p.merged_into = '' AND NOT p.superseded
)
SELECT r.record_uid, r.person_id, f.features
FROM candidate_persons c
JOIN {records} r ON r.person_id = c.person_id
JOIN {features} f ON f.record_uid = r.record_uid
"""


def _dob_only(dob_s: str) -> dict[str, Any]:
    # The pair conditions read only the date of birth, so the index row is enough to test them.
    return {"dob_s": dob_s or None, "dob": date.fromisoformat(dob_s) if dob_s else None}


def candidates_fetch(
    *, probe: Mapping[str, Any], max_block_size: int, exclude: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Return (person id, features) of every record of each candidate person.

    A candidate person has a record that shares a blocking key with ``probe``, where the key
    is held by at most ``max_block_size`` records and the key's pair condition holds.
    """
    from immigrationos.cases.models import Person, SourceRecord

    keys = match_keys(probe)
    if not keys:
        return []
    key_table = sql.table(MatchKey)
    counts = sql.rows(
        f"SELECT key, count(*) FROM {key_table} "
        f"WHERE key IN ({sql.placeholders(len(keys))}) GROUP BY key",
        keys,
    )
    usable = [key for key, count in counts if count <= max_block_size]
    if not usable:
        return []
    hits = sql.rows(
        f"SELECT key, record_uid, dob_s FROM {key_table} "
        f"WHERE key IN ({sql.placeholders(len(usable))})",
        usable,
    )
    passed = sorted(
        {
            record_uid
            for key, record_uid, dob_s in hits
            if record_uid != exclude
            and key_condition_holds(int(key.split("|", 1)[0]), probe, _dob_only(dob_s))
        }
    )
    if not passed:
        return []
    query = _CANDIDATES_SQL.format(
        features=sql.table(RecordFeature),
        records=sql.table(SourceRecord),
        persons=sql.table(Person),
        placeholders=sql.placeholders(len(passed)),
    )
    found = [
        (str(person_id), record_uid, features_decode(raw))
        for record_uid, person_id, raw in sql.rows(query, passed)
        if record_uid != exclude
    ]
    return [(person_id, features) for person_id, _, features in sorted(found, key=lambda r: r[1])]


def record_match(*, probe: Mapping[str, Any], matcher: Matcher) -> MatchResult:
    """Score ``probe`` against its candidates and decide link, review or no link."""
    candidates = candidates_fetch(
        probe=probe,
        max_block_size=matcher.settings.max_block_size,
        exclude=probe.get("unique_id"),
    )
    stats = _name_stats([probe, *(features for _, features in candidates)])
    return match_decide(
        probe=probe,
        candidates=candidates,
        scorer=matcher.scorer,
        stats=stats,
        settings=matcher.settings,
    )
