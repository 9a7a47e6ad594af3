"""A departure feed for the demo: synthetic events dropped into a folder as time passes.

The demo applies the last hour's events at start, so the dashboard's live panel has
something to show, then writes one small file every few seconds into the drop folder, where
the same file-drop watcher that `immigrationos stream --drop-dir` runs applies it. Each
event's timestamp is the moment its file is written.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from immigrationos.events.filedrop import drop_watch
from immigrationos.synth.events import EventOptions, events_generate
from immigrationos.synth.travellers import population_read

logger = logging.getLogger(__name__)

# Events already in the last hour when the demo starts, and events per file after it.
BACKFILL_EVENTS = 40
EVENTS_PER_FILE = 2
SECONDS_PER_FILE = 6.0
LIVE_EVENTS = 1200
# Added to the demo's seed, so that the feed's event ids differ from those that
# `immigrationos synth-events` writes with the same (default) seed.
FEED_SEED_OFFSET = 7919


def _jsonl(events: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events)


def _file_drop(inbox: Path, name: str, events: list[dict[str, Any]]) -> None:
    # Written under a .tmp name and renamed, so the watcher never reads half a file.
    partial = inbox / f"{name}.jsonl.tmp"
    partial.write_text(_jsonl(events), encoding="utf-8")
    partial.rename(inbox / f"{name}.jsonl")


def _stamped(event: dict[str, Any], at: datetime) -> dict[str, Any]:
    # The generator's timestamp carries the port's offset; the new time keeps that offset.
    offset = datetime.fromisoformat(event["timestamp"]).utcoffset() or timedelta(0)
    return {**event, "timestamp": at.astimezone(timezone(offset)).isoformat(timespec="seconds")}


def demo_feed_start(*, extracts_dir: Path, inbox: Path, seed: int) -> int:
    """Drop the last hour's events, start the feed and its watcher; return the backfill count.

    Both threads are daemons: they stop when the demo's server stops.
    """
    inbox.mkdir(parents=True, exist_ok=True)
    # One line per file every few seconds would bury the server's own output.
    logging.getLogger("immigrationos.events.filedrop").setLevel(logging.WARNING)
    population = population_read(extracts_dir=extracts_dir)
    options = EventOptions(count=BACKFILL_EVENTS + LIVE_EVENTS, seed=seed + FEED_SEED_OFFSET)
    events = events_generate(population=population, options=options).events
    now = datetime.now(UTC)
    backfill = [
        _stamped(event, now - timedelta(minutes=55) + timedelta(seconds=80 * number))
        for number, event in enumerate(events[:BACKFILL_EVENTS])
    ]
    _file_drop(inbox, f"demo-{seed}-backfill", backfill)
    live = events[BACKFILL_EVENTS:]

    def feed() -> None:
        for start in range(0, len(live), EVENTS_PER_FILE):
            time.sleep(SECONDS_PER_FILE)
            at = datetime.now(UTC)
            chunk = [_stamped(event, at) for event in live[start : start + EVENTS_PER_FILE]]
            _file_drop(inbox, f"demo-{seed}-{start:05d}", chunk)

    def watch() -> None:
        # A failure (a locked database, say) must not end the demo's feed: start again.
        while True:
            try:
                drop_watch(directory=inbox)
            except Exception:
                logger.exception("the demo's drop-folder watcher failed; restarting in 5 s")
            time.sleep(5)

    threading.Thread(target=watch, name="demo-drop-watch", daemon=True).start()
    threading.Thread(target=feed, name="demo-feed", daemon=True).start()
    return len(backfill)
