"""Validators that turn one raw CSV field into its normalised value, one per column kind.

A validator takes the stripped, non-empty text of a field and returns the normalised value,
or raises FieldInvalid with a message that names the value and the expected form. Validators
for repetitive values (dates, countries, zones) cache their results, because an extract of
half a million rows holds only a few thousand distinct dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from immigrationos.sources.config import date_format_display
from immigrationos.sources.contracts import Column
from immigrationos.sources.errors import FieldInvalid, value_repr
from immigrationos.sources.ports import PORTS

Validator = Callable[[str], object]

DURATION_OF_STATUS = "D/S"
_BOOLS = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
}
_SEXES = ("M", "F", "X")

# Plausible years for any date or timestamp in a source extract. Outside them a value is a
# typing or conversion error, and timestamps near year 1 or 9999 overflow on time zone
# conversion.
YEAR_MIN = 1900
YEAR_MAX = 2100
# Real UTC offsets run from -12:00 to +14:00 (Pacific/Kiritimati).
OFFSET_MAX = timedelta(hours=14)

# Maximum field lengths in characters. They lie well above real ids, names and document
# numbers, so a longer value is a broken export.
RECORD_ID_CHARS_MAX = 100
NAME_CHARS_MAX = 200
DOCUMENT_CHARS_MAX = 64
TEXT_CHARS_MAX = 500

# Unicode category Cc: C0 controls, DEL and C1 controls.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")

# ISO 8601 extended or basic form with ASCII digits only, because int() and
# datetime.fromisoformat also accept full-width and other Unicode digits.
_TIMESTAMP_RE = re.compile(
    r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"|[0-9]{8}T[0-9]{4}(?:[0-9]{2})?)"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z"
)

# UTF-8 text decoded as cp1252 or Latin-1 turns each accented letter into "Ã" or "Â"
# followed by a character for a UTF-8 continuation byte (0x80-0xBF): "í" becomes "Ã­".
_MOJIBAKE_RE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122]"
)


@dataclass(frozen=True)
class TwoDigitYearDate:
    """A date whose century is not yet known, resolved later against the record's event date."""

    day: int
    month: int
    year_in_century: int
    text: str


def mojibake_suspected(value: str) -> bool:
    """Return True when ``value`` contains a typical UTF-8-read-as-cp1252 sequence."""
    if "\u00c3" not in value and "\u00c2" not in value:
        return False
    return _MOJIBAKE_RE.search(value) is not None


def mojibake_repair(value: str) -> str | None:
    """Return ``value`` re-decoded as UTF-8, or None when no single-byte codec round-trips."""
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = value.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != value and repaired.encode("utf-8").decode(codec) == value:
            return repaired
    return None


def zone_get(name: str) -> ZoneInfo | None:
    """Return the IANA zone called ``name``, or None when it does not exist."""
    try:
        return _zone_cached(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


_ZONES: dict[str, ZoneInfo] = {}


def _zone_cached(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = ZoneInfo(name)
        _ZONES[name] = zone
    return zone


def validator_build(*, column: Column, date_format: str | None) -> Validator:
    """Return the validator for ``column``, reading dates in ``date_format``."""
    name = column.name
    kind = column.kind
    if kind in ("date", "date_or_ds"):
        if date_format is None:
            raise ValueError(f"column {name!r} is a date column without a date_format")
        parse = _cached(_date_parser(name=name, date_format=date_format))
        if kind == "date":
            return parse
        return lambda value: (
            DURATION_OF_STATUS if value.upper() == DURATION_OF_STATUS else parse(value)
        )
    builders: dict[str, Callable[[str], Validator]] = {
        "text": lambda n: _text_validator(n, _text_chars_max(column)),
        "name": lambda n: _text_validator(n, NAME_CHARS_MAX),
        "bool": _bool_validator,
        "country": lambda n: _cached(_country_validator(n)),
        "sex": _sex_validator,
        "a_number": _a_number_validator,
        "document": _document_validator,
        "timezone": lambda n: _cached(_timezone_validator(n)),
        "port": lambda n: _cached(_port_validator(n)),
        # Timestamps are nearly all distinct, so a cache would only grow.
        "datetime": _datetime_validator,
    }
    if kind == "enum":
        return _enum_validator(name, column.choices)
    return builders[kind](name)


def _text_chars_max(column: Column) -> int:
    return RECORD_ID_CHARS_MAX if column.name == "record_id" else TEXT_CHARS_MAX


def _characters_check(*, name: str, value: str, chars_max: int) -> None:
    """Raise FieldInvalid when ``value`` is longer than ``chars_max`` or has a control character."""
    if len(value) > chars_max:
        raise FieldInvalid(
            f"{name} is {len(value):,} characters long, above the maximum of {chars_max:,} "
            f"(it starts {value[:40]!r}); check the export for a missing delimiter or a damaged "
            "field"
        )
    control = _CONTROL_RE.search(value)
    if control is not None:
        raise FieldInvalid(
            f"{name} contains the control character U+{ord(control.group()):04X} at "
            f"character {control.start() + 1}: {value_repr(value)}; remove it in the source "
            "system and send the file again"
        )


def _cached(validate: Validator) -> Validator:
    results: dict[str, object] = {}

    def cached(value: str) -> object:
        result = results.get(value)
        if result is None:
            result = validate(value)
            results[value] = result
        return result

    return cached


def _text_validator(name: str, chars_max: int) -> Validator:
    def validate(value: str) -> object:
        _characters_check(name=name, value=value, chars_max=chars_max)
        if "\ufffd" in value:
            raise FieldInvalid(
                f"{name} {value_repr(value)} contains U+FFFD, the replacement character: the "
                "original letters were lost before this extract was written; request a "
                "corrected extract"
            )
        return value

    return validate


def _bool_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        result = _BOOLS.get(value.lower())
        if result is None:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not a boolean (true/false, yes/no, y/n, 1/0)"
            )
        return result

    return validate


def _enum_validator(name: str, choices: tuple[str, ...]) -> Validator:
    canonical = {choice.lower(): choice for choice in choices}

    def validate(value: str) -> object:
        result = canonical.get(value.lower())
        if result is None:
            raise FieldInvalid(f"{name} {value_repr(value)} is not one of {', '.join(choices)}")
        return result

    return validate


def _country_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        code = value.upper()
        if len(code) != 3 or not (code.isascii() and code.isalpha()):
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not an ISO 3166-1 alpha-3 country code "
                "such as 'MEX'"
            )
        return code

    return validate


