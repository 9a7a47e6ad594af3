"""Rules of an event that span several fields, and the placing of its time at the port.

``presence_errors`` checks which fields an event has, so it also runs on the raw JSON object
when some fields are invalid, and a rejection lists every problem at once. ``time_errors``
needs valid fields: it places the timestamp in the port's time zone, rejects future times
and compares the dates of birth and of the end of stay with the event's local date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from immigrationos.departures.event_fields import (
    ARRIVAL_EVIDENCE_KINDS,
    CLOCK_SKEW_ALLOWED,
    DEPARTURE_EVIDENCE_KINDS,
    DURATION_OF_STATUS,
    MAX_EVENT_AGE,
)
from immigrationos.departures.event_messages import RULE_ERROR_TYPE, FieldError
from immigrationos.sources.ports import PORTS
from immigrationos.sources.rows import MAX_AGE_AT_EVENT
from immigrationos.status.dates import age_on

if TYPE_CHECKING:
    from immigrationos.departures.schema import EventIn

_ALL_EVIDENCE_KINDS: Final = (*DEPARTURE_EVIDENCE_KINDS, *ARRIVAL_EVIDENCE_KINDS)
# Evidence kinds that may carry the traveller's location.
LOCATED_EVIDENCE_KINDS: Final = ("land_exit", "self_reported")
_ARRIVAL_ONLY_FIELDS: Final = ("class_of_admission", "admit_until")
_NAME_FIELDS: Final = frozenset({"given_name", "family_name"})
_IDENTITY_FIELDS: Final = frozenset({"passport_no", "a_number", "dob", *_NAME_FIELDS})


@dataclass(frozen=True, slots=True)
class Placement:
    """An event's time: the instant in UTC, the same instant at the port, and the port's zone.

    ``zone`` is None when the port is unknown and no port_tz was sent; ``local`` then keeps
    the UTC offset the producer sent.
    """

    instant: datetime
    local: datetime
    zone: str | None


def presence_errors(values: Mapping[Any, Any], *, skip: frozenset[str]) -> list[FieldError]:
    """Check which fields an event carries, leaving out rules on fields in ``skip``.

    ``values`` is the raw JSON object or a valid event's fields. Fields in ``skip`` already
    failed their own check, so a rule that reads them would only repeat that error.
    """
    errors: list[FieldError] = []
    if not _NAME_FIELDS & skip and not _present(values, *_NAME_FIELDS):
        errors.append(
            FieldError(
                "given_name",
                "given_name or family_name is required: send at least one of the traveller's names",
            )
        )
    if not _IDENTITY_FIELDS & skip and not _identified(values):
        errors.append(
            FieldError(
                "passport_no",
                "passport_no, a_number or dob is required: send a passport number or an "
                "A-number, or the date of birth with a name, so that the event can be matched "
                "to a person",
            )
        )
    kind = values.get("kind") if "kind" not in skip else None
    evidence = values.get("evidence_kind") if "evidence_kind" not in skip else None
    if kind == "departure":
        errors += _departure_errors(values, evidence=evidence, skip=skip)
    elif kind == "arrival":
        errors += _arrival_errors(values, evidence=evidence, skip=skip)
    if (
        "location" not in skip
        and _present(values, "location")
        and evidence in _ALL_EVIDENCE_KINDS
        and evidence not in LOCATED_EVIDENCE_KINDS
    ):
        errors.append(
            FieldError(
                "location",
                f"location is accepted only for land_exit and self_reported departures, not for "
                f"evidence_kind {evidence!r}; remove it",
            )
        )
    mode = values.get("mode") if "mode" not in skip else None
    if evidence == "land_exit" and mode in ("air", "sea"):
        errors.append(
            FieldError("mode", f"mode {mode!r} does not fit a land_exit: send mode 'land'")
        )
    return errors


def time_errors(event: EventIn, *, now: datetime) -> list[FieldError]:
    """Check the event's time: a zone to read it in, not in the future, after birth."""
    placement = _placement(event)
    if isinstance(placement, FieldError):
        return [placement]
    errors: list[FieldError] = []
    latest = now + CLOCK_SKEW_ALLOWED
    if placement.instant > latest:
        errors.append(_future_error("timestamp", event.timestamp, placement.instant, now))
    if placement.instant < now - MAX_EVENT_AGE:
        errors.append(
            FieldError(
                "timestamp",
                f"timestamp {event.timestamp!r} is more than {MAX_EVENT_AGE.days} days before "
                "the current time; the event path takes recent events only, so send older "
                "records in a source extract, where the whole history is linked again",
            )
        )
    if event.sent_at is not None:
        sent = datetime.fromisoformat(event.sent_at)
        if sent > latest:
            errors.append(_future_error("sent_at", event.sent_at, sent, now))

    local_date = placement.local.date()
    if event.dob is not None and event.dob > local_date:
        errors.append(
            FieldError(
                "dob",
                f"dob {event.dob.isoformat()} is later than the event's date at the port "
                f"{local_date.isoformat()}; check the date of birth",
            )
        )
    elif event.dob is not None and age_on(dob=event.dob, on=local_date) > MAX_AGE_AT_EVENT:
        errors.append(
            FieldError(
                "dob",
                f"dob {event.dob.isoformat()} makes the traveller older than {MAX_AGE_AT_EVENT} "
                f"on {local_date.isoformat()}; check the date of birth",
            )
        )
    until = event.admit_until
    if until is not None and until != DURATION_OF_STATUS and date.fromisoformat(until) < local_date:
        errors.append(
            FieldError(
                "admit_until",
                f"admit_until {until} is before the admission date at the port "
                f"{local_date.isoformat()}",
            )
        )
    return errors


