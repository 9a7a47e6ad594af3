"""The NATS JetStream consumer of departure and arrival events (``immigrationos stream``).

The consumer pulls messages from a durable consumer with explicit acknowledgement and
applies each fetched batch in one database transaction, in a worker thread because the
Django ORM is synchronous. Only after the batch has committed does it acknowledge each
message, waiting for the server to confirm. A crash before that point leaves the messages
unacknowledged, and JetStream delivers them again after the ack wait. Event ids make the
second delivery change nothing, so delivery is at least once and the effect is exactly once.
After acknowledging, the consumer publishes one notice per event on the applied subject
(core NATS, not stored), from which the real-time benchmark measures latency.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
import nats.errors
import nats.js.errors
from django.db import DatabaseError
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from immigrationos.events.batches import ApplyCounts, RawItem, items_apply, raw_item_parse
from immigrationos.events.errors import EventsError
from immigrationos.events.models import Channel
from immigrationos.events.services import EventResult

logger = logging.getLogger(__name__)

# Seconds JetStream waits for an acknowledgement before it delivers a message again. A batch
# of the default size commits in well under a second, so this leaves a wide margin.
ACK_WAIT_SECONDS = 30.0
# Seconds one fetch waits for the first message; also how often a stop request is noticed.
FETCH_TIMEOUT_SECONDS = 1.0
# While idle, seconds between two checks that the stream and the durable consumer still exist.
CONSUMER_CHECK_SECONDS = 10.0
# Seconds to wait for the server to confirm one acknowledgement or one publish.
CONFIRM_TIMEOUT_SECONDS = 5.0
# Seconds to wait for the first connection to the NATS server before giving up.
CONNECT_TIMEOUT_SECONDS = 5.0
# After the first connection, reconnection is tried this many times, this many seconds apart.
RECONNECT_ATTEMPTS = 30
RECONNECT_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class StreamSettings:
    """The NATS server, stream, subject and durable consumer that carry the events."""

    url: str
    stream: str
    subject: str
    durable: str
    applied_subject: str

    @classmethod
    def from_settings(cls, *, url: str | None = None) -> StreamSettings:
        """Read the IMMIGRATIONOS_NATS_URL and IMMIGRATIONOS_EVENTS_* settings; ``url`` wins."""
        from django.conf import settings

        return cls(
            url=url or settings.IMMIGRATIONOS_NATS_URL,
            stream=settings.IMMIGRATIONOS_EVENTS_STREAM,
            subject=settings.IMMIGRATIONOS_EVENTS_SUBJECT,
            durable=settings.IMMIGRATIONOS_EVENTS_DURABLE,
            applied_subject=settings.IMMIGRATIONOS_EVENTS_APPLIED_SUBJECT,
        )


async def _disconnected() -> None:
    logger.info("disconnected from the NATS server")


async def _reconnected() -> None:
    logger.info("reconnected to the NATS server")


async def nats_connect(url: str) -> Client:
    """Connect to the NATS server at ``url``; raise EventsError naming it when unreachable."""
    errors: list[Exception] = []

    async def connection_error(exc: Exception) -> None:
        # nats-py logs every failed attempt with a traceback by default; one line is enough.
        errors[:] = [exc]
        logger.warning("NATS connection error: %s", exc or type(exc).__name__)

    try:
        return await asyncio.wait_for(
            nats.connect(
                url,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                max_reconnect_attempts=RECONNECT_ATTEMPTS,
                reconnect_time_wait=RECONNECT_WAIT_SECONDS,
                error_cb=connection_error,
                disconnected_cb=_disconnected,
                reconnected_cb=_reconnected,
            ),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        cause = errors[-1] if errors else exc
        raise EventsError(
            f"cannot connect to the NATS server at {url} within {CONNECT_TIMEOUT_SECONDS:g} s "
            f"({cause or type(cause).__name__}); start nats-server with JetStream (-js), or "
            "point IMMIGRATIONOS_NATS_URL (or --nats) at it"
        ) from exc


async def stream_ensure(js: JetStreamContext, settings: StreamSettings) -> None:
    """Create the stream for the events subject unless it exists; check an existing one."""
    try:
        info = await js.stream_info(settings.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(name=settings.stream, subjects=[settings.subject])
        logger.info("created stream %s for subject %s", settings.stream, settings.subject)
        return
    except nats.js.errors.ServiceUnavailableError as exc:
        raise EventsError(
            f"the NATS server at {settings.url} does not run JetStream ({exc}); start "
            "nats-server with -js"
        ) from exc
    subjects = info.config.subjects or []
    if settings.subject not in subjects:
        raise EventsError(
            f"stream {settings.stream!r} exists but does not carry subject "
            f"{settings.subject!r} (it carries {', '.join(subjects) or 'none'}); set "
            "IMMIGRATIONOS_EVENTS_STREAM and IMMIGRATIONOS_EVENTS_SUBJECT to a matching pair"
        )


@dataclass
class ConsumeReport:
    """Counts and duration of one consumer run, for the closing summary."""

    counts: ApplyCounts = field(default_factory=ApplyCounts)
    batches: int = 0
    ack_failures: int = 0
    seconds: float = 0.0
    stopped_by: str = ""

    def render(self) -> str:
        rate = self.counts.received / self.seconds if self.seconds > 0 else 0.0
        return (
            f"stream consumer stopped ({self.stopped_by}) after {self.seconds:.1f} s: "
            f"{self.counts.render()}, in {self.batches:,} batches, {rate:.1f} events/s; "
            f"{self.ack_failures:,} acknowledgements not confirmed"
        )


@dataclass(frozen=True)
class ConsumeOptions:
    """Batch size, stop conditions and log interval of one consumer run."""

    batch: int = 50
    # Stop after this many seconds without a message; None runs until stopped.
    idle_exit: float | None = None
    # Stop after this many messages; None has no limit.
    max_events: int | None = None
    # Seconds between two summary lines in the log.
    log_every: float = 10.0


def stream_consume(*, settings: StreamSettings, options: ConsumeOptions) -> ConsumeReport:
    """Run the consumer until SIGTERM or SIGINT, ``idle_exit`` or ``max_events``.

    Raises EventsError when NATS is unreachable, the stream does not match the settings,
    or the event path cannot run (no model loaded). The messages in hand are then left
    unacknowledged, so JetStream delivers them again.
    """
    if options.batch < 1:
        raise EventsError(f"invalid batch size {options.batch}: expected 1 or more")
    # One thread keeps one database connection for the whole run.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="events-apply") as executor:
        try:
            return asyncio.run(_consume(settings=settings, options=options, executor=executor))
        finally:
            executor.submit(_connections_close).result()


def _connections_close() -> None:
    from django.db import connections

    connections.close_all()


def store_check() -> None:
    """Raise EventsError unless the operational store has a loaded model to match with."""
    from django.db import DatabaseError

    from immigrationos.events.matching import matcher_get

    try:
        matcher_get()
    except DatabaseError as exc:
        raise EventsError(
            f"the operational store is not ready ({exc}); run `immigrationos run` on this "
            "data folder first"
        ) from exc


class _Stopper:
    """Set by SIGTERM or SIGINT; the loop finishes the batch in hand, then stops."""

    def __init__(self) -> None:
        self.reason = ""

    def install(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        installed: list[signal.Signals] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._stop, sig.name)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                # Not the main thread (an embedding caller): it stops the run another way.
                logger.debug("cannot handle %s outside the main thread", sig.name)

        def remove() -> None:
            for sig in installed:
                loop.remove_signal_handler(sig)

        return remove

    def _stop(self, name: str) -> None:
        if not self.reason:
            logger.info("%s received: finishing the batch in hand, then stopping", name)
        self.reason = name


async def _consume(
    *, settings: StreamSettings, options: ConsumeOptions, executor: ThreadPoolExecutor
) -> ConsumeReport:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(executor, store_check)
    nc = await nats_connect(settings.url)
    stopper = _Stopper()
    remove_handlers = stopper.install(loop)
    try:
        js = nc.jetstream()
        await stream_ensure(js, settings)
        subscription = await js.pull_subscribe(
            settings.subject,
            durable=settings.durable,
            stream=settings.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=ACK_WAIT_SECONDS,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=-1,
            ),
        )
        logger.info(
            "consuming %s (stream %s, durable consumer %s) from %s",
            settings.subject,
            settings.stream,
            settings.durable,
            settings.url,
        )
        return await _loop(
            nc=nc,
            subscription=subscription,
            settings=settings,
            options=options,
            executor=executor,
            stopper=stopper,
        )
    finally:
        remove_handlers()
        await nc.close()


async def _loop(
    *,
    nc: Client,
    subscription: JetStreamContext.PullSubscription,
    settings: StreamSettings,
    options: ConsumeOptions,
    executor: ThreadPoolExecutor,
    stopper: _Stopper,
) -> ConsumeReport:
    loop = asyncio.get_running_loop()
    report = ConsumeReport()
    started = last_message = last_log = last_check = time.monotonic()
    logged = ApplyCounts()
    fetch_timeout = FETCH_TIMEOUT_SECONDS
    if options.idle_exit is not None:
        fetch_timeout = max(0.05, min(fetch_timeout, options.idle_exit))

    while not stopper.reason:
        wanted = options.batch
        if options.max_events is not None:
            wanted = min(wanted, options.max_events - report.counts.received)
            if wanted <= 0:
                report.stopped_by = f"{options.max_events} events"
                break
        now = time.monotonic()
        if now - last_log >= options.log_every:
            _progress_log(report.counts, logged, seconds=now - last_log)
            logged, last_log = _copy(report.counts), now
        try:
            messages = await subscription.fetch(wanted, timeout=fetch_timeout)
        except TimeoutError:
            # nats.errors.TimeoutError, or asyncio's own when the fetch deadline passes first.
            idle = time.monotonic() - last_message
            if options.idle_exit is not None and idle >= options.idle_exit:
                report.stopped_by = f"idle for {options.idle_exit:g} s"
                break
            if time.monotonic() - last_check >= CONSUMER_CHECK_SECONDS:
                await _consumer_check(subscription, settings)
                last_check = time.monotonic()
            continue
        except nats.errors.Error as exc:
            # The connection closed for good, or the stream or consumer was deleted.
            raise EventsError(
                f"fetching from stream {settings.stream!r} (durable consumer "
                f"{settings.durable!r}) on {settings.url} failed ({type(exc).__name__}: {exc}); "
                "unacknowledged events are delivered again when the consumer restarts"
            ) from exc
        last_message = time.monotonic()

        items = [_message_item(message) for message in messages]
        try:
            results = await loop.run_in_executor(
                executor, functools.partial(items_apply, items, channel=Channel.STREAM)
            )
        except DatabaseError as exc:
            raise EventsError(
                f"the operational store failed while applying {items[0].where} to "
                f"{items[-1].where} ({exc}); they stay unacknowledged and are delivered "
                "again when the consumer restarts"
            ) from exc
        committed_at = datetime.now(UTC)
        report.ack_failures += await _acknowledge(messages)
        report.counts.add(results)
        report.batches += 1
        await _notices_publish(nc, settings.applied_subject, items, results, committed_at)

    report.stopped_by = report.stopped_by or stopper.reason
    report.seconds = time.monotonic() - started
    return report


async def _consumer_check(
    subscription: JetStreamContext.PullSubscription, settings: StreamSettings
) -> None:
    """Raise EventsError when the stream or the durable consumer no longer exists.

    A fetch from a deleted consumer only times out, so without this check the consumer would
    wait for ever on a stream that is gone.
    """
    try:
        await subscription.consumer_info()
    except nats.js.errors.NotFoundError as exc:
        raise EventsError(
            f"stream {settings.stream!r} or its durable consumer {settings.durable!r} on "
            f"{settings.url} was deleted while the consumer ran ({exc}); restart the consumer "
            "to create them again"
        ) from exc


def _copy(counts: ApplyCounts) -> ApplyCounts:
    return ApplyCounts(**vars(counts))


def _progress_log(counts: ApplyCounts, before: ApplyCounts, *, seconds: float) -> None:
    received = counts.received - before.received
    logger.info(
        "stream: %d applied, %d duplicates, %d rejected in the last %.0f s (%.1f events/s); "
        "%d events in all",
        counts.applied - before.applied,
        counts.duplicates - before.duplicates,
        counts.rejected - before.rejected,
        seconds,
        received / seconds if seconds > 0 else 0.0,
        counts.received,
    )


def _message_item(message: Msg) -> RawItem:
    sequence = message.metadata.sequence.stream
    return raw_item_parse(
        message.data, ref=f"stream:{sequence}", where=f"stream sequence {sequence}"
    )


async def _acknowledge(messages: Sequence[Msg]) -> int:
    """Acknowledge each message and wait for the server; return how many went unconfirmed.

    An unconfirmed acknowledgement is harmless: the message is delivered again and its event
    id makes it a duplicate.
    """
    outcomes = await asyncio.gather(
        *(message.ack_sync(timeout=CONFIRM_TIMEOUT_SECONDS) for message in messages),
        return_exceptions=True,
    )
    failures = 0
    for message, outcome in zip(messages, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            failures += 1
            logger.warning(
                "acknowledgement of stream sequence %s not confirmed (%s); it will be "
                "delivered again and found a duplicate",
                message.metadata.sequence.stream,
                outcome or type(outcome).__name__,
            )
    return failures


NOTICE_FIELDS = ("event_id", "result", "outcome", "person_id", "case_id", "verification")


def notice_build(item: RawItem, result: EventResult, committed_at: datetime) -> dict[str, Any]:
    """Return the notice announcing what one event did, once its effects are committed."""
    fields = result.as_dict()
    notice = {name: fields[name] for name in NOTICE_FIELDS}
    return {**notice, "source_ref": item.ref, "applied_at": committed_at.isoformat()}


async def _notices_publish(
    nc: Client,
    subject: str,
    items: Sequence[RawItem],
    results: Sequence[EventResult],
    committed_at: datetime,
) -> None:
    try:
        for item, result in zip(items, results, strict=True):
            notice = notice_build(item, result, committed_at)
            await nc.publish(subject, json.dumps(notice).encode())
        await nc.flush(timeout=int(CONFIRM_TIMEOUT_SECONDS))
    except (nats.errors.Error, TimeoutError) as exc:
        # The events are applied and acknowledged; only the announcement is missing.
        logger.warning("notices of %d events not published on %s: %s", len(items), subject, exc)
