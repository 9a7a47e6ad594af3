"""The event intake operations of the API: POST a batch of events, GET one event's result."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from immigrationos.api.auth import PartnerTokenAuth
from immigrationos.api.schemas import ErrorOut
from immigrationos.departures.schema import EventIn
from immigrationos.events.errors import EventsError
from immigrationos.events.models import Channel, IncomingEvent
from immigrationos.events.services import events_receive

# Source systems send events with an API token only: a browser session never does, so a
# missing or unknown token gets 401 instead of a CSRF failure.
router = Router(tags=["events"], auth=[PartnerTokenAuth()])


# A source system learns whether its event was applied and matched, never which person or
# case it touched: that would tell a carrier who is under investigation.
class EventResultOut(Schema):
    index: int
    event_id: str | None
    result: str
    outcome: str | None
    verification: str | None
    flags: list[str]
    errors: list[dict[str, str]]
    message: str


class UnauthorizedOut(Schema):
    detail: str


class EventBatchOut(Schema):
    received: int
    applied: int
    duplicates: int
    rejected: int
    results: list[EventResultOut]


class EventStateOut(Schema):
    event_id: str
    kind: str
    occurred_at: str
    local_date: str
    port: str
    outcome: str
    verification: str | None
    flags: list[str]
    received_at: str
    applied_at: str


def _batch_schema() -> dict[str, Any]:
    schema = EventIn.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "type": "object",
        "required": ["events"],
        "additionalProperties": False,
        "properties": {
            "events": {
                "type": "array",
                "minItems": 1,
                "maxItems": settings.IMMIGRATIONOS_EVENTS_MAX_BATCH,
                "items": {k: v for k, v in schema.items() if k != "$defs"},
                "description": "Departure and arrival events. Each is validated on its own.",
            }
        },
    }


def _body_events(request: HttpRequest) -> list[Any] | str:
    """Return the body's events, or the reason the body is not a batch."""
    try:
        body = json.loads(request.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return f'the body is not JSON ({exc}); send {{"events": [...]}}'
    if (
        not isinstance(body, dict)
        or set(body) != {"events"}
        or not isinstance(body["events"], list)
    ):
        return 'the body must be an object with one key, "events", holding a list of events'
    events: list[Any] = body["events"]
    if not events:
        return '"events" is empty; send at least one event'
    limit = settings.IMMIGRATIONOS_EVENTS_MAX_BATCH
    if len(events) > limit:
        return f'"events" holds {len(events)} events; send at most {limit} per request'
    return events


def _source_view(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("person_id", "case_id")}


@router.post(
    "/events",
    url_name="events",
    response={200: EventBatchOut, 400: ErrorOut, 401: UnauthorizedOut, 503: ErrorOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _batch_schema()}},
        }
    },
)
def events_post(request: HttpRequest) -> Status[dict[str, object]]:
    """Receive a batch of departure and arrival events and apply each one.

    Each event is validated on its own: a bad event is rejected with the field and the
    reason, and the others are applied. An event id sent before returns ``duplicate`` with
    what the first delivery did, and changes nothing. The response lists one result per
    event, in the order sent.
    """
    events = _body_events(request)
    if isinstance(events, str):
        return Status(400, {"message": events, "details": {}})
    try:
        results = events_receive(
            items=events,
            channel=Channel.API,
            source_ref=f"api:{getattr(request, 'request_id', '')}",
            username=request.user.get_username(),
        )
    except EventsError as exc:
        return Status(503, {"message": str(exc), "details": {}})
    counts = {
        name: sum(r.result == name for r in results)
        for name in ("applied", "duplicate", "rejected")
    }
    return Status(
        200,
        {
            "received": len(events),
            "applied": counts["applied"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "results": [_source_view(r.as_dict()) for r in results],
        },
    )


class EventListOut(Schema):
    count: int
    events: list[EventStateOut]


@router.get(
    "/events", url_name="events", response={200: EventListOut, 400: ErrorOut, 401: UnauthorizedOut}
)
def events_list(
    request: HttpRequest,
    since: datetime | None = None,
    limit: int = Query(100, ge=1, le=500),  # type: ignore[type-arg]
) -> Status[dict[str, object]]:
    """Return what the caller's applied events did: the latest ``limit``, newest first, or
    with ``since`` the first ``limit`` received after it, oldest first.

    A source system pages forward through its deliveries by passing the ``received_at`` of
    the last event it saw as the next ``since``.
    """
    own = IncomingEvent.objects.filter(sender=request.user.get_username())
    found = own.order_by("-received_at", "-id")
    if since is not None:
        if since.tzinfo is None:
            message = "since needs a UTC offset, for example 2026-12-05T10:00:00Z"
            return Status(400, {"message": message, "details": {}})
        found = own.filter(received_at__gt=since).order_by("received_at", "id")
    events = [_event_state(event) for event in found[:limit]]
    return Status(200, {"count": len(events), "events": events})


def _event_state(found: IncomingEvent) -> dict[str, object]:
    return {
        "event_id": found.event_id,
        "kind": found.kind,
        "occurred_at": found.occurred_at.isoformat(),
        "local_date": found.local_date.isoformat(),
        "port": found.port,
        "outcome": found.outcome,
        "verification": found.verification or None,
        "flags": list(found.flags or []),
        "received_at": found.received_at.isoformat(),
        "applied_at": found.applied_at.isoformat(),
    }


@router.get(
    "/events/{event_id}",
    url_name="event_get",
    response={200: EventStateOut, 401: UnauthorizedOut, 404: ErrorOut},
)
def event_get(request: HttpRequest, event_id: str) -> Status[dict[str, object]]:
    """Return what one of the caller's applied events did: its match outcome and verification."""
    found = IncomingEvent.objects.filter(
        event_id=event_id, sender=request.user.get_username()
    ).first()
    if found is None:
        return Status(404, {"message": f"no applied event with id {event_id!r}", "details": {}})
    return Status(200, _event_state(found))
