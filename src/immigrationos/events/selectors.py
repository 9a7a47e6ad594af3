"""Read applied and rejected events for the departure screens, within a user's office scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Q, QuerySet

from immigrationos.cases.models import Case
from immigrationos.events.models import IncomingEvent, Outcome, RejectedEvent

DEPARTURE = "departure"
ARRIVAL = "arrival"
EVENT_KINDS = (DEPARTURE, ARRIVAL)


@dataclass(frozen=True)
class EventFilters:
    """Filters of the departures page; an empty value or None leaves that column open.

    ``date_from`` and ``date_to`` bound the calendar date at the port, both inclusive.
    """

    kind: str = ""
    port: str = ""
    mode: str = ""
    evidence_kind: str = ""
    outcome: str = ""
    verification: str = ""
    date_from: date | None = None
    date_to: date | None = None


def event_list(*, filters: EventFilters) -> QuerySet[IncomingEvent]:
    """Return the applied events that pass ``filters``, newest first."""
    events = IncomingEvent.objects.all()
    exact = {
        "kind": filters.kind,
        "mode": filters.mode,
        "evidence_kind": filters.evidence_kind,
        "outcome": filters.outcome,
        "verification": filters.verification,
    }
    events = events.filter(**{column: value for column, value in exact.items() if value})
    if filters.port:
        events = events.filter(port__iexact=filters.port)
    if filters.date_from is not None:
        events = events.filter(local_date__gte=filters.date_from)
    if filters.date_to is not None:
        events = events.filter(local_date__lte=filters.date_to)
    return events.order_by("-occurred_at", "-id")


def event_queryset_scope(
    *, events: QuerySet[IncomingEvent], office_codes: frozenset[str] | None
) -> QuerySet[IncomingEvent]:
    """Return ``events`` limited to what a user of ``office_codes`` may see.

    None means the user is not office-scoped. For a scoped user, an event whose case is in
    another office is left out. An event with no case is kept when its person is in scope
    as the person page decides it: the person has no case, or has one in the user's offices.
    """
    if office_codes is None:
        return events
    offices = sorted(office_codes)
    own_cases = Case.objects.filter(office_id__in=offices)
    with_case = Q(case_id__in=own_cases.values("pk"))
    person_in_scope = ~Q(person_id__in=Case.objects.values("person_id")) | Q(
        person_id__in=own_cases.values("person_id")
    )
    return events.filter(with_case | (Q(case_id__isnull=True) & person_in_scope))


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def payload_name(payload: Any) -> str:
    """Return the given and family names an event carried, or "" when it carried none."""
    if not isinstance(payload, Mapping):
        return ""
    parts = (payload.get("given_name"), payload.get("family_name"))
    return " ".join(str(part).strip() for part in parts if part and str(part).strip())


@dataclass(frozen=True)
class EventRow:
    """One event as the tables show it: the time at the port and the name it carried.

    ``local_time`` is in the port's time zone, or in UTC when the event has no valid zone.
    """

    event: IncomingEvent
    local_time: datetime
    name: str

    @property
    def local_date_text(self) -> str:
        return self.local_time.strftime("%Y-%m-%d")

    @property
    def local_clock_text(self) -> str:
        return self.local_time.strftime("%H:%M")

    @property
    def local_text(self) -> str:
        return f"{self.local_date_text} {self.local_clock_text}"

    @property
    def zone_text(self) -> str:
        """The zone's abbreviation at that time, such as EST or EDT."""
        return self.local_time.tzname() or ""


def event_rows_build(events: Iterable[IncomingEvent]) -> list[EventRow]:
    """Return a row for each event, with its time converted to the port's time zone."""
    return [
        EventRow(
            event=event,
            local_time=event.occurred_at.astimezone(_zone(event.port_tz)),
            name=payload_name(event.payload),
        )
        for event in events
    ]


@dataclass(frozen=True)
class OutcomeCounts:
    """Departures in one time window, by how they matched."""

    key: str
    label: str
    total: int
    matched: int
    review: int
    unmatched: int


@dataclass(frozen=True)
class DeparturesLive:
    """The dashboard's live view of departures: counts per window and the latest ones."""

    windows: list[OutcomeCounts]
    latest: list[EventRow]


# The live panel's windows (key, label, length), counted back from now.
LIVE_WINDOWS = (
    ("last_hour", "Last hour", timedelta(hours=1)),
    ("last_24_hours", "Last 24 hours", timedelta(hours=24)),
)


def departures_live_get(
    *, events: QuerySet[IncomingEvent], now: datetime, latest: int
) -> DeparturesLive:
    """Count the departures among ``events`` in each live window and return the latest ones.

    Windows count by the time the person departed (``occurred_at``), not by when the event
    arrived, so a manifest received late counts in the window of its departure.
    """
    departures = events.filter(kind=DEPARTURE)
    aggregates: dict[str, Any] = {}
    for key, _label, span in LIVE_WINDOWS:
        since = Q(occurred_at__gte=now - span)
        aggregates[f"{key}_total"] = Count("id", filter=since)
        for outcome in Outcome.values:
            aggregates[f"{key}_{outcome}"] = Count("id", filter=since & Q(outcome=outcome))
    earliest = now - max(span for _key, _label, span in LIVE_WINDOWS)
    counted = departures.filter(occurred_at__gte=earliest).aggregate(**aggregates)
    windows = [
        OutcomeCounts(
            key=key,
            label=label,
            total=counted[f"{key}_total"],
            matched=counted[f"{key}_{Outcome.MATCHED.value}"],
            review=counted[f"{key}_{Outcome.REVIEW.value}"],
            unmatched=counted[f"{key}_{Outcome.UNMATCHED.value}"],
        )
        for key, label, _span in LIVE_WINDOWS
    ]
    newest = departures.order_by("-occurred_at", "-id")[:latest]
    return DeparturesLive(windows=windows, latest=event_rows_build(newest))


def rejected_list() -> QuerySet[RejectedEvent]:
    """Return the rejected events, the most recently received first."""
    return RejectedEvent.objects.order_by("-received_at", "-id")
