"""The stream consumer, the file drop and the replay, against the NATS server on 127.0.0.1:4222.

Each test uses its own stream, subject and durable consumer and deletes the stream at the end.
The consumer tests run ``immigrationos stream`` as a subprocess on a data folder made by a
real pipeline run over a small synthetic population, on SQLite or, when DATABASE_URL is set,
on a fresh PostgreSQL database dropped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from events.world import RENEE, event, world_load
from immigrationos.cli import main as cli_main
from immigrationos.departures.schema import events_parse
from immigrationos.events.stream import StreamSettings, stream_ensure

NATS_HOST, NATS_PORT = "127.0.0.1", 4222
NATS_URL = f"nats://{NATS_HOST}:{NATS_PORT}"
BIN = Path(sys.executable).parent / "immigrationos"
AS_OF = datetime.now(UTC).date() - timedelta(days=10)
PERSONS = 300
# Short, so that the events a killed consumer held are delivered again within the test.
TEST_ACK_WAIT_SECONDS = 2.0


def _nats_listening() -> bool:
    try:
        with socket.create_connection((NATS_HOST, NATS_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def nats_server() -> None:
    if _nats_listening():
        return
    message = f"no NATS server on {NATS_HOST}:{NATS_PORT}; start nats-server with -js"
    if os.environ.get("IMMIGRATIONOS_REQUIRE_NATS"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True)
class Names:
    """One test's stream, subject, durable consumer and notice subject."""

    stream: str
    subject: str
    durable: str
    applied: str

    def settings(self, url: str = NATS_URL) -> StreamSettings:
        return StreamSettings(
            url=url,
            stream=self.stream,
            subject=self.subject,
            durable=self.durable,
            applied_subject=self.applied,
        )

    def env(self) -> dict[str, str]:
        return {
            "IMMIGRATIONOS_NATS_URL": NATS_URL,
            "IMMIGRATIONOS_EVENTS_STREAM": self.stream,
            "IMMIGRATIONOS_EVENTS_SUBJECT": self.subject,
            "IMMIGRATIONOS_EVENTS_DURABLE": self.durable,
            "IMMIGRATIONOS_EVENTS_APPLIED_SUBJECT": self.applied,
        }


async def _stream_delete(name: str) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(name)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()


@pytest.fixture
def names(nats_server: None) -> Iterator[Names]:
    token = uuid.uuid4().hex[:12]
    created = Names(
        stream=f"IOS_TEST_{token}",
        subject=f"ios.test.{token}.in",
        durable=f"ios-test-{token}",
        applied=f"ios.test.{token}.applied",
    )
    yield created
    asyncio.run(_stream_delete(created.stream))


# --- NATS helpers used by the tests ---------------------------------------------------------


async def _publish(names: Names, bodies: list[bytes]) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        await stream_ensure(js, names.settings())
        for body in bodies:
            await js.publish(names.subject, body, stream=names.stream)
    finally:
        await nc.close()


async def _consumer_create(names: Names) -> None:
    """Create the durable consumer as the app does, with a short ack wait."""
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        await stream_ensure(js, names.settings())
        await js.add_consumer(
            names.stream,
            ConsumerConfig(
                name=names.durable,
                durable_name=names.durable,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=TEST_ACK_WAIT_SECONDS,
                deliver_policy=DeliverPolicy.ALL,
                filter_subject=names.subject,
                max_deliver=-1,
            ),
        )
    finally:
        await nc.close()


async def _consumer_backlog(names: Names) -> tuple[int, int]:
    """Return the durable consumer's (messages not yet delivered, delivered but unacked)."""
    nc = await nats.connect(NATS_URL)
    try:
        info = await nc.jetstream().consumer_info(names.stream, names.durable)
    finally:
        await nc.close()
    return int(info.num_pending or 0), int(info.num_ack_pending or 0)


async def _stream_bodies(names: Names) -> list[dict[str, Any]]:
    """Read every message of the stream with a throwaway consumer."""
    nc = await nats.connect(NATS_URL)
    try:
        subscription = await nc.jetstream().pull_subscribe(names.subject, stream=names.stream)
        bodies: list[dict[str, Any]] = []
        while True:
            try:
                messages = await subscription.fetch(100, timeout=1)
            except TimeoutError:
                return bodies
            for message in messages:
                bodies.append(json.loads(message.data))
                await message.ack()
    finally:
        await nc.close()


