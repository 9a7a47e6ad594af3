"""Run the whole batch pipeline: ingest, link, derive, prioritise, load the operational store.

Each stage reads the staging store written by the stages before it, so a failed run can be
repeated from the start without cleaning up: ingest skips files it has loaded, and the later
stages replace their own output tables.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from immigrationos import paths, staging
from immigrationos.progress import NullProgress, Progress

logger = logging.getLogger(__name__)


@dataclass
class PipelineResult:
    """What one run did: its id, stage times, counts and, for a failed run, why.

    ``stages`` maps each top-level stage (ingest, link, derive, prioritise, load) to its wall
    time. ``timings`` contains the finer steps that the stages reported to the progress object.
    """

    run_id: str
    as_of: date
    stages: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def render(self) -> str:
        lines = [f"run {self.run_id} (as of {self.as_of.isoformat()})"]
        lines += [f"  {name:<12} {seconds:7.1f} s" for name, seconds in self.stages.items()]
        lines.append(f"  {'total':<12} {sum(self.stages.values()):7.1f} s")
        lines += [
            f"  {name}: {count}" if name.endswith("_seed") else f"  {name}: {count:,}"
            for name, count in sorted(self.counts.items())
        ]
        if self.error:
            lines.append(f"FAILED: {self.error}")
        return "\n".join(lines)


def _new_run_id(started: datetime) -> str:
    return f"R{started:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def _staging_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    queries = {
        "records": "SELECT count(*) FROM records",
        "quarantined_rows": "SELECT count(DISTINCT (file, line)) FROM quarantine",
        "persons": "SELECT count(DISTINCT person_id) FROM person_records",
        "review_items": "SELECT count(*) FROM review_items",
        "tiered_persons": "SELECT count(*) FROM person_priority WHERE tier IS NOT NULL",
    }
    return {name: int(con.execute(sql).fetchall()[0][0]) for name, sql in queries.items()}


def _sources_never_staged(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the sources, in contract order, of which no file has ever been loaded."""
    from immigrationos.sources.contracts import CONTRACTS

    staged = {source for (source,) in con.execute("SELECT DISTINCT source FROM loads").fetchall()}
    return [source for source in CONTRACTS if source not in staged]


@contextmanager
def _stage(result: PipelineResult, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        result.stages[name] = time.perf_counter() - started


def run_pipeline(
    *,
    extracts_dir: Path,
    as_of: date,
    progress: Progress | None = None,
    load_operational: bool = True,
) -> PipelineResult:
    """Run every stage over ``extracts_dir`` and return timings, counts and any failure.

    A file rejected whole by ingest stops the run before linkage, so that persons are never
    resolved from a partial set of sources. With ``load_operational`` false the run stops
    after prioritising and touches no Django database, so linkage obeys the reviewer
    constraints exported by an earlier run instead of the latest decisions.
    """
    from immigrationos.linkage.incremental import link_run
    from immigrationos.policy.prioritise import prioritise_all
    from immigrationos.sources.ingest import ingest_directory
    from immigrationos.status.derive import derive_all

    progress = progress or NullProgress()
    started = datetime.now(UTC)
    result = PipelineResult(run_id=_new_run_id(started), as_of=as_of)
    con = staging.connect(paths.staging_path())
    logger.info("pipeline run %s started on %s", result.run_id, extracts_dir)

    try:
        with _stage(result, "ingest"):
            # An event may not be later than the run date. A run as of a future date (a
            # planning scenario on synthetic data) moves that bound to the as-of date.
            ingest_report = ingest_directory(
                con=con,
                extracts_dir=extracts_dir,
                progress=progress,
                today=max(date.today(), as_of),
            )
        result.reports.append(ingest_report.render())
        if not ingest_report.ok:
            result.error = "ingest rejected one or more files; see the ingest report above"
            return result
        never_staged = _sources_never_staged(con)
        if never_staged:
            result.error = (
                f"no extract has ever been loaded for {', '.join(never_staged)}; add "
                f"<source>.csv for each to {extracts_dir} and run again. The run stops before "
                "linkage because a person resolved without every source can lose a departure "
                "or a protection."
            )
            return result
        with _stage(result, "link"):
            if load_operational:
                review_constraints_export(con)
                result.reports.append(f"{events_export(con):,} events staged from the event path")
            # Incremental when a previous run saved its model and only new records arrived.
            linked = link_run(con=con, progress=progress)
        result.reports.append(linked.render())
        with _stage(result, "derive"):
            result.reports.append(derive_all(con=con, as_of=as_of, progress=progress).render())
        with _stage(result, "prioritise"):
            prioritised = prioritise_all(con=con, policy_path=None, progress=progress)
        result.reports.append(prioritised.render())
        result.counts = _staging_counts(con)
        # Kept with the run so that it can be repeated with the same u sampling. A run on the
        # packaged model samples nothing, so it records no seed.
        if linked.seed is not None:
            result.counts["linkage_seed"] = linked.seed
        result.timings = dict(progress.timings)
        con.execute(
            "INSERT OR REPLACE INTO pipeline_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                result.run_id,
                started,
                datetime.now(UTC),
                as_of,
                str(extracts_dir),
                json.dumps(result.timings),
                json.dumps(result.counts),
            ],
        )

        if load_operational:
            with _stage(result, "load"):
                result.reports.append(_operational_load(con, result.run_id, progress))
            result.timings = dict(progress.timings)
    finally:
        con.close()
    logger.info("pipeline run %s finished in %.1f s", result.run_id, sum(result.stages.values()))
    return result


def review_constraints_export(con: duckdb.DuckDBPyConnection) -> int:
    """Export the reviewer decisions in force from the operational store to staging.

    Runs before every link, so linkage obeys the latest decisions. Returns the number of
    constraints written.
    """
    from immigrationos.site.setup import django_setup, migrate

    django_setup()
    migrate()
    from immigrationos.cases.review_decisions import review_constraints_export as export

    return export(con=con)


def events_export(con: duckdb.DuckDBPyConnection) -> int:
    """Stage the events applied since the last run, so that linkage sees them."""
    from immigrationos.site.setup import django_setup, migrate

    django_setup()
    migrate()
    from immigrationos.events.staging_export import events_stage

    return events_stage(con=con)


def _operational_load(con: duckdb.DuckDBPyConnection, run_id: str, progress: Progress) -> str:
    from immigrationos.site.setup import django_setup, migrate

    django_setup()
    migrate()
    # Imported only after Django is set up: the service module loads models.
    from immigrationos.cases.services import operational_store_load

    return operational_store_load(con=con, run_id=run_id, progress=progress).render()
