"""Turn pydantic's validation errors into messages an integrator can act on.

Each message names the field, what was wrong with the value and the expected form, for
example "kind 'exit' is not one of: 'departure' or 'arrival'". Pydantic's own wording and
its documentation links stay out.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from immigrationos.sources.errors import value_repr

# The error type of the rules across fields (see ``event_rules``).
RULE_ERROR_TYPE: Final = "event_rule"

_EVIDENCE_KINDS_TEXT: Final = (
    "carrier_manifest, boarding_confirmation, biometric_confirmation, land_exit, self_reported "
    "or third_country_entry for a departure, admission for an arrival"
)
# The expected form of each field of EventIn, for messages about a missing value or a value
# of the wrong JSON type.
EXPECTED: Final[dict[str, str]] = {
    "event_id": "a string of 1 to 100 letters, digits, '.', '_', ':' or '-'",
    "kind": "'departure' or 'arrival'",
    "evidence_kind": _EVIDENCE_KINDS_TEXT,
    "timestamp": "an ISO 8601 timestamp such as '2026-03-01T23:30:00-10:00'",
    "port": "a port code such as 'JFK' or 'SYS'",
    "port_tz": "an IANA time zone name such as 'America/New_York'",
    "mode": "'air', 'sea' or 'land'",
    "carrier": "the carrier's name or code as a string, for example 'UA'",
    "given_name": "the given names as a string",
    "family_name": "the family names as a string",
    "dob": "a date string 'YYYY-MM-DD'",
    "sex": "'M', 'F' or 'X'",
    "nationality": "an ISO 3166-1 alpha-3 country code such as 'MEX'",
    "passport_no": "the passport number as a string of letters and digits",
    "passport_country": "an ISO 3166-1 alpha-3 country code such as 'MEX'",
    "a_number": "an A-number string such as 'A012345678'",
    "class_of_admission": "the I-94 class of admission as a string, for example 'B2'",
    "admit_until": "a date string 'YYYY-MM-DD' or 'D/S'",
    "location": 'an object {"latitude": <number>, "longitude": <number>} in decimal degrees',
    "location.latitude": "a number from -90 to 90",
    "location.longitude": "a number from -180 to 180",
    "face_match": "true or false",
    "sent_at": "an ISO 8601 timestamp with a UTC offset such as '2026-03-02T07:30:05Z'",
}
_TOP_LEVEL_FIELDS: Final = tuple(name for name in EXPECTED if "." not in name)
_TYPE_ERRORS: Final = frozenset(
    {
        "string_type",
        "bool_type",
        "float_type",
        "float_parsing",
        "int_type",
        "date_type",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "none_required",
    }
)
_RANGE_ERRORS: Final = frozenset(
    {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "finite_number"}
)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of an event: the field path ("location.latitude") and a full sentence.

    ``field`` is "" for a problem with the event as a whole, for example a JSON array sent in
    place of an object. ``message`` names the field itself, so it reads on its own.
    """

    field: str
    message: str


def field_errors_from(exc: ValidationError) -> tuple[list[FieldError], bool]:
    """Return one FieldError per pydantic error, and whether the rules across fields ran."""
    errors = exc.errors(include_url=False)
    return [_field_error(error) for error in errors], any(
        error["type"] == RULE_ERROR_TYPE for error in errors
    )


def json_type(value: Any) -> str:
    """Name the JSON type of a parsed value for a message: "a number", "an array", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"the string {value_repr(value)}"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _field_error(error: ErrorDetails) -> FieldError:
    field = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    value = error.get("input")
    context = error.get("ctx") or {}
    expected = EXPECTED.get(field, "a valid value")

    if kind == RULE_ERROR_TYPE:
        return FieldError(field, str(context.get("message", error["msg"])))
    if kind == "value_error":
        return FieldError(field, str(context.get("error", error["msg"])))
    if kind == "missing":
        return FieldError(field, f"{field} is required: send {expected}")
    if kind == "extra_forbidden":
        return FieldError(field, _unknown_field_message(field))
    if kind == "literal_error" and isinstance(value, str):
        return FieldError(field, f"{field} {value_repr(value)} is not one of: {expected}")
    if kind in _TYPE_ERRORS or kind == "literal_error":
        return FieldError(field, f"{field} must be {expected}, got {json_type(value)}")
    if kind in _RANGE_ERRORS:
        return FieldError(field, f"{field} {value!r} is out of range: expected {expected}")
    return FieldError(field, f"{field} is invalid ({error['msg']}): expected {expected}")


def _unknown_field_message(field: str) -> str:
    message = f"{field} is not a field of a departure or arrival event; remove it"
    parent, _, name = field.rpartition(".")
    choices = (
        _TOP_LEVEL_FIELDS
        if not parent
        else tuple(key.rpartition(".")[2] for key in EXPECTED if key.startswith(f"{parent}."))
    )
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return message
