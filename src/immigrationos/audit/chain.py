"""The hash chain over audit events: append, verify, anchor and purge.

An event's hash is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the
fields in ``HASHED_FIELDS`` plus ``prev_hash``. Changing, deleting, inserting or reordering
an event therefore breaks either its own hash or the next event's ``prev_hash``.

NOTE: anyone who can write the table can also recompute every later hash. Such a rewrite is
caught only by comparing with a chain head kept outside the database, which is what
``chain_anchor`` writes and ``chain_verify(anchor=...)`` checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from immigrationos.audit.errors import AuditAnchorError, AuditPurgeError
from immigrationos.audit.models import AuditCheckpoint, AuditEvent

GENESIS_HASH = "0" * 64
PURGE_ACTION = "audit_purge"

# Any 64-bit constant works, as long as nothing else takes the same advisory lock.
_PG_CHAIN_LOCK = 0x1A0D17C4A1

_ADDRESS_FIELD = AuditEvent._meta.get_field("client_address")

HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "role",
    "office",
    "action",
    "object_type",
    "object_ids",
    "outcome",
    "request_id",
    "client_address",
    "purpose",
    "break_glass_id",
    "details",
)


def _timestamp(value: datetime) -> str:
    # Microseconds: both SQLite and PostgreSQL store them, so the text is stable on re-read.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_stable(value: Any) -> Any:
    """Return ``value`` with integral floats as ints, so the hash survives a database read.

    PostgreSQL's jsonb prints 1e20 as 100000000000000000000, which reads back as an int.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _json_stable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_stable(item) for item in value]
    return value


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """Return the SHA-256 hex digest of ``fields`` (the ``HASHED_FIELDS``) and ``prev_hash``."""
    body = {name: _json_stable(fields[name]) for name in HASHED_FIELDS}
    body["at"] = _timestamp(fields["at"])
    body["prev_hash"] = prev_hash
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _stored_fields(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def _chain_lock() -> None:
    """Serialise appends so two writers never take the same ``seq`` and fork the chain.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the settings open every
    transaction with BEGIN IMMEDIATE, which already holds the database's single write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])


def _head() -> tuple[int, str]:
    """Return the seq and hash the next event must follow."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if last is not None:
        return last
    checkpoint = AuditCheckpoint.objects.order_by("-through_seq").first()
    if checkpoint is not None:
        return checkpoint.through_seq, checkpoint.last_hash
    return 0, GENESIS_HASH


def chain_append(fields: Mapping[str, Any]) -> AuditEvent:
    """Append one event with ``fields`` (every hashed field except ``seq``) and return it."""
    with transaction.atomic():
        _chain_lock()
        head_seq, head_hash = _head()
        values = {**fields, "seq": head_seq + 1}
        # Store and hash the address in the form the column gives back on reading.
        values["client_address"] = _ADDRESS_FIELD.get_prep_value(values["client_address"])
        return AuditEvent.objects.create(
            **values, prev_hash=head_hash, hash=event_hash(values, head_hash)
        )


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain. ``broken_seq`` and ``reason`` are set when not ok."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_seq: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


@dataclass
class _Walk:
    prev_seq: int
    prev_hash: str
    first_seq: int
    checked: int = 0


def _broken(walk: _Walk, event: AuditEvent | None, reason: str) -> ChainReport:
    return ChainReport(
        ok=False,
        checked=walk.checked,
        head_seq=walk.prev_seq,
        head_hash=walk.prev_hash,
        first_seq=walk.first_seq,
        broken_seq=event.seq if event is not None else walk.prev_seq + 1,
        broken_id=event.pk if event is not None else None,
        reason=reason,
    )


def _check_event(walk: _Walk, event: AuditEvent) -> str:
    """Return why ``event`` does not follow the walk so far, or an empty string."""
    expected_seq = walk.prev_seq + 1
    if event.seq != expected_seq:
        if event.seq > expected_seq:
            return f"events #{expected_seq} to #{event.seq - 1} are missing (deleted)"
        return f"seq {event.seq} follows #{walk.prev_seq} (duplicated or reordered)"
    if event.prev_hash != walk.prev_hash:
        return (
            f"prev_hash {event.prev_hash!r} does not match the hash of event "
            f"#{walk.prev_seq} {walk.prev_hash!r} (an event was deleted, inserted or reordered)"
        )
    recomputed = event_hash(_stored_fields(event), event.prev_hash)
    if event.hash != recomputed:
        return (
            f"stored hash {event.hash!r} does not match the recomputed {recomputed!r} "
            "(the event was edited)"
        )
    return ""


def _purge_corroborated(
    checkpoint: AuditCheckpoint | None, purge_events: list[dict[str, Any]]
) -> bool:
    if checkpoint is None:
        return True
    return any(
        details.get("through_seq") == checkpoint.through_seq
        and details.get("last_hash") == checkpoint.last_hash
        for details in purge_events
    )


def chain_verify(*, anchor: Mapping[str, Any] | None = None) -> ChainReport:
    """Walk every event in seq order and report the first one that breaks the chain.

    The walk starts after the latest checkpoint, which must be confirmed by an
    ``audit_purge`` event in the chain that names the same seq and hash. With ``anchor``
    (as written by ``chain_anchor``) the event at the anchor's seq must still exist with the
    anchor's hash, which detects a deleted or rewritten tail.
    """
    checkpoint = AuditCheckpoint.objects.order_by("-through_seq").first()
    start_seq, start_hash = (
        (checkpoint.through_seq, checkpoint.last_hash) if checkpoint else (0, GENESIS_HASH)
    )
    walk = _Walk(prev_seq=start_seq, prev_hash=start_hash, first_seq=start_seq + 1)
    purge_events: list[dict[str, Any]] = []
    anchored: AuditEvent | None = None
    anchor_seq = int(anchor["seq"]) if anchor is not None else None

    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        reason = _check_event(walk, event)
        if reason:
            return _broken(walk, event, reason)
        if event.action == PURGE_ACTION:
            purge_events.append(dict(event.details))
        if event.seq == anchor_seq:
            anchored = event
        walk.prev_seq, walk.prev_hash = event.seq, event.hash
        walk.checked += 1

    if not _purge_corroborated(checkpoint, purge_events):
        assert checkpoint is not None
        return _broken(
            walk,
            None,
            f"checkpoint through #{checkpoint.through_seq} has no matching {PURGE_ACTION} "
            "event in the chain (the checkpoint was forged or the purge event removed)",
        )
    if anchor is not None:
        reason = _anchor_mismatch(anchor, anchored, start_seq, walk.prev_seq)
        if reason:
            return _broken(walk, anchored, reason)
    return ChainReport(
        ok=True,
        checked=walk.checked,
        head_seq=walk.prev_seq,
        head_hash=walk.prev_hash,
        first_seq=walk.first_seq,
    )


def _anchor_mismatch(
    anchor: Mapping[str, Any], anchored: AuditEvent | None, purged_through: int, head_seq: int
) -> str:
    seq = int(anchor["seq"])
    if seq <= purged_through:
        # The anchored event was purged by retention; the checkpoint vouches for the prefix.
        return ""
    if anchored is None:
        return (
            f"anchored event #{seq} is missing: the chain ends at #{head_seq}, so events "
            f"#{head_seq + 1} to #{seq} were deleted (truncated)"
        )
    if anchored.hash != anchor["hash"]:
        return (
            f"anchored event #{seq} has hash {anchored.hash!r}, the anchor recorded "
            f"{anchor['hash']!r}: the chain was rewritten"
        )
    return ""


def chain_anchor() -> dict[str, Any]:
    """Return the chain head as ``{"seq", "hash", "at"}`` for keeping outside the database."""
    head_seq, head_hash = _head()
    return {"seq": head_seq, "hash": head_hash, "at": _timestamp(timezone.now())}


def anchor_parse(text: str, *, source: str) -> dict[str, Any]:
    """Parse an anchor file's JSON text; raise AuditAnchorError naming ``source`` if invalid."""
    try:
        anchor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuditAnchorError(
            f"invalid anchor file {source!r}: {exc}. Write one with `immigrationos audit anchor`."
        ) from exc
    valid = (
        isinstance(anchor, dict)
        and isinstance(anchor.get("seq"), int)
        and isinstance(anchor.get("hash"), str)
        and len(anchor["hash"]) == 64
    )
    if not valid:
        raise AuditAnchorError(
            f"invalid anchor file {source!r}: expected a JSON object with an integer 'seq' and "
            "a 64-character 'hash'. Write one with `immigrationos audit anchor`."
        )
    return dict(anchor)


def chain_purge_through(*, seq: int, purge_fields: Mapping[str, Any]) -> AuditCheckpoint:
    """Delete events up to ``seq``, leaving a checkpoint so the rest still verifies.

    In one transaction: write the checkpoint (the delete triggers allow deleting only events
    at or below the latest checkpoint), append the purge event built from ``purge_fields``
    with ``through_seq`` and ``last_hash`` added to its details, then delete. The purge
    event is what ``chain_verify`` uses to tell a real checkpoint from a forged one.
    """
    with transaction.atomic():
        _chain_lock()
        head_seq, _ = _head()
        last = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if last is None:
            raise AuditPurgeError(
                f"audit event #{seq} not found, so events cannot be purged through it. The "
                f"chain contains events up to #{head_seq}; run `immigrationos audit verify` "
                "to see its range."
            )
        checkpoint = AuditCheckpoint.objects.create(
            through_seq=seq,
            last_hash=last,
            purged_count=AuditEvent.objects.filter(seq__lte=seq).count(),
            created_at=timezone.now(),
        )
        details = {
            **dict(purge_fields.get("details", {})),
            "through_seq": seq,
            "last_hash": last,
            "purged_count": checkpoint.purged_count,
        }
        chain_append({**purge_fields, "action": PURGE_ACTION, "details": details})
        AuditEvent.objects.filter(seq__lte=seq).delete()
    return checkpoint
