"""Build applied and rejected events directly in the database, for the departure screens."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

_NUMBERS = itertools.count(1)


def event_make(
    *,
    occurred_at: datetime | None = None,
    kind: str = "departure",
    port: str = "JFK",
    port_tz: str = "America/New_York",
    mode: str = "air",
    evidence_kind: str = "boarding_confirmation",
    outcome: str = "matched",
    person_id: str = "PN",
    case_id: int | None = None,
    given_name: str = "Nora",
    family_name: str = "Testperson",
    save: bool = True,
    **fields: Any,
) -> Any:
    """Return an IncomingEvent (saved unless ``save`` is False); ``fields`` override the rest.

    The payload carries only names, so no test depends on dates of birth or documents.
    """
    from immigrationos.events.models import IncomingEvent

    number = next(_NUMBERS)
    occurred_at = occurred_at or datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    zone = ZoneInfo(port_tz) if port_tz else UTC
    values: dict[str, Any] = {
        "event_id": f"EV-{number:05d}",
        "kind": kind,
        "occurred_at": occurred_at,
        "local_date": occurred_at.astimezone(zone).date(),
        "port": port,
        "port_tz": port_tz,
        "mode": mode,
        "carrier": "AA100" if mode == "air" else "",
        "evidence_kind": evidence_kind,
        "payload": {"event_id": f"EV-{number:05d}", "given_name": given_name,
                    "family_name": family_name},
        "payload_hash": f"hash-{number}",
        "channel": "api",
        "received_at": occurred_at,
        "applied_at": occurred_at,
        "outcome": outcome,
        "record_uid": f"departures:event:EV-{number:05d}",
        "person_id": person_id,
        "probability": 0.998 if outcome == "matched" else 0.42,
        "verification": "verified" if kind == "departure" else "",
        "case_id": case_id,
    }  # fmt: skip
    values.update(fields)
    event = IncomingEvent(**values)
    if save:
        event.save()
    return event


def rejected_make(*, received_at: datetime, event_id: str, errors: list[dict[str, str]]) -> Any:
    """Return a saved RejectedEvent with ``errors`` and a payload that must never be shown."""
    from immigrationos.events.models import RejectedEvent

    return RejectedEvent.objects.create(
        channel="stream",
        source_ref=f"stream:seq-{next(_NUMBERS)}",
        event_id=event_id,
        received_at=received_at,
        errors=errors,
        payload='{"dob": "1981-03-14", "passport_no": "SECRETPASS1"}',
    )
