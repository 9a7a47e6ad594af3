"""Measure the real-time event path: from publishing an event to its applied notice.

    python bench/realtime.py --persons 100000 --rate 200 --seconds 60
    python bench/realtime.py --persons 100000 --rate 200 --seconds 60 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres

The script builds a world in a temporary data folder: ``immigrationos synth`` writes the
population and ``immigrationos run`` loads the operational store and the match index (with
--database-url, into a new database on that server, dropped at the end unless --keep). It
generates rate * seconds events with ``synth.events``, starts ``immigrationos stream`` on a
stream, subject and durable consumer of its own, publishes the events at the rate from one
asyncio loop and timestamps each applied notice on the same monotonic clock. The consumer
publishes a notice only after the batch's transaction has committed and its messages are
acknowledged, so the latency covers matching, the person's status, the case proposal and
the commit.

It then compares splink's own single-record matching, on the same saved model and staged
features, for a sample of the events. Progress goes to stderr; the last line on stdout is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

NATS_URL = "nats://127.0.0.1:4222"
SEED = 1
# Seconds to wait for the consumer to subscribe, and for the last notices after publishing
# while the consumer still makes progress.
CONSUMER_START_TIMEOUT = 300.0
DRAIN_IDLE_TIMEOUT = 30.0
DRAIN_MAX = 1800.0
# Events stamped this long before the first publish, so that none lies in the future.
TIMESTAMP_LEAD = timedelta(minutes=2)


def log(message: str) -> None:
    """Print one progress line to stderr, with the time."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- World -----------------------------------------------------------------------------------


@dataclass
class World:
    """The data folder, command environment and database of one benchmark run."""

    workdir: Path
    env: dict[str, str]
    database: str
    database_url: str | None = None
    admin_url: str | None = None
    database_name: str | None = None

    @property
    def extracts(self) -> Path:
        return self.workdir / "synth" / "extracts"

    @property
    def truth(self) -> Path:
        return self.workdir / "synth" / "truth"


def _database_create(admin_url: str) -> tuple[str, str]:
    """Create a new database on the server of ``admin_url``; return its name and URL."""
    import psycopg

    name = f"bench_realtime_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def _database_drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _command(world: World, *args: str, label: str) -> float:
    """Run ``immigrationos ARGS`` in the world; return its wall seconds."""
    started = time.perf_counter()
    log_path = world.workdir / f"{label}.log"
    with log_path.open("w") as out:
        completed = subprocess.run(
            [sys.executable, "-m", "immigrationos.cli", *args],
            env=world.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"immigrationos {' '.join(args)} failed ({label}):\n{tail}")
    return time.perf_counter() - started


def world_build(world: World, *, persons: int, as_of: date) -> dict[str, float]:
    """Generate the population and run the pipeline; return the seconds of each step."""
    seconds = {}
    log(f"synth: {persons:,} persons")
    seconds["synth"] = _command(
        world,
        "synth",
        "--persons", str(persons),
        "--seed", str(SEED),
        "--out", str(world.workdir / "synth"),
        "--as-of", as_of.isoformat(),
        label="synth",
    )  # fmt: skip
    log(f"pipeline run on {world.database} (ingest, link, derive, prioritise, load)")
    seconds["pipeline"] = _command(
        world, "run", "--input", str(world.extracts), "--as-of", as_of.isoformat(), label="run"
    )
    log(f"world ready: synth {seconds['synth']:.0f} s, pipeline {seconds['pipeline']:.0f} s")
    return seconds


def store_analyze(world: World) -> float:
    """Gather planner statistics on the operational store (ANALYZE); return its seconds.

    Neither the pipeline's load nor the event path runs ANALYZE, and a PostgreSQL server with
    autovacuum off (or before its first autovacuum pass) then plans the candidate query of
    the matcher from empty statistics.
    """
    started = time.perf_counter()
    if world.database_url:
        import psycopg

        with psycopg.connect(world.database_url, autocommit=True) as con:
            con.execute("ANALYZE")
    else:
        import sqlite3

        con = sqlite3.connect(world.workdir / "home" / "operational.sqlite3")
        try:
            con.execute("ANALYZE")
        finally:
            con.close()
    return time.perf_counter() - started


