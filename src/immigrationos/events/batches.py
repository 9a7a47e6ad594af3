"""Apply raw events from the stream and from dropped files in batches, one transaction each.

The stream consumer and the file-drop watcher hand over raw message bodies and file lines.
Each becomes a ``RawItem``: a body that is not JSON is rejected here, naming its stream
sequence or file line, and everything else goes to ``events_receive``. A batch commits once.
When a batch raises, each item is applied again in its own transaction. An item that still
fails is kept as a ``RejectedEvent`` with reason "processing failed", so that one bad
message never blocks the others and is never lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from immigrationos.audit.services import audit_record
from immigrationos.events.errors import EventsError
from immigrationos.events.models import RejectedEvent
from immigrationos.events.services import APPLIED, DUPLICATE, REJECTED, EventResult, events_receive

logger = logging.getLogger(__name__)

# A rejected payload is stored up to this many characters, as events_receive stores it.
PAYLOAD_MAX_CHARS = 100_000


@dataclass(frozen=True)
class RawItem:
    """One raw event as a channel delivered it, with where it came from.

    ``ref`` is stored as the event's source reference (``stream:17``, ``file:NAME:3``);
    ``where`` names the same place in messages (``stream sequence 17``).
    """

    ref: str
    where: str
    text: str
    value: Any = None
    parse_error: str = ""

    @property
    def event_id(self) -> str:
        """Return the event id the item carries, or "" when it has none."""
        if isinstance(self.value, dict) and isinstance(self.value.get("event_id"), str):
            return str(self.value["event_id"])
        return ""


def raw_item_parse(data: str | bytes, *, ref: str, where: str) -> RawItem:
    """Decode one JSON event; an undecodable body becomes an item with a ``parse_error``."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RawItem(
                ref=ref,
                where=where,
                text=data.decode("utf-8", errors="replace"),
                parse_error=f"not UTF-8 text ({exc})",
            )
    else:
        text = data
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return RawItem(ref=ref, where=where, text=text, parse_error=f"not valid JSON ({exc})")
    return RawItem(ref=ref, where=where, text=text, value=value)


@dataclass
class ApplyCounts:
    """Running totals of what a consumer did with the items it was handed."""

    received: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0

    def add(self, results: Sequence[EventResult]) -> None:
        self.received += len(results)
        self.applied += sum(r.result == APPLIED for r in results)
        self.duplicates += sum(r.result == DUPLICATE for r in results)
        self.rejected += sum(r.result == REJECTED for r in results)
        self.failed += sum(r.result == REJECTED and r.message.startswith(_FAILED) for r in results)

    def render(self) -> str:
        return (
            f"{self.received:,} received: {self.applied:,} applied, "
            f"{self.duplicates:,} duplicates, {self.rejected:,} rejected "
            f"({self.failed:,} of them after processing failed)"
        )


_FAILED = "processing failed"


def items_apply(items: Sequence[RawItem], *, channel: str, username: str = "") -> list[EventResult]:
    """Apply ``items`` in one transaction and return one result per item, in order.

    When the batch raises, each item is applied again on its own (``item_apply``). Raises
    EventsError when the event path cannot run at all (no model loaded, for example), so
    that the caller stops without acknowledging anything.
    """
    received_at = timezone.now()
    try:
        with transaction.atomic():
            return _batch_apply(items, channel=channel, username=username, received_at=received_at)
    except EventsError:
        raise
    except Exception:
        logger.exception(
            "%s batch of %d items (%s to %s) failed; applying each item on its own",
            channel,
            len(items),
            items[0].ref if items else "",
            items[-1].ref if items else "",
        )
        _connections_reset()
    return [
        replace(item_apply(item, channel=channel, username=username), index=index)
        for index, item in enumerate(items)
    ]