@dataclass
class ConsumerRun:
    """A consumer subprocess and the notices it published while the test listened."""

    returncode: int | None
    notices: list[dict[str, Any]]
    log: str


async def _consumer_run(
    names: Names,
    env: dict[str, str],
    log_path: Path,
    *options: str,
    kill_after_notices: int | None = None,
    timeout: float = 120.0,
) -> ConsumerRun:
    """Run ``immigrationos stream`` until it exits, or SIGKILL it after some notices."""
    nc = await nats.connect(NATS_URL)
    notices: list[dict[str, Any]] = []

    async def collect(message: Any) -> None:
        notices.append(json.loads(message.data))

    await nc.subscribe(names.applied, cb=collect)
    await nc.flush()
    with log_path.open("w", encoding="utf-8") as log:
        process = await asyncio.create_subprocess_exec(
            str(BIN), "stream", *options, env={**env, **names.env()}, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        try:
            while process.returncode is None and time.monotonic() < deadline:
                if kill_after_notices is not None and len(notices) >= kill_after_notices:
                    process.send_signal(signal.SIGKILL)
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), timeout=0.05)
            await asyncio.wait_for(process.wait(), timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    await nc.flush()
    await nc.close()
    return ConsumerRun(process.returncode, notices, log_path.read_text(encoding="utf-8"))


# --- A data folder with a loaded store, for the consumer subprocesses -----------------------


@dataclass(frozen=True)
class Store:
    """A data folder whose operational store contains a loaded population."""

    home: Path
    env: dict[str, str]
    people: list[dict[str, str]]


def _database_create() -> tuple[str, str] | None:
    """Create a fresh PostgreSQL database beside DATABASE_URL's; return (name, URL)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import psycopg

    name = f"immigrationos_stream_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return name, urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _database_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _people(extracts: Path) -> list[dict[str, str]]:
    """Return identities of generated persons, from their departure records, one per passport."""
    people: dict[str, dict[str, str]] = {}
    with (extracts / "departures.csv").open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            person = {
                key: row[key]
                for key in (
                    "given_name",
                    "family_name",
                    "dob",
                    "sex",
                    "nationality",
                    "passport_no",
                    "passport_country",
                )
            }
            # Keep only identities that make a valid event as they are. Some generated rows
            # carry defects (a missing name, a malformed date) that an event would not pass.
            probe = _departure("probe", person, minutes_ago=60)
            if row["passport_no"] and not events_parse([probe])[1]:
                people.setdefault(row["passport_no"], person)
    return list(people.values())


@pytest.fixture(scope="module")
def store(nats_server: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    from immigrationos.progress import NullProgress
    from immigrationos.synth.generator import generate

    home = tmp_path_factory.mktemp("stream-store")
    generate(
        persons=PERSONS,
        seed=11,
        out_dir=home / "synth",
        profile="default",
        as_of=AS_OF,
        progress=NullProgress(),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMIGRATIONOS_")}
    env.pop("DATABASE_URL", None)
    env["IMMIGRATIONOS_HOME"] = str(home / "data")
    database = _database_create()
    if database is not None:
        env["DATABASE_URL"] = database[1]
    try:
        run = subprocess.run(
            [str(BIN), "run", "--input", str(home / "synth" / "extracts"), "--as-of", str(AS_OF)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        people = _people(home / "synth" / "extracts")
        assert len(people) >= 100, f"only {len(people)} usable identities were generated"
        yield Store(home=home, env=env, people=people)
    finally:
        if database is not None:
            _database_drop(database[0])


_STORE_QUERY = """
import json, sys
from collections import Counter
from immigrationos.site.setup import django_setup
django_setup()
from immigrationos.cases.models import CaseProposal, Person, ReviewItem, SourceRecord
from immigrationos.events.models import IncomingEvent, RejectedEvent

ids = json.load(sys.stdin)
events = IncomingEvent.objects.filter(event_id__in=ids)
record_uids = list(events.values_list("record_uid", flat=True))
origins = ["event:" + event_id for event_id in ids]
print(json.dumps({
    "event_counts": Counter(events.values_list("event_id", flat=True)),
    "record_counts": Counter(
        SourceRecord.objects.filter(record_uid__in=record_uids).values_list("record_uid", flat=True)
    ),
    "proposal_counts": Counter(
        CaseProposal.objects.filter(origin__in=origins).values_list("origin", flat=True)
    ),
    "outcomes": Counter(events.values_list("outcome", flat=True)),
    "channels": sorted(set(events.values_list("channel", flat=True))),
    "totals": {
        "events": IncomingEvent.objects.count(),
        "records": SourceRecord.objects.count(),
        "persons": Person.objects.count(),
        "proposals": CaseProposal.objects.count(),
        "reviews": ReviewItem.objects.count(),
        "rejected": RejectedEvent.objects.count(),
    },
}))
"""


def _store_state(store: Store, event_ids: list[str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _STORE_QUERY],
        input=json.dumps(event_ids),
        env=store.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    state: dict[str, Any] = json.loads(result.stdout)
    return state


# --- Events -----------------------------------------------------------------------------------


def _stamp(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")


def _departure(event_id: str, person: dict[str, str], *, minutes_ago: int) -> dict[str, Any]:
    body = {
        "event_id": event_id,
        "kind": "departure",
        "evidence_kind": "boarding_confirmation",
        "timestamp": _stamp(minutes_ago),
        "port": "JFK",
        "mode": "air",
        "carrier": "DL",
    }
    body.update({key: value for key, value in person.items() if value})
    return body


def _arrival(event_id: str, person: dict[str, str], *, minutes_ago: int) -> dict[str, Any]:
    body = _departure(event_id, person, minutes_ago=minutes_ago)
    body.update(
        kind="arrival",
        evidence_kind="admission",
        class_of_admission="B2",
        admit_until=(date.today() + timedelta(days=180)).isoformat(),
    )
    return body


def _stranger(number: int) -> dict[str, str]:
    """Return an identity that no generated person has."""
    return {
        "given_name": f"Zebulon{chr(65 + number % 26)}",
        "family_name": f"Quixwhistle{number}",
        "dob": f"19{50 + number % 40}-0{1 + number % 9}-1{number % 10}",
        "passport_no": f"ZQ{number:07d}",
        "passport_country": "ISL",
        "nationality": "ISL",
    }


def _event_mix(prefix: str, people: list[dict[str, str]], count: int) -> list[dict[str, Any]]:
    """Return ``count`` events: departures of known persons, of strangers, and arrivals."""
    events: list[dict[str, Any]] = []
    for number in range(count):
        event_id = f"{prefix}-{number:04d}"
        minutes_ago = 3000 - number
        if number % 6 == 5:
            events.append(_departure(event_id, _stranger(number), minutes_ago=minutes_ago))
        elif number % 6 == 4:
            person = people[number % len(people)]
            events.append(_arrival(event_id, person, minutes_ago=minutes_ago))
        else:
            person = people[number % len(people)]
            events.append(_departure(event_id, person, minutes_ago=minutes_ago))
    _, rejected = events_parse(events)
    assert not rejected, [r.message for r in rejected[:3]]
    return events


def _bodies(events: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(item).encode() for item in events]


# --- The consumer -----------------------------------------------------------------------------


@pytest.mark.slow
def test_consumer_killed_midway_applies_each_event_once(
    store: Store, names: Names, tmp_path: Path
) -> None:
    events = _event_mix(f"kill-{names.durable[-6:]}", store.people, 300)
    ids = [item["event_id"] for item in events]
    asyncio.run(_consumer_create(names))
    asyncio.run(_publish(names, _bodies(events)))

    first = asyncio.run(
        _consumer_run(
            names,
            store.env,
            tmp_path / "first.log",
            "--batch",
            "10",
            kill_after_notices=60,
        )
    )
    assert first.returncode == -signal.SIGKILL, first.log
    assert 60 <= len(first.notices) < len(ids), first.log
    assert sum(asyncio.run(_consumer_backlog(names))) > 0

    second = asyncio.run(
        _consumer_run(
            names, store.env, tmp_path / "second.log", "--batch", "25", "--idle-exit", "6"
        )
    )
    assert second.returncode == 0, second.log
    assert "idle for 6 s" in second.log

    state = _store_state(store, ids)
    assert state["event_counts"] == dict.fromkeys(ids, 1)
    assert set(state["record_counts"].values()) == {1}
    assert len(state["record_counts"]) == len(ids)
    assert all(count == 1 for count in state["proposal_counts"].values()), state["proposal_counts"]
    assert state["totals"]["rejected"] == 0
    assert state["channels"] == ["stream"]
    # Departures and arrivals of generated persons matched them; strangers did not.
    assert state["outcomes"].get("matched", 0) > 0
    assert state["outcomes"].get("unmatched", 0) + state["outcomes"].get("review", 0) >= 50
    assert asyncio.run(_consumer_backlog(names)) == (0, 0)


@pytest.mark.slow
def test_redelivered_events_change_nothing(store: Store, names: Names, tmp_path: Path) -> None:
    events = _event_mix(f"again-{names.durable[-6:]}", store.people[::-1], 30)
    ids = [item["event_id"] for item in events]
    asyncio.run(_publish(names, _bodies(events)))
    options = ("--max-events", "30", "--idle-exit", "20")

    first = asyncio.run(_consumer_run(names, store.env, tmp_path / "first.log", *options))
    assert first.returncode == 0, first.log
    assert [n["result"] for n in first.notices] == ["applied"] * len(ids)
    assert [n["event_id"] for n in first.notices] == ids
    before = _store_state(store, ids)

    asyncio.run(_publish(names, _bodies(events)))
    second = asyncio.run(_consumer_run(names, store.env, tmp_path / "second.log", *options))

    assert second.returncode == 0, second.log
    assert [n["result"] for n in second.notices] == ["duplicate"] * len(ids)
    assert [n["person_id"] for n in second.notices] == [n["person_id"] for n in first.notices]
    assert [n["case_id"] for n in second.notices] == [n["case_id"] for n in first.notices]
    after = _store_state(store, ids)
    assert after == before
    assert after["event_counts"] == dict.fromkeys(ids, 1)


@pytest.mark.slow
def test_consumer_sigterm_acknowledges_batch_in_hand(
    store: Store, names: Names, tmp_path: Path
) -> None:
    # Enough events that the consumer is still busy when the signal arrives.
    events = _event_mix(f"term-{names.durable[-6:]}", store.people, 600)
    asyncio.run(_publish(names, _bodies(events)))

    async def run_and_terminate() -> tuple[int | None, int, str]:
        nc = await nats.connect(NATS_URL)
        noticed: list[bytes] = []

        async def collect(message: Any) -> None:
            noticed.append(message.data)

        await nc.subscribe(names.applied, cb=collect)
        log_path = tmp_path / "consumer.log"
        with log_path.open("w", encoding="utf-8") as log:
            process = await asyncio.create_subprocess_exec(
                str(BIN), "stream", "--batch", "10", "--log-every", "0.2",
                env={**store.env, **names.env()}, stdout=log, stderr=log,
            )  # fmt: skip
            deadline = time.monotonic() + 60
            while len(noticed) < 30 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), timeout=30)
        await nc.close()
        return code, len(noticed), log_path.read_text(encoding="utf-8")

    code, noticed, log = asyncio.run(run_and_terminate())

    assert code == 0, log
    assert noticed >= 30
    assert "SIGTERM received" in log
    assert "stream consumer stopped (SIGTERM)" in log
    pending, unacknowledged = asyncio.run(_consumer_backlog(names))
    assert unacknowledged == 0
    assert 0 < pending < len(events) - 30
    applied = _store_state(store, [item["event_id"] for item in events])["event_counts"]
    assert len(applied) == len(events) - pending


def test_consumer_without_loaded_model_exits_cleanly(
    names: Names, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMIGRATIONOS_")}
    env.pop("DATABASE_URL", None)
    env["IMMIGRATIONOS_HOME"] = str(tmp_path / "empty")
    steps = [
        [str(BIN), "manage", "migrate", "--verbosity", "0"],
        [str(BIN), "stream", "--idle-exit", "1"],
    ]
    results = [
        subprocess.run(
            step, env={**env, **names.env()}, capture_output=True, text=True, timeout=120
        )
        for step in steps
    ]

    assert results[0].returncode == 0, results[0].stderr
    assert results[1].returncode == 2, results[1].stderr
    assert "no linkage model is loaded" in results[1].stderr
    assert "Traceback" not in results[1].stderr


# --- One batch: bodies that are not JSON, and a failure inside the batch ----------------------


@pytest.mark.django_db
def test_batch_rejects_body_that_is_not_json(tmp_path: Path) -> None:
    from immigrationos.events.batches import items_apply, raw_item_parse
    from immigrationos.events.models import IncomingEvent, RejectedEvent

    world_load(tmp_path)
    items = [
        raw_item_parse(
            json.dumps(event("BATCH-1", RENEE)).encode(), ref="stream:6", where="stream sequence 6"
        ),
        raw_item_parse(b"{not json", ref="stream:7", where="stream sequence 7"),
        raw_item_parse(b"\xff\xfe", ref="stream:8", where="stream sequence 8"),
    ]

    results = items_apply(items, channel="stream")

    assert [r.result for r in results] == ["applied", "rejected", "rejected"]
    assert [r.index for r in results] == [0, 1, 2]
    assert results[1].message.startswith("stream sequence 7: the event is not valid JSON")
    assert results[2].message.startswith("stream sequence 8: the event is not UTF-8 text")
    assert IncomingEvent.objects.get(event_id="BATCH-1").source_ref == "stream:6"
    kept = RejectedEvent.objects.get(source_ref="stream:7")
    assert kept.payload == "{not json"
    assert kept.channel == "stream"

    # The same bodies delivered again add no second rejection and no second event.
    again = items_apply(items, channel="stream")
    assert [r.result for r in again] == ["duplicate", "rejected", "rejected"]
    assert RejectedEvent.objects.filter(source_ref="stream:7").count() == 1
    assert IncomingEvent.objects.filter(event_id="BATCH-1").count() == 1


@pytest.mark.django_db
def test_batch_failure_retries_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import IntegrityError

    from immigrationos.events import services
    from immigrationos.events.batches import items_apply, raw_item_parse
    from immigrationos.events.models import IncomingEvent, RejectedEvent

    world_load(tmp_path)
    # A fault injected into one event's write, as a violated constraint would raise it.
    real_index_add = services.record_index_add

    def failing_index_add(*, record_uid: str, **kwargs: Any) -> None:
        if record_uid == "departures:event:BATCH-BAD":
            raise IntegrityError("UNIQUE constraint failed: injected for this test")
        real_index_add(record_uid=record_uid, **kwargs)

    monkeypatch.setattr(services, "record_index_add", failing_index_add)
    bodies = [
        event("BATCH-2", RENEE),
        event("BATCH-BAD", RENEE, timestamp="2026-12-03T19:05:00-05:00"),
        event("BATCH-3", RENEE, timestamp="2026-12-03T20:05:00-05:00"),
    ]
    items = [
        raw_item_parse(json.dumps(body), ref=f"stream:{n}", where=f"stream sequence {n}")
        for n, body in enumerate(bodies, start=1)
    ]

    results = items_apply(items, channel="stream")

    assert [r.result for r in results] == ["applied", "rejected", "applied"]
    assert results[1].message.startswith("processing failed: IntegrityError")
    assert "stream sequence 2" in results[1].message
    assert set(IncomingEvent.objects.values_list("event_id", flat=True)) == {"BATCH-2", "BATCH-3"}
    failed = RejectedEvent.objects.get(source_ref="stream:2")
    assert failed.event_id == "BATCH-BAD"
    assert failed.errors[0]["message"].startswith("processing failed")


# --- File drop --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_file_drop_applies_good_lines_and_rejects_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from immigrationos.events.models import IncomingEvent, RejectedEvent

    world_load(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    good = json.dumps(event("FILE-1", RENEE))
    stranger = json.dumps(event("FILE-2", {**RENEE, "given": "Xavier", "family": "Quimby",
                                         "passport": "ZX1234567"}))  # fmt: skip
    missing_port = json.dumps({k: v for k, v in event("FILE-3", RENEE).items() if k != "port"})
    lines = [good, "{this is not json", stranger, "", good, missing_port]
    (drop / "batch-1.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (drop / "later.jsonl.tmp").write_text(good + "\n", encoding="utf-8")

    code = cli_main(["stream", "--drop-dir", str(drop), "--idle-exit", "0.5", "--batch", "2"])

    assert code == 0
    assert not (drop / "batch-1.jsonl").exists()
    assert (drop / "done" / "batch-1.jsonl").read_text(encoding="utf-8").count("\n") == 6
    assert (drop / "later.jsonl.tmp").exists(), "a file still being written is left alone"
    results = [
        json.loads(line)
        for line in (drop / "done" / "batch-1.jsonl.results.jsonl").read_text().splitlines()
    ]
    assert [r["source_ref"] for r in results] == [
        "file:batch-1.jsonl:1",
        "file:batch-1.jsonl:2",
        "file:batch-1.jsonl:3",
        "file:batch-1.jsonl:5",
        "file:batch-1.jsonl:6",
    ]
    assert [r["result"] for r in results] == [
        "applied",
        "rejected",
        "applied",
        "duplicate",
        "rejected",
    ]
    assert results[0]["person_id"] == "P1"
    assert results[3]["person_id"] == "P1"
    assert results[1]["message"].startswith("file batch-1.jsonl line 2: the event is not valid")
    assert results[4]["message"].startswith("file batch-1.jsonl line 6: ")
    assert "port" in results[4]["message"]
    assert {e.event_id: e.source_ref for e in IncomingEvent.objects.all()} == {
        "FILE-1": "file:batch-1.jsonl:1",
        "FILE-2": "file:batch-1.jsonl:3",
    }
    assert sorted(RejectedEvent.objects.values_list("source_ref", flat=True)) == [
        "file:batch-1.jsonl:2",
        "file:batch-1.jsonl:6",
    ]
    assert "1 file, 5 received" in capsys.readouterr().out


@pytest.mark.django_db
def test_file_drop_json_file_and_reprocessing(tmp_path: Path) -> None:
    from immigrationos.events.filedrop import file_apply
    from immigrationos.events.models import IncomingEvent

    world_load(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    body = json.dumps({"events": [event("JSON-1", RENEE), {"event_id": "JSON-2"}]})
    (drop / "feed.json").write_text(body, encoding="utf-8")

    first = file_apply(drop / "feed.json")
    # The same file dropped again, as after a crash before the move: nothing new is applied.
    (drop / "feed.json").write_text(body, encoding="utf-8")
    second = file_apply(drop / "feed.json")

    assert first is not None and second is not None
    assert first.moved_to == drop / "done" / "feed.json"
    assert second.moved_to == drop / "done" / "feed-2.json"
    assert (first.counts.applied, first.counts.rejected) == (1, 1)
    assert (second.counts.applied, second.counts.duplicates, second.counts.rejected) == (0, 1, 1)
    rows = [json.loads(line) for line in second.results_path.read_text().splitlines()]
    assert [r["source_ref"] for r in rows] == ["file:feed.json:1", "file:feed.json:2"]
    assert rows[1]["message"].startswith("file feed.json event 2: ")
    assert IncomingEvent.objects.filter(event_id="JSON-1").count() == 1


def test_file_drop_missing_folder_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(["stream", "--drop-dir", str(tmp_path / "nowhere"), "--idle-exit", "1"])

    assert code == 2
    assert "drop folder" in capsys.readouterr().err


# --- Replay -----------------------------------------------------------------------------------


def _replay_file(path: Path, count: int) -> Path:
    events = [
        {**event(f"REPLAY-{n}", RENEE), "sent_at": "2026-01-01T00:00:00Z"} for n in range(count)
    ]
    path.write_text("".join(json.dumps(item) + "\n" for item in events), encoding="utf-8")
    return path


def test_replay_paces_events_and_stamps_sent_at(names: Names, tmp_path: Path) -> None:
    from immigrationos.events.replay import replay_run

    path = _replay_file(tmp_path / "recorded.jsonl", 50)
    started = datetime.now(UTC)

    report = replay_run(path=path, rate=100, settings=names.settings())

    assert report.published == 50
    # 50 events at 100/s: the last one is due 0.49 s after the first.
    assert 0.35 < report.seconds < 5.0
    assert report.achieved_rate < 150
    bodies = asyncio.run(_stream_bodies(names))
    assert [b["event_id"] for b in bodies] == [f"REPLAY-{n}" for n in range(50)]
    sent = [datetime.fromisoformat(b["sent_at"]) for b in bodies]
    assert all(stamp.utcoffset() is not None for stamp in sent)
    assert all(started <= stamp <= datetime.now(UTC) for stamp in sent)
    assert sent == sorted(sent)


def test_replay_keeps_sent_at_when_asked(
    names: Names, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    path = _replay_file(tmp_path / "recorded.jsonl", 3)
    for key, value in names.env().items():
        setattr(settings, key, value)

    code = cli_main(["stream", "--replay", str(path), "--rate", "1000", "--keep-sent-at"])

    assert code == 0
    assert "3 events published" in capsys.readouterr().out
    bodies = asyncio.run(_stream_bodies(names))
    assert [b["sent_at"] for b in bodies] == ["2026-01-01T00:00:00Z"] * 3


def test_replay_unreachable_server_names_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _replay_file(tmp_path / "recorded.jsonl", 1)

    code = cli_main(["stream", "--replay", str(path), "--nats", "nats://127.0.0.1:1"])

    assert code == 2
    err = capsys.readouterr().err
    assert "nats://127.0.0.1:1" in err
    assert "IMMIGRATIONOS_NATS_URL" in err
