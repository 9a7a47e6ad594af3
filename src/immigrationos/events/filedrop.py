"""The file-drop channel: apply event files that a source leaves in a folder.

Protocol for writers: write the file under another name (``NAME.jsonl.tmp``, say) and rename
it to ``NAME.jsonl`` or ``NAME.json`` when it is complete. A rename within one file system is
atomic. A file written in place is also safe in most cases: the watcher takes a file only
when its size and modification time did not change over at least ``QUIET_SECONDS``, but a
writer that pauses longer than that mid-file would be read half-written.

A ``*.jsonl`` file holds one event per line; a ``*.json`` file holds ``{"events": [...]}``.
Files are taken oldest first. Each is applied in batches, one transaction per batch, with the
source reference ``file:NAME:LINE`` (the event's position in a ``*.json`` file). Then the
results, one JSON object per line in the order of the events, go to
``done/NAME.results.jsonl``, and the file moves to ``done/``. A watcher killed half-way takes
the file again on restart, and the event ids make the second pass change nothing.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from immigrationos.events.batches import ApplyCounts, RawItem, items_apply, raw_item_parse
from immigrationos.events.errors import EventsError
from immigrationos.events.models import Channel
from immigrationos.events.services import EventResult

logger = logging.getLogger(__name__)

PATTERNS = ("*.jsonl", "*.json")
DONE_DIR = "done"
RESULTS_SUFFIX = ".results.jsonl"
# A file is taken once its size and modification time held still for this many seconds.
QUIET_SECONDS = 1.0
POLL_SECONDS = 1.0


@dataclass
class DropReport:
    """Counts and duration of one file-drop run."""

    files: int = 0
    counts: ApplyCounts = field(default_factory=ApplyCounts)
    seconds: float = 0.0
    stopped_by: str = ""

    def render(self) -> str:
        return (
            f"file drop stopped ({self.stopped_by}) after {self.seconds:.1f} s: "
            f"{self.files:,} {'file' if self.files == 1 else 'files'}, {self.counts.render()}"
        )


@dataclass(frozen=True)
class FileResult:
    """The counts of one applied file, and where the file and its results went."""

    moved_to: Path
    results_path: Path
    counts: ApplyCounts


class _Signature:
    """Tracks each candidate's size and modification time across polls."""

    def __init__(self) -> None:
        self.seen: dict[Path, tuple[int, int, float]] = {}

    def quiet(self, path: Path, *, now: float) -> bool:
        """Return whether ``path`` has not changed for ``QUIET_SECONDS``."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            self.seen.pop(path, None)
            return False
        signature = (stat.st_size, stat.st_mtime_ns)
        previous = self.seen.get(path)
        if previous is None or previous[:2] != signature:
            self.seen[path] = (*signature, now)
            return False
        return now - previous[2] >= QUIET_SECONDS


def _candidates(directory: Path) -> list[Path]:
    """Return the event files in ``directory``, oldest first."""
    found: list[tuple[int, str, Path]] = []
    for pattern in PATTERNS:
        for path in directory.glob(pattern):
            try:
                stat = path.stat()
            except FileNotFoundError:
                # Renamed or removed between the listing and the stat.
                continue
            # A symbolic link could point anywhere on the machine, so only plain files count.
            if path.is_file() and not path.is_symlink():
                found.append((stat.st_mtime_ns, path.name, path))
            elif path.is_symlink():
                logger.warning("drop folder: %s is a symbolic link; skipped", path.name)
    return [path for _, _, path in sorted(found)]


def drop_watch(
    *,
    directory: Path,
    batch: int = 50,
    idle_exit: float | None = None,
    poll: float = POLL_SECONDS,
) -> DropReport:
    """Apply every event file dropped in ``directory`` until SIGTERM, SIGINT or ``idle_exit``.

    Stops after the batch in hand; a file left half-done is taken again on the next run.
    Raises EventsError for a missing folder or when the event path cannot run.
    """
    if not directory.is_dir():
        raise EventsError(f"drop folder {str(directory)!r} not found; create it or fix --drop-dir")
    if batch < 1:
        raise EventsError(f"invalid batch size {batch}: expected 1 or more")
    (directory / DONE_DIR).mkdir(exist_ok=True)
    stop = _signals_install()
    report = DropReport()
    started = last_activity = time.monotonic()
    signatures = _Signature()
    logger.info("watching %s for %s files", directory, " and ".join(PATTERNS))
    try:
        while not stop.reason:
            now = time.monotonic()
            candidates = _candidates(directory)
            if candidates:
                # A file still being written counts as activity, so idle_exit waits for it.
                last_activity = now
            for path in [p for p in candidates if signatures.quiet(p, now=now)]:
                if stop.reason:
                    break
                done = file_apply(path, batch=batch, should_stop=lambda: bool(stop.reason))
                if done is None:
                    break
                signatures.seen.pop(path, None)
                report.files += 1
                _counts_merge(report.counts, done.counts)
                last_activity = time.monotonic()
            if idle_exit is not None and time.monotonic() - last_activity >= idle_exit:
                report.stopped_by = f"idle for {idle_exit:g} s"
                break
            if not stop.reason:
                time.sleep(poll)
    finally:
        stop.restore()
    report.stopped_by = report.stopped_by or stop.reason
    report.seconds = time.monotonic() - started
    return report


def _counts_merge(total: ApplyCounts, part: ApplyCounts) -> None:
    for name, value in vars(part).items():
        setattr(total, name, getattr(total, name) + value)


def file_apply(
    path: Path, *, batch: int = 50, should_stop: Callable[[], bool] = lambda: False
) -> FileResult | None:
    """Apply one event file, write its results beside it in ``done/``, and move it there.

    Returns None when ``should_stop`` asked to stop before the file was finished; the file
    then stays where it is.
    """
    done_dir = path.parent / DONE_DIR
    done_dir.mkdir(exist_ok=True)
    target = _unused_name(done_dir, path.name)
    results_path = done_dir / f"{target.name}{RESULTS_SUFFIX}"
    partial = results_path.with_name(f".{results_path.name}.partial")
    counts = ApplyCounts()

    with partial.open("w", encoding="utf-8") as out:
        for chunk in _chunks(_items(path), batch):
            results = items_apply(chunk, channel=Channel.FILE)
            counts.add(results)
            _results_write(out, chunk, results)
            if should_stop():
                logger.info("stopping in the middle of %s; it is taken again on restart", path)
                out.close()
                partial.unlink()
                return None
        out.flush()
        os.fsync(out.fileno())
    partial.replace(results_path)
    path.replace(target)
    logger.info("%s: %s; moved to %s", path.name, counts.render(), target)
    return FileResult(moved_to=target, results_path=results_path, counts=counts)


def _unused_name(done_dir: Path, name: str) -> Path:
    """Return ``done/NAME``, or ``done/STEM-2.SUFFIX`` and up when a file of that name is there."""
    target = done_dir / name
    number = 2
    while target.exists():
        stem, dot, suffix = name.partition(".")
        target = done_dir / f"{stem}-{number}{dot}{suffix}"
        number += 1
    return target


def _chunks(items: Iterator[RawItem], size: int) -> Iterator[list[RawItem]]:
    chunk: list[RawItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _items(path: Path) -> Iterator[RawItem]:
    if path.suffix == ".json":
        yield from _json_items(path)
        return
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            yield raw_item_parse(
                line.rstrip(b"\r\n"),
                ref=f"file:{path.name}:{number}",
                where=f"file {path.name} line {number}",
            )


def _json_items(path: Path) -> Iterator[RawItem]:
    """Yield each event of a ``{"events": [...]}`` file, or one rejected item for the file."""
    whole = raw_item_parse(path.read_bytes(), ref=f"file:{path.name}", where=f"file {path.name}")
    if whole.parse_error:
        yield whole
        return
    events = whole.value.get("events") if isinstance(whole.value, dict) else None
    if not isinstance(events, list):
        yield RawItem(
            ref=whole.ref,
            where=whole.where,
            text=whole.text,
            parse_error='not an object with an "events" list',
        )
        return
    for number, event in enumerate(events, start=1):
        yield RawItem(
            ref=f"file:{path.name}:{number}",
            where=f"file {path.name} event {number}",
            text=json.dumps(event),
            value=event,
        )


def _results_write(out: IO[str], items: list[RawItem], results: list[EventResult]) -> None:
    for item, result in zip(items, results, strict=True):
        row: dict[str, Any] = {"source_ref": item.ref, **result.as_dict()}
        row.pop("index", None)
        out.write(json.dumps(row) + "\n")


class _Stop:
    """Records SIGTERM or SIGINT, and restores the previous handlers when done."""

    def __init__(self) -> None:
        self.reason = ""
        self.previous: dict[signal.Signals, Any] = {}

    def handle(self, number: int, frame: object) -> None:
        name = signal.Signals(number).name
        if not self.reason:
            logger.info("%s received: finishing the batch in hand, then stopping", name)
        self.reason = name

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _signals_install() -> _Stop:
    stop = _Stop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            stop.previous[sig] = signal.signal(sig, stop.handle)
        except ValueError:
            # Not the main thread: the caller stops the run another way.
            logger.debug("cannot handle %s outside the main thread", sig.name)
    return stop