# --- Events ----------------------------------------------------------------------------------


@dataclass
class Workload:
    """The events to publish, serialised, with their truth."""

    events: list[dict[str, Any]]
    payloads: list[bytes]
    truth: dict[str, Any]  # event id -> EventTruth


def workload_build(world: World, *, count: int, rate: float) -> Workload:
    """Generate ``count`` events stamped ``1 / rate`` apart, ending shortly before now."""
    from immigrationos.synth.events import EventOptions, events_generate
    from immigrationos.synth.travellers import population_read

    population = population_read(extracts_dir=world.extracts)
    interval = timedelta(seconds=1.0 / rate)
    start = datetime.now(UTC) - TIMESTAMP_LEAD - interval * count
    options = EventOptions(count=count, seed=SEED, start=start, interval=interval)
    generated = events_generate(population=population, options=options)
    payloads = [json.dumps(event, ensure_ascii=False).encode() for event in generated.events]
    truth = {item.event_id: item for item in generated.truth}
    roles = Counter(item.role for item in generated.truth)
    log(f"{count:,} events generated: " + ", ".join(f"{k} {v:,}" for k, v in sorted(roles.items())))
    return Workload(events=generated.events, payloads=payloads, truth=truth)


# --- Stream run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamNames:
    """A stream, subject, durable consumer and applied subject used by this run only."""

    stream: str
    subject: str
    durable: str
    applied: str

    @classmethod
    def unique(cls) -> StreamNames:
        tag = secrets.token_hex(4)
        return cls(
            stream=f"BENCH_RT_{tag}",
            subject=f"bench.rt.{tag}.in",
            durable=f"bench-rt-{tag}",
            applied=f"bench.rt.{tag}.applied",
        )

    def env(self) -> dict[str, str]:
        return {
            "IMMIGRATIONOS_NATS_URL": NATS_URL,
            "IMMIGRATIONOS_EVENTS_STREAM": self.stream,
            "IMMIGRATIONOS_EVENTS_SUBJECT": self.subject,
            "IMMIGRATIONOS_EVENTS_DURABLE": self.durable,
            "IMMIGRATIONOS_EVENTS_APPLIED_SUBJECT": self.applied,
        }


@dataclass
class Notice:
    """One applied notice, with the monotonic time it arrived."""

    received: float
    body: dict[str, Any]


@dataclass
class StreamRun:
    """Publish times and notices of one stream run."""

    published: dict[str, float] = field(default_factory=dict)
    published_wall: dict[str, float] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    publish_started: float = 0.0
    publish_ended: float = 0.0
    consumer_exit: int | None = None
    consumer_report: str = ""


def consumer_start(world: World, names: StreamNames, *, batch: int) -> subprocess.Popen[bytes]:
    """Start ``immigrationos stream`` on the run's own names, logging to a file."""
    env = {**world.env, **names.env()}
    log_file = (world.workdir / "stream.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "immigrationos.cli", "stream", "--batch", str(batch)],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )


async def _consumer_wait(js: Any, names: StreamNames, process: subprocess.Popen[bytes]) -> None:
    import nats.js.errors

    deadline = time.monotonic() + CONSUMER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"immigrationos stream exited early with code {process.returncode}")
        try:
            await js.consumer_info(names.stream, names.durable)
            return
        except (nats.js.errors.NotFoundError, nats.js.errors.ServiceUnavailableError):
            await asyncio.sleep(0.2)
    raise SystemExit(f"immigrationos stream did not subscribe within {CONSUMER_START_TIMEOUT} s")


