"""The JSON schema of one departure or arrival event, and its parsing into ``Event`` values.

Producers (carriers, biometric exit, land ports, the self-reporting app and I-94 admissions)
send each event as a JSON object: one per NDJSON line or stream message, or many in a JSON
array. ``EventIn`` is that object's schema, published in the OpenAPI document.
``events_parse`` and ``event_parse_json`` validate each event on its own and return
``Event`` values, or ``EventRejection`` values that name every invalid field in words an
integrator can act on.

A calendar date of an event is the local date at its port, never a UTC-shifted date: a
23:30 departure from Honolulu on 20 August is dated 20 August.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator

from immigrationos.departures import event_fields as f
from immigrationos.departures import event_rules
from immigrationos.departures.errors import EventInvalid
from immigrationos.departures.event_fields import CLOCK_SKEW_ALLOWED, LocationIn
from immigrationos.departures.event_messages import FieldError, field_errors_from, json_type
from immigrationos.sources.contracts import IDENTITY_COLUMNS

EventKind = Literal["departure", "arrival"]
DuplicateCheck = Literal["new", "duplicate", "conflict"]

# The field left out of ``payload_hash``: a resent event carries a new send time but is the
# same event.
_UNHASHED_FIELDS: Final = frozenset({"sent_at"})

__all__ = [
    "CLOCK_SKEW_ALLOWED",
    "Event",
    "EventIn",
    "EventRejection",
    "FieldError",
    "Location",
    "LocationIn",
    "event_duplicate_check",
    "event_parse_json",
    "event_record_row",
    "events_parse",
]

# The record id prefix of an event's source record.
EVENT_RECORD_PREFIX = "event:"


class EventIn(BaseModel):
    """One departure or arrival event as a producer sends it."""

    model_config = ConfigDict(
        extra="forbid",
        title="DepartureArrivalEvent",
        json_schema_extra={
            "description": (
                "One departure or arrival event. Every event needs given_name or family_name, "
                "and passport_no, a_number, or dob together with a name. Unknown fields are "
                "rejected."
            ),
            "examples": [f.DEPARTURE_EXAMPLE, f.ARRIVAL_EXAMPLE],
        },
    )

    event_id: f.EventId
    kind: f.Kind
    evidence_kind: f.EvidenceKind
    timestamp: f.Timestamp
    port: f.Port
    port_tz: f.PortTz = None
    mode: f.Mode
    carrier: f.Carrier = None
    given_name: f.GivenName = None
    family_name: f.FamilyName = None
    dob: f.Dob = None
    sex: f.Sex = None
    nationality: f.Nationality = None
    passport_no: f.PassportNo = None
    passport_country: f.PassportCountry = None
    a_number: f.ANumber = None
    class_of_admission: f.ClassOfAdmission = None
    admit_until: f.AdmitUntil = None
    location: f.OptionalLocation = None
    face_match: f.FaceMatch = None
    sent_at: f.SentAt = None

    @model_validator(mode="after")
    def _rules_check(self, info: ValidationInfo) -> Self:
        """Apply the rules that span several fields once every field is valid on its own."""
        now = _now_from(info.context)
        errors = event_rules.presence_errors(self.model_dump(), skip=frozenset())
        errors += event_rules.time_errors(self, now=now)
        if errors:
            raise event_rules.validation_error(errors)
        return self


@dataclass(frozen=True, slots=True)
class Location:
    """A point on the Earth in decimal degrees (WGS 84)."""

    latitude: float
    longitude: float

    def text(self) -> str:
        """Return the point as "latitude,longitude" with five decimals (about 1 m)."""
        return f"{self.latitude:.5f},{self.longitude:.5f}"


@dataclass(frozen=True, slots=True)
class Event:
    """A validated, normalised event, as services consume it.

    ``timestamp`` is the instant in UTC, ``local_timestamp`` the same instant at the port (in
    ``port_tz``, or in the UTC offset the producer sent when the port's zone is unknown) and
    ``local_date`` its calendar date. Codes are upper-case and names stripped.
    ``admit_until`` is None both when no date was sent and for duration of status, which
    ``duration_of_status`` marks. ``payload`` is the JSON object as received, for storing,
    and ``payload_hash`` the SHA-256 of its canonical JSON without ``sent_at`` (see
    ``payload_hash_of``). Equality ignores ``payload``, because ``payload_hash`` covers it.
    """

    event_id: str
    kind: EventKind
    evidence_kind: str
    timestamp: datetime
    local_timestamp: datetime
    local_date: date
    port: str
    port_tz: str | None
    mode: str
    carrier: str | None
    given_name: str | None
    family_name: str | None
    dob: date | None
    sex: str | None
    nationality: str | None
    passport_no: str | None
    passport_country: str | None
    a_number: str | None
    class_of_admission: str | None
    admit_until: date | None
    duration_of_status: bool
    location: Location | None
    face_match: bool | None
    sent_at: datetime | None
    payload_hash: str
    payload: dict[str, Any] = field(compare=False, repr=False)

    @property
    def source(self) -> str:
        """Return the staging source of the event: ``departures`` or ``arrivals``."""
        return "departures" if self.kind == "departure" else "arrivals"

    @property
    def record_id(self) -> str:
        """Return the record id of the event's source record: ``event:<event_id>``.

        Extract rows use their own ids in the same source, so the ``event:`` prefix keeps an
        event from ever taking the place of an extract row that shares its id.
        """
        return f"{EVENT_RECORD_PREFIX}{self.event_id}"

    @property
    def record_uid(self) -> str:
        return f"{self.source}:{self.record_id}"


@dataclass(frozen=True, slots=True)
class EventRejection:
    """An event that was not accepted, with every reason.

    ``index`` is the event's 0-based position in its batch (0 for a single message), which
    the message calls "event <index>".
    ``source`` names where it came from when known, for example "departures.ndjson line 12"
    or "stream DEPARTURES sequence 4411".
    """

    index: int
    event_id: str | None
    errors: tuple[FieldError, ...]
    source: str | None = None

    @property
    def message(self) -> str:
        """Return one sentence naming the event, its id and every invalid field."""
        where = self.source or f"event {self.index}"
        which = "" if self.event_id is None else f" (event_id {self.event_id!r})"
        reasons = "; ".join(error.message for error in self.errors)
        return f"{where}{which} was rejected: {reasons}"


def events_parse(
    items: Sequence[Any], *, now: datetime | None = None
) -> tuple[list[Event], list[EventRejection]]:
    """Validate each item of a batch on its own and return the accepted and rejected events.

    One invalid event never rejects its neighbours, and an item that is not a JSON object is
    rejected too, so ``len(accepted) + len(rejected) == len(items)``. When two items share an
    ``event_id``, the later one is rejected if its content differs (``payload_hash``). An
    exact repeat is accepted again, so services must store events idempotently by
    ``event_id`` and ``payload_hash`` (see ``event_duplicate_check``).
    ``now`` is the clock for the check on future timestamps; it defaults to the current time.
    Raises TypeError when ``items`` is a string, bytes or a mapping instead of a sequence.
    """
    if isinstance(items, str | bytes | bytearray | Mapping):
        raise TypeError(
            f"items must be a sequence of parsed JSON values, got {type(items).__name__}; "
            "parse the request body first"
        )
    clock = _clock_check(now)
    accepted: list[Event] = []
    rejected: list[EventRejection] = []
    first_seen: dict[str, tuple[int, str]] = {}

    for index, item in enumerate(items):
        outcome = _event_parse(item, index=index, now=clock, source=None)
        if isinstance(outcome, EventRejection):
            rejected.append(outcome)
            continue
        seen = first_seen.setdefault(outcome.event_id, (index, outcome.payload_hash))
        if seen[1] != outcome.payload_hash:
            rejected.append(_conflict_rejection(outcome, index=index, first_index=seen[0]))
            continue
        accepted.append(outcome)
    return accepted, rejected


def event_parse_json(text: str | bytes, *, source_name: str, now: datetime | None = None) -> Event:
    """Parse and validate one event from JSON text: an NDJSON line or a stream message body.

    ``source_name`` names where the text came from, for example "departures.ndjson line 12"
    or "stream DEPARTURES sequence 4411", and opens every error message.
    Raises EventInvalid, whose ``rejection`` lists every problem, when the text is not UTF-8,
    not JSON, not one JSON object or not a valid event.
    """
    clock = _clock_check(now)
    try:
        item = _json_loads(text)
    except ValueError as exc:
        error = FieldError("", f"the message is not a JSON object ({exc}); {_JSON_HINT}")
        raise EventInvalid(EventRejection(0, None, (error,), source_name)) from exc
    outcome = _event_parse(item, index=0, now=clock, source=source_name)
    if isinstance(outcome, EventRejection):
        raise EventInvalid(outcome)
    return outcome


def event_duplicate_check(*, stored_payload_hash: str | None, event: Event) -> DuplicateCheck:
    """Classify an event against the one already stored under its ``event_id``.

    Returns "new" when nothing is stored, "duplicate" when the stored event has the same
    ``payload_hash`` (a resend, safe to skip) and "conflict" when it differs (reject it: an
    event id names one event only).
    """
    if stored_payload_hash is None:
        return "new"
    return "duplicate" if stored_payload_hash == event.payload_hash else "conflict"


def event_record_row(event: Event) -> dict[str, Any]:
    """Return the staged ``records`` row of an event, which ``record_from_row`` reads.

    The source is "departures" or "arrivals" and ``record_uid`` is
    "<source>:event:<event_id>".
    The identity columns and ``event_date`` have the staging table's types, so ``dob`` and
    ``event_date`` (the local date at the port) are dates. ``attrs`` contains JSON values,
    as ingest stores them: ISO dates, the timestamp at the port with its offset and the
    local date as ``<event>_date``.
    """
    stamp_name = "departure" if event.kind == "departure" else "admission"
    attrs: dict[str, Any] = {
        "event_id": event.event_id,
        f"{stamp_name}_ts": event.local_timestamp.isoformat(),
        f"{stamp_name}_date": event.local_date.isoformat(),
        "event_local_date": event.local_date.isoformat(),
        "port": event.port,
        "port_tz": event.port_tz,
        "mode": event.mode,
        "carrier": event.carrier,
        "evidence_kind": event.evidence_kind,
        "face_match": event.face_match,
        "sent_at": None if event.sent_at is None else event.sent_at.isoformat(),
        "payload_hash": event.payload_hash,
    }
    if event.kind == "departure":
        location = event.location
        attrs["reported_location"] = None if location is None else location.text()
        attrs["latitude"] = None if location is None else location.latitude
        attrs["longitude"] = None if location is None else location.longitude
    else:
        attrs["class_of_admission"] = event.class_of_admission
        attrs["admit_until"] = _admit_until_text(event)
    identity = {name: getattr(event, name, None) for name in IDENTITY_COLUMNS}
    return {
        "record_uid": event.record_uid,
        "source": event.source,
        "record_id": event.record_id,
        **identity,
        "dob_quality": "missing" if event.dob is None else "valid",
        "event_date": event.local_date,
        "attrs": attrs,
    }


def payload_hash_of(item: Mapping[str, Any]) -> str:
    """Return the SHA-256 (hex) of an event's canonical JSON, leaving out ``sent_at``.

    Canonical here means sorted keys, no whitespace and UTF-8, so key order and spacing do not
    change the hash, but any change of a value does ("Ana" and "ANA" differ).
    """
    hashed = {key: value for key, value in item.items() if key not in _UNHASHED_FIELDS}
    text = json.dumps(
        hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_JSON_HINT = "send each event as one JSON object, one per line or message"


def _event_parse(
    item: Any, *, index: int, now: datetime, source: str | None
) -> Event | EventRejection:
    if not isinstance(item, Mapping):
        error = FieldError("", f"the event is {json_type(item)}, not a JSON object; {_JSON_HINT}")
        return EventRejection(index, None, (error,), source)
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, TypeError, ValueError) as exc:
        error = FieldError(
            "",
            f"the event cannot be stored as UTF-8 JSON ({type(exc).__name__}); remove unpaired "
            "surrogates and nesting deeper than the schema's",
        )
        return EventRejection(index, _safe_event_id(item), (error,), source)
    try:
        event_in = EventIn.model_validate(item, context={"now": now})
    except ValidationError as exc:
        errors, rules_ran = field_errors_from(exc)
        if not rules_ran:
            # Field errors stop pydantic before the rules across fields, so run the rules
            # that need no valid value on the raw object, to report every problem at once.
            failed = frozenset(error.field.split(".")[0] for error in errors)
            errors += event_rules.presence_errors(item, skip=failed)
        return EventRejection(index, _event_id_of(item), tuple(errors), source)
    return _event_build(event_in, payload=copy.deepcopy(dict(item)))


def _safe_event_id(item: Mapping[str, Any]) -> str | None:
    value = item.get("event_id")
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8")[:100]


def _event_build(event_in: EventIn, *, payload: dict[str, Any]) -> Event:
    """Turn a valid ``EventIn`` into an ``Event``, resolving the port's zone and local date."""
    placed = event_rules.timestamp_place(event_in)
    admit_until = event_in.admit_until
    location = event_in.location
    sent_at = event_in.sent_at
    return Event(
        event_id=event_in.event_id,
        kind=event_in.kind,
        evidence_kind=event_in.evidence_kind,
        timestamp=placed.instant,
        local_timestamp=placed.local,
        local_date=placed.local.date(),
        port=event_in.port,
        port_tz=placed.zone,
        mode=event_in.mode,
        carrier=event_in.carrier,
        given_name=event_in.given_name,
        family_name=event_in.family_name,
        dob=event_in.dob,
        sex=event_in.sex,
        nationality=event_in.nationality,
        passport_no=event_in.passport_no,
        passport_country=event_in.passport_country,
        a_number=event_in.a_number,
        class_of_admission=event_in.class_of_admission,
        admit_until=None if admit_until in (None, f.DURATION_OF_STATUS) else _iso_date(admit_until),
        duration_of_status=admit_until == f.DURATION_OF_STATUS,
        location=None if location is None else Location(location.latitude, location.longitude),
        face_match=event_in.face_match,
        sent_at=None if sent_at is None else datetime.fromisoformat(sent_at).astimezone(UTC),
        payload_hash=payload_hash_of(payload),
        payload=payload,
    )


def _conflict_rejection(event: Event, *, index: int, first_index: int) -> EventRejection:
    error = FieldError(
        "event_id",
        f"event_id {event.event_id!r} is also used by event {first_index} of this batch with "
        "different content; give each event its own event_id, and resend an event only "
        "unchanged",
    )
    return EventRejection(index, event.event_id, (error,))


def _admit_until_text(event: Event) -> str | None:
    if event.duration_of_status:
        return f.DURATION_OF_STATUS
    return None if event.admit_until is None else event.admit_until.isoformat()


def _iso_date(text: str | None) -> date:
    assert text is not None
    return date.fromisoformat(text)


def _event_id_of(item: Mapping[Any, Any]) -> str | None:
    """Return the item's event_id when it is a valid one, for naming a rejected event."""
    value = item.get("event_id")
    if isinstance(value, str) and f.EVENT_ID_RE.fullmatch(value):
        return value
    return None


def _json_loads(text: str | bytes) -> Any:
    """Parse JSON text, refusing NaN and Infinity, which are not JSON."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"it is not UTF-8 text: byte {exc.start + 1} is invalid") from exc
    try:
        return json.loads(text, parse_constant=_constant_reject)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise ValueError("invalid JSON: arrays or objects are nested too deeply") from exc


def _constant_reject(name: str) -> Any:
    raise ValueError(f"invalid JSON: {name} is not a JSON number")


def _clock_check(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"now must be an aware datetime, got the naive {now.isoformat()!r}")
    return now


def _now_from(context: Any) -> datetime:
    if isinstance(context, Mapping) and isinstance(context.get("now"), datetime):
        return _clock_check(context["now"])
    return datetime.now(UTC)
