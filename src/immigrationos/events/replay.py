"""Replay a recorded event file onto the events stream at a set rate, for demos and benchmarks.

Each line of the file is one event. The n-th event (from 0) is published at ``start + n /
rate`` on the monotonic clock, so a slow publish delays only that event and the pace does not
drift. Each event's ``sent_at`` becomes its publish time unless the caller keeps the recorded
one. A line that is not a JSON object is published unchanged, so that a replay can also feed
malformed events to the consumer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats.errors

from immigrationos.events.errors import EventsError
from immigrationos.events.stream import (
    CONFIRM_TIMEOUT_SECONDS,
    StreamSettings,
    nats_connect,
    stream_ensure,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayReport:
    """Counts and duration of one replay."""

    path: Path
    published: int
    unchanged: int
    seconds: float
    rate: float

    @property
    def achieved_rate(self) -> float:
        return self.published / self.seconds if self.seconds > 0 else 0.0

    def render(self) -> str:
        return (
            f"replayed {self.path.name}: {self.published:,} events published in "
            f"{self.seconds:.2f} s, {self.achieved_rate:.1f} events/s (target {self.rate:g}/s); "
            f"lines published unchanged because they are not JSON objects: {self.unchanged:,}"
        )


def _lines_read(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EventsError(f"cannot read the replay file {str(path)!r}: {exc}") from exc
    return [line for line in text.splitlines() if line.strip()]


def _body_build(line: str, *, keep_sent_at: bool) -> tuple[bytes, bool]:
    """Return the message body for ``line``, and whether it went out unchanged."""
    if keep_sent_at:
        return line.encode("utf-8"), False
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return line.encode("utf-8"), True
    if not isinstance(event, dict):
        return line.encode("utf-8"), True
    event["sent_at"] = datetime.now(UTC).isoformat()
    return json.dumps(event).encode("utf-8"), False


def replay_run(
    *, path: Path, rate: float, settings: StreamSettings, keep_sent_at: bool = False
) -> ReplayReport:
    """Publish each line of the JSON Lines file ``path`` to the events subject at ``rate``/s.

    Every publish waits for JetStream's acknowledgement, so a published event is stored.
    Raises EventsError for an unreadable file, a rate that is not positive, or an unreachable
    NATS server.
    """
    if not rate > 0:
        raise EventsError(f"invalid rate {rate!r}: expected events per second above 0")
    lines = _lines_read(path)
    return asyncio.run(
        _replay(path=path, lines=lines, rate=rate, settings=settings, keep_sent_at=keep_sent_at)
    )


async def _replay(
    *, path: Path, lines: list[str], rate: float, settings: StreamSettings, keep_sent_at: bool
) -> ReplayReport:
    nc = await nats_connect(settings.url)
    try:
        js = nc.jetstream()
        await stream_ensure(js, settings)
        unchanged = 0
        started = time.monotonic()
        for number, line in enumerate(lines):
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            body, as_is = _body_build(line, keep_sent_at=keep_sent_at)
            unchanged += as_is
            try:
                await js.publish(
                    settings.subject, body, stream=settings.stream, timeout=CONFIRM_TIMEOUT_SECONDS
                )
            except (nats.errors.Error, TimeoutError) as exc:
                raise EventsError(
                    f"publishing event {number + 1} of {path.name} to {settings.subject!r} on "
                    f"{settings.url} failed after {number} events ({exc})"
                ) from exc
        seconds = time.monotonic() - started
    finally:
        await nc.close()
    report = ReplayReport(
        path=path, published=len(lines), unchanged=unchanged, seconds=seconds, rate=rate
    )
    logger.info("%s", report.render())
    return report