async def stream_run(
    *,
    workload: Workload,
    names: StreamNames,
    rate: float,
    process: subprocess.Popen[bytes],
) -> StreamRun:
    """Publish every event at ``rate`` per second and collect the applied notices."""
    import nats

    run = StreamRun()
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()

    async def notice_received(message: Any) -> None:
        run.notices.append(Notice(time.monotonic(), json.loads(message.data)))

    await nc.subscribe(names.applied, cb=notice_received)
    await _consumer_wait(js, names, process)
    log(f"consumer subscribed; publishing {len(workload.payloads):,} events at {rate:g}/s")

    ids = [event["event_id"] for event in workload.events]
    run.publish_started = started = time.monotonic()
    for number, (event_id, payload) in enumerate(zip(ids, workload.payloads, strict=True)):
        delay = started + number / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        run.published[event_id] = time.monotonic()
        run.published_wall[event_id] = time.time()
        # A core publish: the stream stores every message on its subject.
        await nc.publish(names.subject, payload)
        if number % 200 == 199:
            log(f"published {number + 1:,}, notices {len(run.notices):,}")
    await nc.flush()
    run.publish_ended = time.monotonic()

    await _notices_drain(run, expected=len(ids))
    await nc.close()
    return run


async def _notices_drain(run: StreamRun, *, expected: int) -> None:
    """Wait for every notice, while the consumer keeps making progress."""
    started = last_change = time.monotonic()
    seen = len(run.notices)
    while len({n.body.get("event_id") for n in run.notices}) < expected:
        await asyncio.sleep(0.5)
        now = time.monotonic()
        if len(run.notices) != seen:
            seen, last_change = len(run.notices), now
            if int(now - started) % 10 == 0:
                log(f"draining: {seen:,} notices of {expected:,}")
        if now - last_change > DRAIN_IDLE_TIMEOUT or now - started > DRAIN_MAX:
            log(f"stopped waiting: {seen:,} notices of {expected:,}")
            return


