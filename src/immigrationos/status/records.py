"""Typed views of staged ``records`` rows, one dataclass per source.

A view keeps only what the status and priority rules read. It is built from a row of the
staging table (identity columns plus the ``attrs`` JSON), where dates are ISO strings and
admission and departure carry the local calendar date at the port.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from immigrationos.status.dates import local_date
from immigrationos.status.errors import RecordError

DURATION_OF_STATUS = "D/S"
SELF_REPORTED = "self_reported"
# How far each kind of departure evidence can be trusted, from 0 to 1. These are the
# project's estimates, not measured rates. A biometric exit matches the traveller's face or
# fingerprints, a boarding confirmation the boarding pass and a carrier manifest only the
# passenger list. A self-reported exit rests on the person's word, more so with a location.
DEPARTURE_CONFIDENCE = {
    "biometric_confirmation": 0.99,
    "boarding_confirmation": 0.95,
    "carrier_manifest": 0.9,
    "land_exit": 0.9,
    "third_country_entry": 0.85,
}
SELF_REPORTED_CONFIDENCE = {True: 0.7, False: 0.5}  # keyed by whether a location is given
UNKNOWN_EVIDENCE_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class Arrival:
    """An I-94 admission."""

    uid: str
    admission_date: date
    admit_until: date | None
    duration_of_status: bool
    class_of_admission: str
    mode: str
    dob: date | None = None
    # The admission's moment, when its timestamp and the port's zone are known. It orders a
    # departure and an arrival on the same day.
    at: datetime | None = None

    @property
    def known_date(self) -> date:
        return self.admission_date


@dataclass(frozen=True, slots=True)
class Departure:
    """A recorded departure (manifest, land exit, self-reported exit, ...).

    ``confidence`` is the trust in ``evidence_kind`` from ``DEPARTURE_CONFIDENCE``.
    ``location`` is where a self-reported exit was made, when the person gave it.
    """

    uid: str
    departure_date: date
    mode: str
    evidence_kind: str
    confidence: float = 1.0
    location: str | None = None
    # The departure's moment, when its timestamp and the port's zone are known.
    at: datetime | None = None

    @property
    def known_date(self) -> date:
        return self.departure_date


def same_day_before(first: Departure | Arrival, second: Departure | Arrival) -> bool:
    """Return whether ``first`` happened before ``second`` on the same calendar date.

    False when the dates differ or either moment is unknown.
    """
    first_day = first.known_date
    return (
        first_day == second.known_date
        and first.at is not None
        and second.at is not None
        and first.at < second.at
    )


@dataclass(frozen=True, slots=True)
class StudentRecord:
    """A SEVIS-like programme record of an F, M or J student or exchange visitor."""

    uid: str
    visa_class: str
    program_start: date
    program_end: date
    opt_end: date | None
    student_status: str
    termination_date: date | None
    termination_reason: str | None

    @property
    def known_date(self) -> date:
        return self.program_start


@dataclass(frozen=True, slots=True)
class Benefit:
    """A benefit application and, once decided, its decision.

    ``frivolous`` marks an application found frivolous or filed only to delay departure,
    which earns no period of authorised stay while pending. The ``parent_*`` fields come
    from an N-600 (certificate of citizenship) and name the citizen parent the claim rests
    on: the parent's A-number, name, naturalisation date and whether the child lived in
    that parent's legal and physical custody.
    """

    uid: str
    form: str
    filed_date: date
    decision: str
    decision_date: date | None
    new_class: str | None
    valid_until: date | None
    timely_filed: bool | None
    dob: date | None = None
    frivolous: bool = False
    parent_a_number: str | None = None
    parent_name: str | None = None
    parent_naturalised: date | None = None
    parent_custody: bool | None = None

    @property
    def known_date(self) -> date:
        return self.filed_date


@dataclass(frozen=True, slots=True)
class CourtCase:
    """Removal proceedings: the notice to appear, the decision and any appeal."""

    uid: str
    nta_date: date
    decision: str
    decision_date: date | None
    appeal: str | None
    appeal_decision_date: date | None
    in_absentia: bool
    vd_deadline: date | None

    @property
    def known_date(self) -> date:
        return self.nta_date


@dataclass(frozen=True, slots=True)
class Conviction:
    """A criminal conviction."""

    uid: str
    offence_category: str
    severity: str
    violent: bool
    tco_related: bool
    conviction_date: date
    dob: date | None = None

    @property
    def known_date(self) -> date:
        return self.conviction_date


@dataclass(frozen=True, slots=True)
class EnforcementEvent:
    """An encounter, arrest, detention, release or removal."""

    uid: str
    kind: str
    event_date: date

    @property
    def known_date(self) -> date:
        return self.event_date


@dataclass(frozen=True, slots=True)
class VisaIssuance:
    """A consular visa issuance."""

    uid: str
    visa_class: str
    issue_date: date

    @property
    def known_date(self) -> date:
        return self.issue_date


RecordView = (
    Arrival
    | Departure
    | StudentRecord
    | Benefit
    | CourtCase
    | Conviction
    | EnforcementEvent
    | VisaIssuance
)


class _Fields:
    """Read typed fields from one row, naming the record and field in every error."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.uid = str(row.get("record_uid") or f"{row.get('source')}:{row.get('record_id')}")
        attrs = row.get("attrs") or {}
        if isinstance(attrs, str):
            try:
                attrs = json.loads(attrs)
            except json.JSONDecodeError as exc:
                raise RecordError(
                    f"record {self.uid!r}: attrs is not valid JSON ({exc}); re-run ingest"
                ) from exc
        self.values: dict[str, Any] = {**attrs, **{k: v for k, v in row.items() if k != "attrs"}}

    def optional_date(self, *names: str) -> date | None:
        for name in names:
            value = self.values.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, date):
                return value
            text = str(value)
            try:
                return date.fromisoformat(text[:10])
            except ValueError as exc:
                raise RecordError(
                    f"record {self.uid!r}: {name} = {value!r} is not an ISO date "
                    "(YYYY-MM-DD); fix the extract or the ingest normalisation"
                ) from exc
        return None

    def port_date(self, event: str) -> date:
        """Return the local calendar date of an ``event`` (admission or departure) at the port.

        Ingest stores that date as ``<event>_date``. Without it, the ``<event>_ts`` timestamp
        is read in the row's ``port_tz`` (see ``dates.local_date``).
        """
        stored = self.optional_date(f"{event}_date", "event_local_date", "event_date")
        if stored is not None:
            return stored
        timestamp = self.text(f"{event}_ts")
        if not timestamp:
            raise RecordError(
                f"record {self.uid!r}: missing {event}_date or {event}_ts; "
                "fix the extract and re-run ingest"
            )
        try:
            return local_date(timestamp=timestamp, zone=self.optional_text("port_tz"))
        except ValueError as exc:
            raise RecordError(
                f"record {self.uid!r}: {event}_ts = {timestamp!r} with port_tz = "
                f"{self.values.get('port_tz')!r} has no local date ({exc}); "
                "fix the extract or the ingest normalisation"
            ) from exc

    def moment(self, event: str) -> datetime | None:
        """Return the aware moment of ``<event>_ts``, or None when it or its zone is unknown."""
        timestamp = self.text(f"{event}_ts")
        if not timestamp:
            return None
        try:
            stamp = datetime.fromisoformat(timestamp)
            if stamp.tzinfo is None:
                zone = self.optional_text("port_tz")
                if zone is None:
                    return None
                stamp = stamp.replace(tzinfo=ZoneInfo(zone))
        except (ValueError, ZoneInfoNotFoundError):
            return None
        return stamp

    def date(self, *names: str) -> date:
        value = self.optional_date(*names)
        if value is None:
            raise RecordError(
                f"record {self.uid!r}: missing {' or '.join(names)}; "
                "fix the extract and re-run ingest"
            )
        return value

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return default if value is None else str(value).strip()

    def optional_text(self, name: str) -> str | None:
        value = self.text(name)
        return value or None

    def flag(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "yes", "y", "1"}:
            return True
        if text in {"false", "no", "n", "0"}:
            return False
        raise RecordError(
            f"record {self.uid!r}: {name} = {value!r} is not a boolean (true or false)"
        )


