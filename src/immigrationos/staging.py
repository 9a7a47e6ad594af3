"""The staging store: one DuckDB file shared by ingest, linkage, status and priority.

Each stage reads the tables of the stages before it and replaces its own output tables, so
every stage can be re-run alone. The operational store (SQLite or PostgreSQL, through Django)
is loaded from these tables by one bulk service at the end of a run.

Tables and their owners:

- ``loads`` (ingest): one row per extract file loaded. A file is skipped when the latest load
  of its source has the same SHA-256 and the same source configuration, whose fingerprint is
  part of ``load_id``.
- ``records`` (ingest): one row per valid source row. ``record_uid`` is ``source:record_id``.
  Identity fields have fixed columns; every other contract column sits in ``attrs`` (JSON,
  dates as ISO strings, timestamps as ISO strings with offset, plus ``event_local_date``).
- ``quarantine`` (ingest): rows or fields that broke the contract, with file, line, column,
  value and reason, and the raw row as JSON, so nothing is lost.
- ``dq_flags`` (ingest): data-quality warnings on records that were loaded.
- ``pairs`` (linkage): scored record pairs with their outcome (link, review, no_link).
- ``person_records`` (linkage): the record-to-person assignment.
- ``person_id_map`` (linkage): persisted record-to-person ids that keep ids stable.
- ``review_items`` (linkage): pairs and clusters waiting for a human decision.
- ``review_item_weights`` (linkage): the prior and each comparison's level and log2 Bayes
  factor for the pair behind a review item, for the weight waterfall of the review page.
- ``link_constraints`` (cases, exported before each link run): reviewer must-link and
  cannot-link record pairs that every link run obeys.
- ``linkage_models`` (linkage): the splink model of each link run with its thresholds, seed
  and fingerprints of the constraints, records and linkage settings it used, which
  incremental runs reuse.
- ``person_status`` and ``status_periods`` (status): status on the as-of date and history.
- ``status_stays`` (status): one row per admission with its authorised stay end and how the
  stay ended, which the overstay report counts.
- ``person_priority`` (policy): tier, score, protections and reasons.
- ``pipeline_runs``: one row per run with stage timings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS loads (
    load_id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    record_uid VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    given_name VARCHAR,
    family_name VARCHAR,
    dob DATE,
    dob_quality VARCHAR,
    sex VARCHAR,
    nationality VARCHAR,
    country_of_birth VARCHAR,
    passport_no VARCHAR,
    passport_country VARCHAR,
    a_number VARCHAR,
    fbi_number VARCHAR,
    event_date DATE,
    attrs JSON NOT NULL,
    row_hash VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    load_id VARCHAR,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line INTEGER,
    row_number INTEGER,
    record_id VARCHAR,
    "column" VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    raw JSON
);
CREATE TABLE IF NOT EXISTS dq_flags (
    record_uid VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    flag VARCHAR NOT NULL,
    detail VARCHAR
);
CREATE TABLE IF NOT EXISTS pairs (
    record_uid_l VARCHAR NOT NULL,
    record_uid_r VARCHAR NOT NULL,
    match_weight DOUBLE,
    match_probability DOUBLE NOT NULL,
    outcome VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    veto VARCHAR
);
CREATE TABLE IF NOT EXISTS person_records (
    record_uid VARCHAR PRIMARY KEY,
    person_id VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    link_rule VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS person_id_map (
    record_uid VARCHAR PRIMARY KEY,
    person_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS review_items (
    review_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    record_uids JSON NOT NULL,
    person_ids JSON NOT NULL,
    match_probability DOUBLE,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS review_item_weights (
    review_id VARCHAR PRIMARY KEY,
    record_uid_l VARCHAR NOT NULL,
    record_uid_r VARCHAR NOT NULL,
    prior_weight DOUBLE NOT NULL,
    match_weight DOUBLE NOT NULL,
    comparisons JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS link_constraints (
    uid_l VARCHAR NOT NULL,
    uid_r VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    decision_id VARCHAR NOT NULL,
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    reason VARCHAR NOT NULL,
    veto_seen VARCHAR
);
CREATE TABLE IF NOT EXISTS linkage_models (
    run_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    mode VARCHAR NOT NULL,
    records INTEGER NOT NULL,
    trained BOOLEAN NOT NULL,
    seed BIGINT,
    link_threshold DOUBLE NOT NULL,
    review_threshold DOUBLE NOT NULL,
    constraints_fingerprint VARCHAR NOT NULL,
    records_fingerprint VARCHAR NOT NULL,
    linkage_fingerprint VARCHAR NOT NULL,
    model JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS person_status (
    person_id VARCHAR PRIMARY KEY,
    as_of DATE NOT NULL,
    status VARCHAR NOT NULL,
    since DATE,
    rule_id VARCHAR NOT NULL,
    rule_citation VARCHAR,
    explanation VARCHAR,
    evidence JSON NOT NULL,
    flags JSON NOT NULL,
    overstay_days INTEGER,
    unlawful_presence_days INTEGER,
    reentry_bar VARCHAR,
    reentry_bar_until DATE
);
-- Stores written before these columns existed get them here.
ALTER TABLE person_status ADD COLUMN IF NOT EXISTS unlawful_presence_days INTEGER;
ALTER TABLE person_status ADD COLUMN IF NOT EXISTS reentry_bar VARCHAR;
ALTER TABLE person_status ADD COLUMN IF NOT EXISTS reentry_bar_until DATE;
CREATE TABLE IF NOT EXISTS status_periods (
    person_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    start_date DATE,
    end_date DATE,
    status VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    rule_citation VARCHAR,
    evidence JSON NOT NULL,
    flags JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS status_stays (
    person_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    arrival_uid VARCHAR NOT NULL,
    admission_date DATE NOT NULL,
    class_of_admission VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    stay_end DATE,
    stay_rule_id VARCHAR NOT NULL,
    departure_uid VARCHAR,
    departure_date DATE,
    outcome VARCHAR NOT NULL,
    overstay_days INTEGER,
    flags JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS person_priority (
    person_id VARCHAR PRIMARY KEY,
    policy_version VARCHAR NOT NULL,
    tier INTEGER,
    score INTEGER NOT NULL,
    protected BOOLEAN NOT NULL,
    protection VARCHAR,
    reasons JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS pipeline_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    as_of DATE,
    input_dir VARCHAR,
    timings JSON,
    counts JSON
);
"""


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the staging store at ``path`` and create any missing table."""
    con = duckdb.connect(str(path), read_only=read_only)
    # The stages draw their own progress; DuckDB's bar would interleave with it.
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        con.execute(SCHEMA_SQL)
    return con


@contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection, *, views: Mapping[str, Any] | None = None
) -> Iterator[None]:
    """Run the block in one transaction, with ``views`` registered for its duration.

    ``views`` maps names to Arrow tables (or anything ``register`` takes) that the block's SQL
    reads. Any exception, including KeyboardInterrupt, rolls the transaction back, so a stage
    that fails leaves its previous output tables as they were.
    """
    views = views or {}
    for name, table in views.items():
        con.register(name, table)
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in views:
            con.unregister(name)


# Every staging table that contains record uids, with the columns that contain them. Tables
# derived per person (status, priority, review items) are rebuilt by the next run.
_RECORD_UID_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("records", ("record_uid",)),
    ("dq_flags", ("record_uid",)),
    ("person_records", ("record_uid",)),
    ("person_id_map", ("record_uid",)),
    ("pairs", ("record_uid_l", "record_uid_r")),
    ("review_item_weights", ("record_uid_l", "record_uid_r")),
    ("link_constraints", ("uid_l", "uid_r")),
)


def records_purge(*, con: duckdb.DuckDBPyConnection, record_uids: Sequence[str]) -> int:
    """Delete ``record_uids`` from every staging table that contains record uids, in one
    transaction, and return how many rows of ``records`` were deleted."""
    if not record_uids:
        return 0
    purged = pa.table({"uid": sorted(set(record_uids))})
    with transaction(con, views={"retention_purged_uids": purged}):
        before = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        for table, columns in _RECORD_UID_COLUMNS:
            condition = " OR ".join(
                f"{column} IN (SELECT uid FROM retention_purged_uids)" for column in columns
            )
            con.execute(f"DELETE FROM {table} WHERE {condition}")
        after = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    return int(before - after)