def consumer_stop(process: subprocess.Popen[bytes], run: StreamRun, world: World) -> None:
    """Stop the consumer with SIGTERM, as an operator would, and keep its closing report."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    run.consumer_exit = process.returncode
    lines = (world.workdir / "stream.log").read_text(errors="replace").splitlines()
    run.consumer_report = next(
        (line for line in reversed(lines) if line.startswith("stream consumer stopped")), ""
    )


async def stream_delete(names: StreamNames) -> None:
    """Delete the run's stream, with its messages and its durable consumer."""
    import nats
    import nats.js.errors

    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(names.stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()


# --- Figures ---------------------------------------------------------------------------------


def _percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile of ``values`` (``share`` from 0 to 1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(run: StreamRun) -> dict[str, Any]:
    """Return latency, throughput, loss and duplicate figures from the notices."""
    first: dict[str, Notice] = {}
    applied_times: Counter[str] = Counter()
    results: Counter[str] = Counter()
    for notice in run.notices:
        event_id = notice.body.get("event_id")
        results[str(notice.body.get("result"))] += 1
        if event_id is None:
            continue
        first.setdefault(event_id, notice)
        if notice.body.get("result") == "applied":
            applied_times[event_id] += 1

    latencies = [
        (first[event_id].received - published) * 1000.0
        for event_id, published in run.published.items()
        if event_id in first
    ]
    # The consumer's commit time against the publish time, both on the wall clock of this
    # machine: the part of the latency before the notice is published.
    commit_latencies = [
        (datetime.fromisoformat(first[e].body["applied_at"]).timestamp() - wall) * 1000.0
        for e, wall in run.published_wall.items()
        if e in first and first[e].body.get("applied_at")
    ]

    applied = [n for n in run.notices if n.body.get("result") == "applied"]
    span = (max(n.received for n in applied) - run.publish_started) if applied else 0.0
    publish_span = run.publish_ended - run.publish_started
    publish_rate = len(run.published) / publish_span if publish_span > 0 else None
    return {
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p90_ms": round(_percentile(latencies, 0.90), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "commit_p50_ms": round(_percentile(commit_latencies, 0.50), 1),
        "commit_p99_ms": round(_percentile(commit_latencies, 0.99), 1),
        "events_per_s": round(len(applied) / span, 1) if span > 0 else 0.0,
        "published": len(run.published),
        "publish_rate_achieved": None if publish_rate is None else round(publish_rate, 1),
        "notices": len(run.notices),
        "results": dict(results),
        "duplicated": sum(1 for count in applied_times.values() if count > 1),
        "no_notice": [e for e in run.published if e not in first],
    }


def _django_ready(world: World) -> None:
    os.environ.update(world.env)
    from immigrationos.site.setup import django_setup

    django_setup()


def stored_events(world: World) -> dict[str, dict[str, Any]]:
    """Return what the operational store holds for each applied event."""
    _django_ready(world)
    from immigrationos.events.models import IncomingEvent

    return {
        row["event_id"]: row
        for row in IncomingEvent.objects.values(
            "event_id", "outcome", "person_id", "record_uid", "candidates", "probability"
        ).iterator(chunk_size=5000)
    }


def true_person_of_persons(
    world: World, workload: Workload, stored: dict[str, dict[str, Any]]
) -> dict[str, str]:
    """Return the true person of each operational person: the one most of its records name."""
    import csv

    from immigrationos.cases.models import SourceRecord

    true_of_record: dict[str, str] = {}
    with (world.truth / "records.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            true_of_record[f"{row['source']}:{row['record_id']}"] = row["person_id"]
    for event_id, row in stored.items():
        true_of_record[row["record_uid"]] = workload.truth[event_id].person_id
    votes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for record_uid, person_id in SourceRecord.objects.values_list(
        "record_uid", "person_id"
    ).iterator(chunk_size=20000):
        true = true_of_record.get(record_uid)
        if true is not None and person_id:
            votes[person_id][true] += 1
    return {person: counts.most_common(1)[0][0] for person, counts in votes.items()}


def accuracy_figures(
    workload: Workload, stored: dict[str, dict[str, Any]], true_of_person: dict[str, str]
) -> dict[str, Any]:
    """Return, per role, how often the event reached its true person.

    An event is right when it is matched to a person whose records belong mostly to the
    event's true person, wrong when matched to anyone else, and missed when it went to review
    or to a new person. For unknown persons, right means not matched to an existing person.
    """
    by_role: dict[str, Counter[str]] = defaultdict(Counter)
    for event_id, item in workload.truth.items():
        row = stored.get(event_id)
        if row is None:
            by_role[item.role]["lost"] += 1
            continue
        matched = row["outcome"] == "matched"
        if item.role in ("departure_unknown", "arrival_unknown"):
            is_existing = true_of_person.get(row["person_id"]) != item.person_id
            by_role[item.role]["wrong_person" if matched and is_existing else "right"] += 1
            continue
        if not matched:
            by_role[item.role][f"missed_{row['outcome']}"] += 1
        elif true_of_person.get(row["person_id"]) == item.person_id:
            by_role[item.role]["right"] += 1
        else:
            by_role[item.role]["wrong_person"] += 1
    known = by_role["departure_known"]
    total = sum(known.values())
    return {
        "match_accuracy": round(known["right"] / total, 4) if total else None,
        "wrong_person": known["wrong_person"],
        "matching": {role: dict(counts) for role, counts in sorted(by_role.items())},
    }


# --- splink ----------------------------------------------------------------------------------

_KEY_COLUMNS = re.compile(
    r"\b(dob_s|dob|given_ph|family_ph|given_tl|family_tl|passport_no|a_number|fbi_number)\b"
)


def splink_blocking_rules() -> list[str]:
    """Translate the project's blocking keys into splink blocking rules over l and r.

    A key pairs two records when any of its expressions on one side equals any on the
    other, so each pair of expressions becomes one equi-join rule, with the key's condition.
    NOTE: splink has no block size limit, so it also scores the blocks that the matcher skips
    as larger than ``max_block_size``.
    """
    from immigrationos.linkage.blocking import BLOCKING_KEYS

    rules = []
    for _, expressions, condition in BLOCKING_KEYS:
        for left in expressions:
            for right in expressions:
                left_sql = _KEY_COLUMNS.sub(r"l.\1", left)
                right_sql = _KEY_COLUMNS.sub(r"r.\1", right)
                rule = f"({left_sql}) = ({right_sql})"
                if condition:
                    rule += f" AND ({condition})"
                rules.append(rule)
    return rules


def splink_compare(
    world: World,
    workload: Workload,
    stored: dict[str, dict[str, Any]],
    *,
    sample: int,
) -> dict[str, Any]:
    """Match a sample of events with splink's predict_between; time it; compare the top match.

    splink scores each event record against every staged record with the saved model of the
    pipeline run, blocked by the same keys. Its probability has no name frequency adjustment
    (which the project adds on top of splink), and it does not see records that events added
    during the stream run.
    """
    import duckdb
    import pyarrow as pa
    from splink import DuckDBAPI, Linker

    from immigrationos import paths, staging
    from immigrationos.departures.schema import event_record_row, events_parse
    from immigrationos.linkage.features import (
        FEATURE_SCHEMA,
        feature_rows_build,
        features_table,
        records_fetch,
    )
    from immigrationos.linkage.incremental import model_latest
    from immigrationos.linkage.model import INPUT_TABLE, input_table_create
    from immigrationos.linkage.realtime import probe_features
    from immigrationos.linkage.settings import LinkageSettings

    os.environ.update(world.env)
    setup_started = time.perf_counter()
    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        saved = model_latest(con=con)
        rows = records_fetch(con=con)
        person_of_record = dict(
            con.execute("SELECT record_uid, person_id FROM person_records").fetchall()
        )
    finally:
        con.close()
    if saved is None:
        return {"error": "the pipeline run saved no model"}
    settings = LinkageSettings.from_env()
    work = duckdb.connect(":memory:")
    input_table_create(
        work=work, features=features_table(feature_rows=feature_rows_build(rows=rows)),
        settings=settings,
    )  # fmt: skip
    db_api = DuckDBAPI(connection=work)
    existing = db_api.register(INPUT_TABLE)
    linker = Linker(existing, saved.model, log_level=40)
    rules = splink_blocking_rules()
    setup_seconds = time.perf_counter() - setup_started
    log(f"splink ready in {setup_seconds:.1f} s over {len(rows):,} staged records")

    ids = sorted(stored)
    chosen = random.Random(SEED).sample(ids, min(sample, len(ids)))
    by_id = {event["event_id"]: event for event in workload.events}
    schema = FEATURE_SCHEMA.append(pa.field("name_common", pa.bool_()))
    timings, agree_top, agree_link, compared = [], 0, 0, 0
    for event_id in chosen:
        accepted, _ = events_parse([by_id[event_id]])
        probe = probe_features(event_record_row(accepted[0]))
        started = time.perf_counter()
        dobs = work.execute(
            f"SELECT count(DISTINCT dob) FROM {INPUT_TABLE} WHERE full_c = ?", [probe["full_c"]]
        ).fetchall()[0][0]
        probe["name_common"] = dobs >= settings.common_name_min_dobs
        new = db_api.register(pa.Table.from_pylist([probe], schema=schema))
        predictions = linker.inference.predict_between(
            existing, new, blocking_rules_to_generate_predictions=rules, warning_mode="never"
        )
        pairs = predictions.as_record_list()
        timings.append((time.perf_counter() - started) * 1000.0)
        predictions.drop_table_from_database_and_remove_from_cache()
        new.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)

        best = max(pairs, key=lambda pair: pair["match_probability"], default=None)
        splink_person = None
        splink_links = False
        if best is not None:
            other = best["unique_id_l"]
            if other == probe["unique_id"]:
                other = best["unique_id_r"]
            splink_person = person_of_record.get(other)
            splink_links = best["match_probability"] >= saved.link_threshold
        candidates = stored[event_id].get("candidates") or []
        ours = candidates[0]["person_id"] if candidates else None
        compared += 1
        agree_top += splink_person == ours
        agree_link += splink_links == (stored[event_id]["outcome"] == "matched")
    work.close()
    return {
        "sample": compared,
        "setup_s": round(setup_seconds, 1),
        "p50_ms": round(_percentile(timings, 0.50), 1),
        "p99_ms": round(_percentile(timings, 0.99), 1),
        "mean_ms": round(statistics.fmean(timings), 1) if timings else None,
        "top_candidate_agreement": round(agree_top / compared, 4) if compared else None,
        "link_decision_agreement": round(agree_link / compared, 4) if compared else None,
    }


# --- Main ------------------------------------------------------------------------------------


@contextmanager
def world_folder(keep: bool) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="bench-realtime-"))
    try:
        yield folder
    finally:
        if keep:
            log(f"kept the data folder {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=2000, help="population size")
    parser.add_argument("--rate", type=float, default=50.0, help="events published per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of publishing")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to create the run's database on (default: SQLite)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data folder, the database and the stream"
    )
    parser.add_argument(
        "--splink-sample", type=int, default=300, help="events matched by splink (0: none)"
    )
    parser.add_argument(
        "--batch", type=int, default=50, help="the consumer's events per transaction"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on the operational store after the pipeline, before the stream",
    )
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=datetime.now(UTC).date(),
        help="the population's and the pipeline's as-of date (default: today, UTC)",
    )  # fmt: skip
    args = parser.parse_args()
    count = round(args.rate * args.seconds)

    with world_folder(args.keep) as workdir:
        env = {**os.environ, "IMMIGRATIONOS_HOME": str(workdir / "home")}
        env.pop("DATABASE_URL", None)
        world = World(workdir=workdir, env=env, database="sqlite")
        if args.database_url:
            name, url = _database_create(args.database_url)
            world.database, world.database_url = "postgresql", url
            world.admin_url, world.database_name = args.database_url, name
            world.env["DATABASE_URL"] = url
            log(f"created database {name}")
        try:
            figures = _measure(world, args=args, count=count)
        finally:
            if world.admin_url and world.database_name and not args.keep:
                from django.db import connections

                connections.close_all()
                _database_drop(world.admin_url, world.database_name)
                log(f"dropped database {world.database_name}")
    print(json.dumps(figures))