def timestamp_place(event: EventIn) -> Placement:
    """Return the placement of a valid event's timestamp.

    Raises ValueError when the time cannot be placed, which ``time_errors`` rejects first.
    """
    placement = _placement(event)
    if isinstance(placement, FieldError):
        raise ValueError(placement.message)
    return placement


def validation_error(errors: list[FieldError]) -> ValidationError:
    """Wrap rule errors in a ValidationError whose locations are the fields they name."""
    details = [
        InitErrorDetails(
            type=PydanticCustomError(RULE_ERROR_TYPE, "{message}", {"message": error.message}),
            loc=tuple(error.field.split(".")) if error.field else (),
            input=None,
        )
        for error in errors
    ]
    return ValidationError.from_exception_data("EventIn", details)


def _present(values: Mapping[Any, Any], *names: str) -> bool:
    """Return True when any of ``names`` has a value other than null or blank text."""
    for name in names:
        value = values.get(name)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return True
    return False


def _identified(values: Mapping[Any, Any]) -> bool:
    if _present(values, "passport_no", "a_number"):
        return True
    return _present(values, *_NAME_FIELDS) and _present(values, "dob")


def _departure_errors(
    values: Mapping[Any, Any], *, evidence: Any, skip: frozenset[str]
) -> list[FieldError]:
    errors: list[FieldError] = []
    if evidence in ARRIVAL_EVIDENCE_KINDS:
        errors.append(_evidence_error(evidence, "departure", DEPARTURE_EVIDENCE_KINDS))
    for name in _ARRIVAL_ONLY_FIELDS:
        if name not in skip and _present(values, name):
            errors.append(
                FieldError(
                    name, f"{name} is accepted only for arrivals (kind 'arrival'); remove it"
                )
            )
    return errors


def _arrival_errors(
    values: Mapping[Any, Any], *, evidence: Any, skip: frozenset[str]
) -> list[FieldError]:
    errors: list[FieldError] = []
    if evidence in DEPARTURE_EVIDENCE_KINDS:
        errors.append(_evidence_error(evidence, "arrival", ARRIVAL_EVIDENCE_KINDS))
    if "class_of_admission" not in skip and not _present(values, "class_of_admission"):
        errors.append(
            FieldError(
                "class_of_admission",
                "class_of_admission is required for an arrival: send the I-94 class of "
                "admission, for example 'B2'",
            )
        )
    return errors


def _evidence_error(evidence: Any, kind: str, allowed: tuple[str, ...]) -> FieldError:
    expected = allowed[0] if len(allowed) == 1 else f"one of {', '.join(allowed)}"
    return FieldError(
        "evidence_kind",
        f"evidence_kind {evidence!r} does not fit kind {kind!r}: expected {expected}",
    )


def _placement(event: EventIn) -> Placement | FieldError:
    """Place the timestamp in the port's zone, or return the error that prevents it.

    A known port's zone is used. A port_tz that differs from it is accepted only when it
    gives the same UTC offset at that moment (an alias such as 'US/Pacific').
    """
    stamp = datetime.fromisoformat(event.timestamp)
    port = PORTS.get(event.port)
    zone_name = event.port_tz
    if port is not None and zone_name is not None and zone_name != port.tz:
        sent_offset, port_offset = (_offset_at(stamp, name) for name in (zone_name, port.tz))
        if sent_offset != port_offset:
            return FieldError(
                "port_tz",
                f"port_tz {zone_name!r} does not match port {port.code}'s time zone "
                f"{port.tz!r} ({_offset_text(sent_offset)} against {_offset_text(port_offset)} "
                f"at this time); send {port.tz!r} or leave port_tz out",
            )
    if port is not None:
        zone_name = port.tz
    if stamp.tzinfo is None:
        if zone_name is None:
            return FieldError(
                "timestamp",
                f"timestamp {event.timestamp!r} has no UTC offset and port {event.port!r} is not "
                "a known port, so its time zone is unknown; add the offset (for example "
                "'-05:00') or send port_tz",
            )
        # NOTE: a local time in a daylight-saving gap or overlap is read with fold=0.
        stamp = stamp.replace(tzinfo=ZoneInfo(zone_name))
    local = stamp.astimezone(ZoneInfo(zone_name)) if zone_name else stamp
    return Placement(stamp.astimezone(UTC), local, zone_name)


def _offset_at(stamp: datetime, zone_name: str) -> timedelta | None:
    zone = ZoneInfo(zone_name)
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=zone).utcoffset()
    return stamp.astimezone(zone).utcoffset()


def _offset_text(offset: timedelta | None) -> str:
    if offset is None:
        return "no offset"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _future_error(field: str, text: str, instant: datetime, now: datetime) -> FieldError:
    ahead = int((instant - now).total_seconds() // 60)
    allowed = int(CLOCK_SKEW_ALLOWED.total_seconds() // 60)
    return FieldError(
        field,
        f"{field} {text!r} is {ahead} minutes after the current time "
        f"{now.astimezone(UTC).isoformat(timespec='seconds')}, more than the {allowed} minutes "
        "allowed for clock differences; send events only after they happen and check the "
        "producer's clock",
    )