def _arrival(fields: _Fields) -> Arrival:
    raw_until = fields.text("admit_until")
    is_ds = raw_until.upper() == DURATION_OF_STATUS
    # D/S is a marker, never a date, so it is checked before any date parsing.
    admit_until = None if is_ds else fields.optional_date("admit_until")
    return Arrival(
        uid=fields.uid,
        admission_date=fields.port_date("admission"),
        admit_until=admit_until,
        duration_of_status=is_ds,
        class_of_admission=fields.text("class_of_admission").upper(),
        mode=fields.text("mode").lower(),
        dob=fields.optional_date("dob"),
        at=fields.moment("admission"),
    )


def _departure(fields: _Fields) -> Departure:
    kind = fields.text("evidence_kind")
    location = fields.optional_text("reported_location")
    if kind == SELF_REPORTED:
        confidence = SELF_REPORTED_CONFIDENCE[location is not None]
    else:
        confidence = DEPARTURE_CONFIDENCE.get(kind, UNKNOWN_EVIDENCE_CONFIDENCE)
    return Departure(
        uid=fields.uid,
        departure_date=fields.port_date("departure"),
        mode=fields.text("mode").lower(),
        evidence_kind=kind,
        confidence=confidence,
        location=location,
        at=fields.moment("departure"),
    )