def _batch_apply(
    items: Sequence[RawItem], *, channel: str, username: str, received_at: datetime
) -> list[EventResult]:
    results: list[EventResult | None] = [None] * len(items)
    unparsed = [index for index, item in enumerate(items) if item.parse_error]
    for index in unparsed:
        results[index] = _unparsed_reject(
            items[index], index=index, channel=channel, received_at=received_at
        )
    if unparsed:
        _rejections_audit(items, unparsed, channel=channel, username=username)

    parsed = [index for index, item in enumerate(items) if not item.parse_error]
    if parsed:
        applied = events_receive(
            items=[items[index].value for index in parsed],
            channel=channel,
            source_refs=[items[index].ref for index in parsed],
            username=username,
            received_at=received_at,
            one_transaction=True,
        )
        for index, result in zip(parsed, applied, strict=True):
            results[index] = _located(result, items[index], index=index)
    return [result for result in results if result is not None]


def item_apply(item: RawItem, *, channel: str, username: str = "") -> EventResult:
    """Apply one item in its own transaction; keep it as a rejection if processing fails.

    Raises EventsError when the event path cannot run, and re-raises the database error when
    even the rejection cannot be stored (the store is down): the item must then stay
    unacknowledged.
    """
    received_at = timezone.now()
    try:
        with transaction.atomic():
            [result] = _batch_apply(
                [item], channel=channel, username=username, received_at=received_at
            )
            return result
    except EventsError:
        raise
    except Exception as exc:
        logger.exception("%s: processing failed for event %r", item.where, item.event_id)
        _connections_reset()
        return _failure_record(item, exc, channel=channel, received_at=received_at)


def _located(result: EventResult, item: RawItem, *, index: int) -> EventResult:
    """Return ``result`` at ``index``, its rejection message naming the item's origin."""
    if result.result != REJECTED:
        return replace(result, index=index)
    return replace(result, index=index, message=f"{item.where}: {result.message}")


def _rejection_keep(
    item: RawItem, *, channel: str, errors: list[dict[str, str]], received_at: datetime
) -> None:
    """Store a rejection unless the same item from the same place was rejected before.

    A message redelivered after a crash, or a file processed again, then adds no second row.
    """
    # Unpaired surrogates cannot be stored; they are kept as escapes.
    payload = item.text[:PAYLOAD_MAX_CHARS].encode("utf-8", "backslashreplace").decode("utf-8")
    source_ref = item.ref[:300]
    if RejectedEvent.objects.filter(
        channel=channel, source_ref=source_ref, payload=payload
    ).exists():
        return
    RejectedEvent.objects.create(
        channel=channel,
        source_ref=source_ref,
        event_id=item.event_id[:200],
        received_at=received_at,
        errors=errors,
        payload=payload,
    )


def _unparsed_reject(
    item: RawItem, *, index: int, channel: str, received_at: datetime
) -> EventResult:
    error = {"field": "", "message": f"the event is {item.parse_error}"}
    _rejection_keep(item, channel=channel, errors=[error], received_at=received_at)
    return EventResult(
        index=index,
        event_id=None,
        result=REJECTED,
        errors=(error,),
        message=f"{item.where}: the event is {item.parse_error}; send one JSON object per event",
    )


def _rejections_audit(
    items: Sequence[RawItem], indexes: Sequence[int], *, channel: str, username: str
) -> None:
    audit_record(
        request=None,
        action="events_reject",
        object_type="event",
        object_ids=[],
        username=username or channel,
        details={"channel": channel, "rejected": len(indexes), "received": len(items)},
    )


def _failure_record(
    item: RawItem, exc: Exception, *, channel: str, received_at: datetime
) -> EventResult:
    reason = f"{_FAILED}: {type(exc).__name__}: {exc}"
    error = {"field": "", "message": reason[:1000]}
    with transaction.atomic():
        _rejection_keep(item, channel=channel, errors=[error], received_at=received_at)
    return EventResult(
        index=0,
        event_id=item.event_id or None,
        result=REJECTED,
        errors=(error,),
        message=f"{reason}; the event is kept as a rejected event ({item.where})",
    )


def _connections_reset() -> None:
    """Close connections that a failed batch left unusable, so the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
