"""Field types of ``EventIn``: JSON schema descriptions and the check of each value on its own.

Each check raises ValueError with a message that names the field, the value and the expected
form. Identity values are normalised by the validators of batch ingest
(``sources.fields``), so a streamed event and an extract row of the same person carry the
same A-number, passport number and country codes. An empty string counts as absent for an
optional field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Final, Literal

from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
)
from pydantic import ValidationInfo as Info

from immigrationos.sources.contracts import EVIDENCE_KINDS, Column, ColumnKind
from immigrationos.sources.errors import FieldInvalid, value_repr
from immigrationos.sources.fields import YEAR_MAX, YEAR_MIN, Validator, validator_build

# How far in the future a timestamp may lie, to allow for clocks that run a little fast.
CLOCK_SKEW_ALLOWED: Final = timedelta(minutes=10)
# The oldest event the event path takes. A late self-reported exit can arrive months after
# the fact; anything older belongs in a source extract, which the batch pipeline links with
# the person's whole history.
MAX_EVENT_AGE: Final = timedelta(days=365)
DURATION_OF_STATUS: Final = "D/S"
DEPARTURE_EVIDENCE_KINDS: Final[tuple[str, ...]] = EVIDENCE_KINDS
ARRIVAL_EVIDENCE_KINDS: Final[tuple[str, ...]] = ("admission",)
EVENT_ID_RE: Final = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_PORT_RE: Final = re.compile(r"[A-Z0-9]{2,10}")
_CLASS_RE: Final = re.compile(r"[A-Z0-9][A-Z0-9/-]{0,15}")
_ISO_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The ISO 8601 forms ``sources.fields`` accepts, for the JSON schema.
_TIMESTAMP_PATTERN: Final = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"|[0-9]{8}T[0-9]{4}([0-9]{2})?)(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)

DEPARTURE_EXAMPLE: Final[dict[str, Any]] = {
    "event_id": "lx-20260301-0042",
    "kind": "departure",
    "evidence_kind": "land_exit",
    "timestamp": "2026-03-01T23:30:00",
    "port": "SYS",
    "mode": "land",
    "given_name": "Ana",
    "family_name": "Reyes",
    "dob": "1990-04-12",
    "passport_no": "G12345678",
    "passport_country": "MEX",
    "location": {"latitude": 32.37, "longitude": -116.95},
    "face_match": True,
    "sent_at": "2026-03-02T07:30:05Z",
}
ARRIVAL_EXAMPLE: Final[dict[str, Any]] = {
    "event_id": "i94-20260301-7781",
    "kind": "arrival",
    "evidence_kind": "admission",
    "timestamp": "2026-03-01T16:05:00-05:00",
    "port": "JFK",
    "mode": "air",
    "carrier": "BA",
    "given_name": "Tomasz",
    "family_name": "Nowak",
    "dob": "1985-11-30",
    "nationality": "POL",
    "passport_no": "EA1234567",
    "passport_country": "POL",
    "class_of_admission": "B2",
    "admit_until": "2026-08-31",
}


def _source_check(name: str, kind: ColumnKind, value: str) -> Any:
    """Run the batch-ingest validator of ``kind`` on a stripped value, as a ValueError."""
    try:
        return _source_validator(name, kind)(value)
    except FieldInvalid as exc:
        raise ValueError(str(exc)) from exc


@cache
def _source_validator(name: str, kind: ColumnKind) -> Validator:
    return validator_build(column=Column(name, kind), date_format=None)


def _optional(value: str, info: Info, kind: ColumnKind) -> Any:
    text = value.strip()
    if not text:
        return None
    return _source_check(str(info.field_name), kind, text)


def _event_id_check(value: str) -> str:
    if EVENT_ID_RE.fullmatch(value) is None:
        raise ValueError(
            f"event_id {value_repr(value)} is not a valid event id: expected 1 to 100 letters, "
            "digits, '.', '_', ':' or '-'"
        )
    return value


def _timestamp_check(value: str, info: Info) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"{info.field_name} is empty: send an ISO 8601 timestamp")
    _source_check(str(info.field_name), "datetime", text)
    return text


def _sent_at_check(value: str, info: Info) -> str | None:
    text = value.strip()
    if not text:
        return None
    stamp = _source_check("sent_at", "datetime", text)
    if isinstance(stamp, datetime) and stamp.tzinfo is None:
        raise ValueError(
            f"sent_at {value_repr(text)} has no UTC offset: send the producer's send time as an "
            "instant, for example '2026-03-01T23:30:05Z'"
        )
    return text


def _port_check(value: str) -> str:
    code = value.strip().upper()
    if _PORT_RE.fullmatch(code) is None:
        raise ValueError(
            f"port {value_repr(value)} is not a port code: expected 2 to 10 letters or digits, "
            "for example 'JFK' or 'SYS'"
        )
    return code


def _name_check(value: str, info: Info) -> str | None:
    name = _optional(value, info, "name")
    return None if name is None else " ".join(str(name).split())


def _class_check(value: str, info: Info) -> str | None:
    text = value.strip().upper()
    if not text:
        return None
    if _CLASS_RE.fullmatch(text) is None:
        raise ValueError(
            f"class_of_admission {value_repr(value)} is not a class of admission: expected up to "
            "16 letters, digits, '/' or '-', for example 'B2' or 'H1B'"
        )
    return text


def _date_input(value: Any, info: Info) -> date | None:
    """Accept a date as the JSON string "YYYY-MM-DD" (or a date object from Python callers)."""
    name = info.field_name
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and _ISO_DATE_RE.fullmatch(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{name} {value_repr(value)} is not a real calendar date") from exc
    else:
        shown = value_repr(value) if isinstance(value, str) else type(value).__name__
        raise ValueError(f"{name} must be a date string 'YYYY-MM-DD', got {shown}")
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise ValueError(
            f"{name} {parsed.isoformat()} is outside the plausible years {YEAR_MIN}..{YEAR_MAX}"
        )
    return parsed


def _admit_until_check(value: str, info: Info) -> str | None:
    text = value.strip()
    if not text:
        return None
    if text.upper() == DURATION_OF_STATUS:
        return DURATION_OF_STATUS
    if _ISO_DATE_RE.fullmatch(text) is None:
        raise ValueError(
            f"admit_until {value_repr(value)} is not a date 'YYYY-MM-DD' or 'D/S' (duration of "
            "status)"
        )
    parsed = _date_input(text, info)
    return None if parsed is None else parsed.isoformat()


_Text = Annotated[str, Strict()]
_OptionalCheck = Callable[[str, Info], Any]


def _optional_field(check: _OptionalCheck) -> AfterValidator:
    """Run ``check`` on a string value of an optional field; null stays None."""

    def validate(value: str | None, info: Info) -> Any:
        return None if value is None else check(value, info)

    return AfterValidator(validate)


def _optional_kind(kind: ColumnKind) -> AfterValidator:
    """Check an optional field with the batch-ingest validator of ``kind``."""
    return _optional_field(lambda value, info: _optional(value, info, kind))


EventId = Annotated[
    _Text,
    AfterValidator(_event_id_check),
    Field(
        description=(
            "The producer's unique id of this event, 1 to 100 letters, digits, '.', '_', ':' "
            "or '-'. A resend must repeat the id and the content unchanged."
        ),
        json_schema_extra={"pattern": "^[A-Za-z0-9._:-]{1,100}$"},
    ),
]
Kind = Annotated[
    Literal["departure", "arrival"],
    Field(description="Whether the person left the United States or was admitted."),
]
EvidenceKind = Annotated[
    Literal[
        "carrier_manifest",
        "boarding_confirmation",
        "biometric_confirmation",
        "land_exit",
        "self_reported",
        "third_country_entry",
        "admission",
    ],
    Field(
        description=(
            "What recorded the event. Departures: carrier_manifest (on the passenger list), "
            "boarding_confirmation (boarding pass scanned), biometric_confirmation (face or "
            "fingerprints matched at exit), land_exit (seen leaving at a land port), "
            "self_reported (reported in the app), third_country_entry (entry recorded by "
            "another country). Arrivals: admission (I-94)."
        )
    ),
]
Timestamp = Annotated[
    _Text,
    AfterValidator(_timestamp_check),
    Field(
        description=(
            "When the event happened, ISO 8601. With a UTC offset, or without one when port_tz "
            "or a known port gives the time zone; the time is then local time at the port. At "
            "most 10 minutes in the future."
        ),
        examples=["2026-03-01T23:30:00-10:00", "2026-03-01T23:30:00"],
        json_schema_extra={"pattern": _TIMESTAMP_PATTERN},
    ),
]
Port = Annotated[
    _Text,
    AfterValidator(_port_check),
    Field(
        description="The port of exit or entry: 2 to 10 letters or digits, upper-cased.",
        examples=["JFK", "SYS"],
    ),
]
PortTz = Annotated[
    _Text | None,
    _optional_kind("timezone"),
    Field(
        description=(
            "The port's IANA time zone. Optional for a known port; needed for an unknown port "
            "when timestamp has no UTC offset."
        ),
        examples=["America/Los_Angeles"],
    ),
]
Mode = Annotated[Literal["air", "sea", "land"], Field(description="How the person travelled.")]
Carrier = Annotated[
    Annotated[str, Strict(), MaxLen(100)] | None,
    _optional_kind("text"),
    Field(
        description="The airline, ship or bus line, by name or code (at most 100 characters).",
        examples=["UA"],
    ),
]
GivenName = Annotated[
    _Text | None,
    _optional_field(_name_check),
    Field(description="Given names as on the travel document. Needed unless family_name is sent."),
]
FamilyName = Annotated[
    _Text | None,
    _optional_field(_name_check),
    Field(description="Family names as on the travel document. Needed unless given_name is sent."),
]
Dob = Annotated[
    date | None,
    BeforeValidator(_date_input),
    Field(description="Date of birth, YYYY-MM-DD."),
]
Sex = Annotated[
    _Text | None,
    _optional_kind("sex"),
    Field(description="Sex as on the travel document: M, F or X.", examples=["F"]),
]
Nationality = Annotated[
    _Text | None,
    _optional_kind("country"),
    Field(description="Nationality, ISO 3166-1 alpha-3.", examples=["MEX"]),
]
PassportNo = Annotated[
    _Text | None,
    _optional_kind("document"),
    Field(description="Passport number; spaces and dashes are removed.", examples=["G12345678"]),
]
PassportCountry = Annotated[
    _Text | None,
    _optional_kind("country"),
    Field(description="The passport's issuing country, ISO 3166-1 alpha-3.", examples=["MEX"]),
]
ANumber = Annotated[
    _Text | None,
    _optional_kind("a_number"),
    Field(
        description="Alien registration number: 8 or 9 digits after an optional 'A'.",
        examples=["A012345678"],
    ),
]
ClassOfAdmission = Annotated[
    _Text | None,
    _optional_field(_class_check),
    Field(
        description="Arrivals only, and needed for them: the I-94 class of admission.",
        examples=["B2"],
    ),
]
AdmitUntil = Annotated[
    _Text | None,
    _optional_field(_admit_until_check),
    Field(
        description=(
            "Arrivals only: the last day of the authorised stay, YYYY-MM-DD, or 'D/S' for "
            "duration of status."
        ),
        examples=["2026-08-31", "D/S"],
    ),
]


class LocationIn(BaseModel):
    """The person's position when the event was recorded, in decimal degrees (WGS 84)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Location")

    latitude: Annotated[
        float,
        Strict(),
        Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude, -90 to 90 degrees."),
    ]
    longitude: Annotated[
        float,
        Strict(),
        Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude, -180 to 180 degrees."),
    ]