def _measure(world: World, *, args: argparse.Namespace, count: int) -> dict[str, Any]:
    build = world_build(world, persons=args.persons, as_of=args.as_of)
    if args.analyze:
        build["analyze"] = store_analyze(world)
        log(f"ANALYZE of the operational store took {build['analyze']:.1f} s")
    workload = workload_build(world, count=count, rate=args.rate)
    names = StreamNames.unique()
    process = consumer_start(world, names, batch=args.batch)
    run = StreamRun()
    try:
        run = asyncio.run(
            stream_run(workload=workload, names=names, rate=args.rate, process=process)
        )
    finally:
        consumer_stop(process, run, world)
        if not args.keep:
            asyncio.run(stream_delete(names))
    log(run.consumer_report or f"consumer exited with code {run.consumer_exit}")

    latency = latency_figures(run)
    stored = stored_events(world)
    no_notice = latency.pop("no_notice")
    lost = [event_id for event_id in no_notice if event_id not in stored]
    true_of_person = true_person_of_persons(world, workload, stored)
    figures: dict[str, Any] = {
        **{key: latency[key] for key in ("p50_ms", "p99_ms", "events_per_s")},
        "lost": len(lost),
        "duplicated": latency["duplicated"],
        "persons": args.persons,
        "rate": args.rate,
        "seconds": args.seconds,
        "database": world.database,
        **accuracy_figures(workload, stored, true_of_person),
        "latency": {k: v for k, v in latency.items() if k not in ("p50_ms", "p99_ms")},
        "applied_without_notice": len(no_notice) - len(lost),
        "stored_events": len(stored),
        "batch": args.batch,
        "analyze": args.analyze,
        "consumer": run.consumer_report,
        "build_seconds": {k: round(v, 1) for k, v in build.items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(value, 2) for value in os.getloadavg()],
        },
    }
    if args.splink_sample > 0:
        log(f"splink comparison on {args.splink_sample} events")
        figures["splink"] = splink_compare(world, workload, stored, sample=args.splink_sample)
    return figures


if __name__ == "__main__":
    main()