def _sex_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        code = value.upper()
        if code not in _SEXES:
            raise FieldInvalid(f"{name} {value_repr(value)} is not one of M, F, X")
        return code

    return validate


def _a_number_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        digits = value.upper().replace(" ", "").replace("-", "")
        digits = digits.removeprefix("A")
        if not (digits.isascii() and digits.isdigit()) or len(digits) not in (8, 9):
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not an A-number: expected 8 or 9 digits after an "
                "optional 'A', for example 'A012345678'"
            )
        return digits.zfill(9)

    return validate


def _document_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        _characters_check(name=name, value=value, chars_max=DOCUMENT_CHARS_MAX)
        number = value.upper().replace(" ", "").replace("-", "")
        if not (number.isascii() and number.isalnum()):
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not a document number: expected letters and "
                "digits, with optional spaces or dashes"
            )
        return number

    return validate


def _timezone_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        if zone_get(value) is None:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not an IANA time zone such as 'America/New_York'"
            )
        return value

    return validate


def _port_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        code = value.upper()
        if code not in PORTS:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not a known port code "
                "(see immigrationos.sources.ports)"
            )
        return code

    return validate


def _datetime_validator(name: str) -> Validator:
    def validate(value: str) -> object:
        # A bare date has no time of day, so it cannot place the event at a port's local date.
        if len(value) <= 10:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not an ISO 8601 timestamp with a time of day, "
                "for example '2026-03-01T23:30:00' or '2026-03-01T23:30:00-10:00'"
            )
        try:
            if _TIMESTAMP_RE.match(value) is None:
                raise ValueError(value)
            stamp = datetime.fromisoformat(value)
        except ValueError as exc:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not an ISO 8601 timestamp, "
                "for example '2026-03-01T23:30:00' or '2026-03-01T23:30:00-10:00'"
            ) from exc
        if not YEAR_MIN <= stamp.year <= YEAR_MAX:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is outside the plausible years "
                f"{YEAR_MIN}..{YEAR_MAX}; check the source's export",
                implausible=True,
            )
        offset = stamp.utcoffset()
        if offset is not None and abs(offset) > OFFSET_MAX:
            raise FieldInvalid(
                f"{name} {value_repr(value)} has a UTC offset beyond the valid range -14:00..+14:00"
            )
        return stamp

    return validate


def _date_parser(*, name: str, date_format: str) -> Validator:
    pattern = re.escape(date_format)
    for directive, group in (
        # [0-9], not \d: \d also matches full-width and other non-ASCII digits.
        ("%d", r"(?P<d>[0-9]{1,2})"),
        ("%m", r"(?P<m>[0-9]{1,2})"),
        ("%Y", r"(?P<Y>[0-9]{4})"),
        ("%y", r"(?P<y>[0-9]{2})"),
    ):
        pattern = pattern.replace(re.escape(directive), group)
    matcher = re.compile(pattern + r"\Z").match
    display = date_format_display(date_format)

    def parse(value: str) -> object:
        match = matcher(value)
        if match is None:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not a valid {display} date", format_mismatch=True
            )
        parts = match.groupdict()
        day, month = int(parts["d"]), int(parts["m"])
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is not a valid {display} date", format_mismatch=True
            )
        if parts.get("y") is not None:
            # Reject 31-02-xx now: no century makes it valid. 29-02-xx is left to the
            # century choice, because a leap year exists in one century but not another.
            if not 1 <= month <= 12 or not 1 <= day <= (29 if month == 2 else _MONTH_DAYS[month]):
                raise FieldInvalid(f"{name} {value_repr(value)} is not a valid {display} date")
            return TwoDigitYearDate(day, month, int(parts["y"]), value)
        year = int(parts["Y"])
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise FieldInvalid(
                f"{name} {value_repr(value)} is outside the plausible years "
                f"{YEAR_MIN}..{YEAR_MAX}; check the source's export",
                implausible=True,
            )
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise FieldInvalid(f"{name} {value_repr(value)} is not a valid {display} date") from exc

    return parse


_MONTH_DAYS = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}