# The location's JSON schema is written out in place, so that EventIn's schema has no
# $defs and can be embedded in another document (the OpenAPI components) as it is.
_LOCATION_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "latitude": {
            "type": "number",
            "minimum": -90,
            "maximum": 90,
            "description": "Latitude, -90 to 90 degrees.",
        },
        "longitude": {
            "type": "number",
            "minimum": -180,
            "maximum": 180,
            "description": "Longitude, -180 to 180 degrees.",
        },
    },
    "required": ["latitude", "longitude"],
    "additionalProperties": False,
}

OptionalLocation = Annotated[
    LocationIn | None,
    WithJsonSchema({"anyOf": [_LOCATION_SCHEMA, {"type": "null"}]}),
    Field(
        description=(
            "land_exit and self_reported departures only: where the person was, from the "
            "device or the port. A departure counts as verified only with a location at least "
            "3 miles (4.8 km) outside the border and a face match."
        )
    ),
]
FaceMatch = Annotated[
    Annotated[bool, Strict()] | None,
    Field(description="Whether the traveller's photo matched the travel document's photo."),
]
SentAt = Annotated[
    _Text | None,
    _optional_field(_sent_at_check),
    Field(
        description=(
            "When the producer sent the event, ISO 8601 with a UTC offset; used to measure "
            "delivery latency and left out of the payload hash."
        ),
        examples=["2026-03-02T07:30:05Z"],
    ),
]