def _student(fields: _Fields) -> StudentRecord:
    return StudentRecord(
        uid=fields.uid,
        visa_class=fields.text("visa_class").upper(),
        program_start=fields.date("program_start", "event_date"),
        program_end=fields.date("program_end"),
        opt_end=fields.optional_date("opt_end"),
        student_status=fields.text("student_status", "active").lower(),
        termination_date=fields.optional_date("termination_date"),
        termination_reason=fields.optional_text("termination_reason"),
    )


def _benefit(fields: _Fields) -> Benefit:
    return Benefit(
        uid=fields.uid,
        form=fields.text("form").upper(),
        filed_date=fields.date("filed_date", "event_date"),
        decision=fields.text("decision", "pending").lower(),
        decision_date=fields.optional_date("decision_date"),
        new_class=fields.optional_text("new_class"),
        valid_until=fields.optional_date("valid_until"),
        timely_filed=fields.flag("timely_filed"),
        dob=fields.optional_date("dob"),
        frivolous=bool(fields.flag("frivolous")),
        parent_a_number=fields.optional_text("parent_a_number"),
        parent_name=fields.optional_text("parent_name"),
        parent_naturalised=fields.optional_date("parent_naturalisation_date"),
        parent_custody=fields.flag("parent_custody"),
    )


def _court(fields: _Fields) -> CourtCase:
    return CourtCase(
        uid=fields.uid,
        nta_date=fields.date("nta_date", "event_date"),
        decision=fields.text("decision", "pending").lower(),
        decision_date=fields.optional_date("decision_date"),
        appeal=fields.optional_text("appeal"),
        appeal_decision_date=fields.optional_date("appeal_decision_date"),
        in_absentia=bool(fields.flag("in_absentia")),
        vd_deadline=fields.optional_date("vd_deadline"),
    )


def _conviction(fields: _Fields) -> Conviction:
    return Conviction(
        uid=fields.uid,
        offence_category=fields.text("offence_category").lower(),
        severity=fields.text("severity").lower(),
        violent=bool(fields.flag("violent")),
        tco_related=bool(fields.flag("tco_related")),
        conviction_date=fields.date("conviction_date", "event_date"),
        dob=fields.optional_date("dob"),
    )


def _enforcement(fields: _Fields) -> EnforcementEvent:
    return EnforcementEvent(
        uid=fields.uid, kind=fields.text("kind").lower(), event_date=fields.date("event_date")
    )


def _visa(fields: _Fields) -> VisaIssuance:
    return VisaIssuance(
        uid=fields.uid,
        visa_class=fields.text("visa_class").upper(),
        issue_date=fields.date("issue_date", "event_date"),
    )


_BUILDERS: dict[str, Callable[[_Fields], RecordView]] = {
    "arrivals": _arrival,
    "departures": _departure,
    "students": _student,
    "benefits": _benefit,
    "court": _court,
    "criminal": _conviction,
    "enforcement": _enforcement,
    "visas": _visa,
}


def record_from_row(row: Mapping[str, Any]) -> RecordView:
    """Build the typed view of one staged ``records`` row.

    ``row`` maps column names to values; ``attrs`` may be a JSON string or a dict.
    Raises RecordError naming the record and field when a needed field is missing or invalid.
    """
    source = str(row.get("source") or "")
    builder = _BUILDERS.get(source)
    if builder is None:
        raise RecordError(
            f"record {row.get('record_uid')!r}: unknown source {source!r}; "
            f"expected one of {sorted(_BUILDERS)}"
        )
    return builder(_Fields(row))
