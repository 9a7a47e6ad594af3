"""Tiny builders of feed events and record views for the departures tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from immigrationos.departures.schema import Event, EventRejection, events_parse
from immigrationos.status.records import RecordView, record_from_row

# The clock of every test: 2026-03-02 08:00 UTC, so events of 1 March are in the past.
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# A change to DROP removes the field from the event object.
DROP: Any = object()

_DEPARTURE: dict[str, Any] = {
    "event_id": "dep-1",
    "kind": "departure",
    "evidence_kind": "boarding_confirmation",
    "timestamp": "2026-03-01T22:15:00",
    "port": "JFK",
    "mode": "air",
    "carrier": "UA",
    "given_name": "Ana",
    "family_name": "Reyes",
    "dob": "1990-04-12",
    "passport_no": "G12345678",
    "passport_country": "MEX",
}
_ARRIVAL: dict[str, Any] = {
    "event_id": "arr-1",
    "kind": "arrival",
    "evidence_kind": "admission",
    "timestamp": "2026-03-01T16:05:00-05:00",
    "port": "JFK",
    "mode": "air",
    "given_name": "Tomasz",
    "family_name": "Nowak",
    "dob": "1985-11-30",
    "passport_no": "EA1234567",
    "passport_country": "POL",
    "class_of_admission": "B2",
    "admit_until": "2026-08-31",
}


def departure_item(**changes: Any) -> dict[str, Any]:
    """Return a valid departure event object with ``changes`` applied."""
    return _changed(_DEPARTURE, changes)


def arrival_item(**changes: Any) -> dict[str, Any]:
    """Return a valid arrival event object with ``changes`` applied."""
    return _changed(_ARRIVAL, changes)


def parse_one(item: Any) -> Event | EventRejection:
    """Parse one item at the test clock and return its event or its rejection."""
    accepted, rejected = events_parse([item], now=NOW)
    assert len(accepted) + len(rejected) == 1
    return accepted[0] if accepted else rejected[0]


def accepted(item: Any) -> Event:
    outcome = parse_one(item)
    assert isinstance(outcome, Event), outcome.message
    return outcome


def rejected(item: Any) -> EventRejection:
    outcome = parse_one(item)
    assert isinstance(outcome, EventRejection), f"accepted: {outcome}"
    return outcome


def error_fields(item: Any) -> list[str]:
    return [error.field for error in rejected(item).errors]


def view(source: str, record_id: str, **attrs: Any) -> RecordView:
    return record_from_row(
        {"record_uid": f"{source}:{record_id}", "source": source, "record_id": record_id,
         "attrs": attrs}
    )  # fmt: skip


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    item = copy.deepcopy(base)
    for name, value in changes.items():
        if value is DROP:
            item.pop(name, None)
        else:
            item[name] = value
    return item
