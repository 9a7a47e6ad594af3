"""How far a recorded departure can be trusted, and the checks on a re-entry after one.

``departure_verify`` gives one of three outcomes, each with a stable rule id
(``VERIFICATION_RULES``) and a reason that names the evidence:

- ``verified``: a boarding or biometric confirmation, or a land or self-reported exit with
  both a location at least 3 miles (4.8 km) outside the border and a face match;
- ``unverified`` ("departure detected"): a carrier manifest alone, an entry recorded by
  another country, or a land or self-reported exit without those two pieces;
- ``disputed``: a later record places the person in the United States after the departure,
  with no arrival in between. It outranks the evidence of the departure itself.

``reentry_checks`` flags an arrival after a removal or self-removal and an arrival while a
3- or 10-year bar for unlawful presence runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from immigrationos.departures import geography
from immigrationos.departures.errors import DeparturesError
from immigrationos.departures.schema import Event, Location
from immigrationos.status import rules as status_rules
from immigrationos.status.dates import age_on
from immigrationos.status.records import (
    Arrival,
    Conviction,
    CourtCase,
    EnforcementEvent,
    RecordView,
)
from immigrationos.status.stay import PRESENCE_KINDS as ENFORCEMENT_PRESENCE_KINDS

Outcome = Literal["verified", "unverified", "disputed"]

# The wording of each kind of presence record in a reason. The enforcement kinds are those
# that the status rules count as presence (``status.stay.PRESENCE_KINDS``).
PRESENCE_KINDS: Final[dict[str, str]] = {
    "encounter": "an enforcement encounter",
    "arrest": "an arrest",
    "detention": "a detention",
    "release": "a release from detention",
    "conviction": "a criminal conviction",
    "court_hearing": "a court hearing the person attended",
    "benefit_biometrics": "a benefit biometrics appointment",
}
_CONFIRMATIONS: Final[dict[str, str]] = {
    "biometric_confirmation": (
        "a biometric exit confirmation (face or fingerprints matched at departure)"
    ),
    "boarding_confirmation": "a boarding confirmation (boarding pass scanned at the gate)",
}
_LOCATED_EXITS: Final[dict[str, str]] = {
    "land_exit": "a land exit",
    "self_reported": "a self-reported exit",
}

VERIFICATION_RULES: Final[dict[str, tuple[Outcome, str]]] = {
    "departure_disputed_presence": (
        "disputed",
        "a record after the departure, before any new arrival, places the person in the "
        "United States",
    ),
    "departure_verified_biometric": ("verified", _CONFIRMATIONS["biometric_confirmation"]),
    "departure_verified_boarding": ("verified", _CONFIRMATIONS["boarding_confirmation"]),
    "departure_verified_located_exit": (
        "verified",
        "a land or self-reported exit with a location at least 4.8 km outside the border "
        "and a face match",
    ),
    "departure_unverified_manifest_only": (
        "unverified",
        "a carrier manifest only: listed as a passenger, boarding not confirmed",
    ),
    "departure_unverified_third_country": (
        "unverified",
        "an entry recorded by another country, with no exit record of the United States",
    ),
    "departure_unverified_exit_incomplete": (
        "unverified",
        "a land or self-reported exit without a location far enough outside the border or "
        "without a face match",
    ),
    "departure_unverified_unknown_evidence": ("unverified", "an evidence kind with no rule"),
}


@dataclass(frozen=True, slots=True)
class DepartureEvidence:
    """The facts of a departure that the rules read: record uid, local date and evidence."""

    uid: str
    departure_date: date
    evidence_kind: str
    location: Location | None = None
    face_match: bool | None = None


@dataclass(frozen=True, slots=True)
class PresenceRecord:
    """A record that places the person in the United States on a date.

    ``kind`` is a key of ``PRESENCE_KINDS``. Use it for what ``status.records`` has no view
    of, such as a benefit biometrics appointment.
    """

    uid: str
    kind: str
    on: date


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome for one departure, the rule that gave it and the evidence record uids."""

    outcome: Outcome
    rule_id: str
    reason: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReentryFlag:
    """A legal problem with an arrival, with its reason and the law it rests on."""

    code: str
    reason: str
    citation: str


def departure_evidence_from_event(event: Event) -> DepartureEvidence:
    """Return the evidence of a departure event.

    Raises DeparturesError for an arrival event.
    """
    if event.kind != "departure":
        raise DeparturesError(
            f"event {event.event_id!r} is an {event.kind}, not a departure; only departures "
            "are verified"
        )
    return DepartureEvidence(
        uid=event.record_uid,
        departure_date=event.local_date,
        evidence_kind=event.evidence_kind,
        location=event.location,
        face_match=event.face_match,
    )


def departure_verify(
    *,
    departure: Event | DepartureEvidence,
    later_records: Sequence[RecordView | PresenceRecord],
) -> Verification:
    """Decide how far a departure can be trusted.

    ``later_records`` are the person's other records; any of them may be passed, and only
    those dated after the departure's local date count. A record of presence dated after the
    departure and before the next arrival disputes it. Enforcement encounters, arrests,
    detentions and releases, convictions and court decisions given in the person's presence
    count, as does a ``PresenceRecord``. An arrival on or after the departure date is a
    re-entry: it explains presence from its date on and is never itself a dispute.
    Raises DeparturesError for an arrival event.
    """
    evidence = (
        departure
        if isinstance(departure, DepartureEvidence)
        else departure_evidence_from_event(departure)
    )
    base = _evidence_verification(evidence)
    presence = _presence_after(evidence.departure_date, later_records)
    if not presence:
        return base
    return _disputed(evidence, presence, base)


def presence_records_from(records: Iterable[RecordView]) -> list[PresenceRecord]:
    """Return the records among ``records`` that place the person in the United States.

    NOTE: a benefit filing is not counted, because it can be mailed from abroad. Only a
    biometrics appointment, passed as a PresenceRecord, places the person here. The status
    rules (``status.stay``) do count filings, so they may flag a departure as disputed
    where ``departure_verify`` does not.
    """
    presence: list[PresenceRecord] = []
    for record in records:
        if isinstance(record, EnforcementEvent) and record.kind in ENFORCEMENT_PRESENCE_KINDS:
            presence.append(PresenceRecord(record.uid, record.kind, record.event_date))
        elif isinstance(record, Conviction):
            presence.append(PresenceRecord(record.uid, "conviction", record.conviction_date))
        elif isinstance(record, CourtCase) and record.decision_date and not record.in_absentia:
            presence.append(PresenceRecord(record.uid, "court_hearing", record.decision_date))
    return presence


def reentry_checks(
    *,
    arrival_date: date,
    person_status: str,
    status_since: date | None,
    reentry_bar: str | None,
    reentry_bar_until: date | None,
) -> list[ReentryFlag]:
    """Flag the legal problems of an arrival, from the person's status before it.

    ``person_status`` and ``status_since`` are the status as derived before this arrival;
    ``reentry_bar`` ("3_year", "10_year" or empty) and ``reentry_bar_until`` the
    unlawful-presence bar a departure triggered. Returns no flags for a lawful re-entry.
    Raises ValueError for an unknown ``reentry_bar``.
    """
    flags: list[ReentryFlag] = []
    removal = _removal_flag(arrival_date, person_status, status_since)
    if removal is not None:
        flags.append(removal)
    bar = _bar_flag(arrival_date, reentry_bar or "", reentry_bar_until)
    if bar is not None:
        flags.append(bar)
    return flags


def _evidence_verification(evidence: DepartureEvidence) -> Verification:
    kind = evidence.evidence_kind
    named = f"departure {evidence.uid} on {evidence.departure_date.isoformat()}"
    uids = (evidence.uid,)
    if kind in _CONFIRMATIONS:
        rule_id = f"departure_verified_{kind.removesuffix('_confirmation')}"
        return Verification(
            "verified", rule_id, f"{named} is verified by {_CONFIRMATIONS[kind]}", uids
        )
    if kind in _LOCATED_EXITS:
        return _located_exit_verification(evidence, named)
    if kind == "carrier_manifest":
        reason = (
            f"{named} was detected on a carrier manifest only: the person was listed as a "
            "passenger, but no boarding or biometric confirmation is recorded"
        )
        return Verification("unverified", "departure_unverified_manifest_only", reason, uids)
    if kind == "third_country_entry":
        reason = (
            f"{named} was detected through an entry recorded by another country; no exit "
            "record of the United States confirms it"
        )
        return Verification("unverified", "departure_unverified_third_country", reason, uids)
    reason = f"{named} has the evidence kind {kind!r}, for which no rule verifies a departure"
    return Verification("unverified", "departure_unverified_unknown_evidence", reason, uids)


def _located_exit_verification(evidence: DepartureEvidence, named: str) -> Verification:
    exit_kind = _LOCATED_EXITS[evidence.evidence_kind]
    missing = [*_location_gaps(evidence.location), *_face_match_gaps(evidence.face_match)]
    if missing:
        reason = f"{named} was detected by {exit_kind} but is not verified: {'; '.join(missing)}"
        return Verification(
            "unverified", "departure_unverified_exit_incomplete", reason, (evidence.uid,)
        )
    assert evidence.location is not None
    distance = geography.border_distance_km(evidence.location.latitude, evidence.location.longitude)
    reason = (
        f"{named} is verified by {exit_kind} at {evidence.location.text()}, {distance:.1f} km "
        "outside the border, with the traveller's photo matching the travel document"
    )
    return Verification("verified", "departure_verified_located_exit", reason, (evidence.uid,))


def _location_gaps(location: Location | None) -> list[str]:
    if location is None:
        return ["no location was given"]
    lat, lon = location.latitude, location.longitude
    if geography.inside_united_states(lat, lon):
        return [f"the location {location.text()} is inside the United States"]
    if geography.outside_border_by(lat, lon, geography.EXIT_DISTANCE_KM):
        return []
    distance = geography.border_distance_km(lat, lon)
    needed = geography.EXIT_DISTANCE_KM + geography.BORDER_MARGIN_KM
    return [
        f"the location {location.text()} is {distance:.1f} km from the border, under the "
        f"{needed:.1f} km needed to place it {geography.EXIT_DISTANCE_KM} km outside on a "
        f"border map that can be {geography.BORDER_MARGIN_KM:.0f} km off"
    ]


def _face_match_gaps(face_match: bool | None) -> list[str]:
    if face_match is None:
        return ["no face match was recorded"]
    if not face_match:
        return ["the traveller's photo did not match the travel document (face_match false)"]
    return []


def _presence_after(
    departed: date, records: Sequence[RecordView | PresenceRecord]
) -> list[PresenceRecord]:
    """Return presence records dated after ``departed`` and before the next arrival."""
    # Records carry dates only, so an arrival on the departure day may have come after the
    # departure. It is taken as a re-entry rather than risk a false dispute.
    reentries = [
        record.admission_date
        for record in records
        if isinstance(record, Arrival) and record.admission_date >= departed
    ]
    reentry = min(reentries, default=None)
    views = [record for record in records if not isinstance(record, PresenceRecord)]
    given = [record for record in records if isinstance(record, PresenceRecord)]
    presence = [*given, *presence_records_from(views)]
    found = [
        record
        for record in presence
        if record.on > departed and (reentry is None or record.on < reentry)
    ]
    return sorted(found, key=lambda record: (record.on, record.uid))


def _disputed(
    evidence: DepartureEvidence, presence: list[PresenceRecord], base: Verification
) -> Verification:
    listed = ", ".join(
        f"{PRESENCE_KINDS.get(record.kind, record.kind)} ({record.uid}) on {record.on.isoformat()}"
        for record in presence
    )
    reason = (
        f"departure {evidence.uid} on {evidence.departure_date.isoformat()} is disputed: "
        f"{listed} placed the person in the United States after it, with no arrival recorded "
        f"in between; check the departure record and the identity link (the departure "
        f"evidence alone is {base.outcome}, rule {base.rule_id})"
    )
    uids = (evidence.uid, *(record.uid for record in presence))
    return Verification("disputed", "departure_disputed_presence", reason, uids)


def _removal_flag(arrival: date, status: str, since: date | None) -> ReentryFlag | None:
    """Flag an arrival after a removal, or after a departure under a final order.

    Under INA 212(a)(9)(A)(i)-(ii), a person removed on arrival is inadmissible for 5
    years. After another removal, or a departure while a removal order is outstanding, the
    bar is 10 years. It is 20 years after a second removal and has no end after an
    aggravated felony. Consent to reapply (INA 212(a)(9)(A)(iii), Form I-212) lifts it.
    INA 276(a) makes entering or being found in the United States without that consent a
    crime, and INA 101(g) counts a departure under an order as a removal.
    """
    if status == status_rules.REMOVED:
        event, code, citation = "a removal", "reentry_after_removal", "INA 212(a)(9)(A); INA 276(a)"
    elif status == status_rules.SELF_DEPARTED:
        event = "a departure under a final order of removal, which counts as a removal"
        code, citation = (
            "reentry_after_self_removal",
            "INA 101(g); INA 212(a)(9)(A)(ii); INA 276(a)",
        )
    else:
        return None
    if since is not None and since > arrival:
        return None
    when = "" if since is None else f" on {since.isoformat()}"
    years = None if since is None else age_on(dob=since, on=arrival)
    if years is not None and years >= 10:
        period = (
            f"{years} years have passed, so the person is inadmissible only after a second "
            "removal or an aggravated felony"
        )
    else:
        period = (
            "the person is inadmissible for 10 years (5 after a removal on arrival, 20 after "
            "a second removal, at any time after an aggravated felony)"
        )
    reason = (
        f"arrival on {arrival.isoformat()} after {event}{when}: {period}, unless consent to "
        "reapply (Form I-212) was granted, and re-entry without it is a crime; check the "
        "removal history and any consent"
    )
    return ReentryFlag(code, reason, citation)


def _bar_flag(arrival: date, bar: str, until: date | None) -> ReentryFlag | None:
    """Flag an arrival while a bar for unlawful presence runs, INA 212(a)(9)(B)(i).

    A waiver under INA 212(a)(9)(B)(v) can lift the bar, so the reason names it for checking.
    """
    citations = {
        status_rules.BAR_3_YEAR: ("3-year", "INA 212(a)(9)(B)(i)(I)"),
        status_rules.BAR_10_YEAR: ("10-year", "INA 212(a)(9)(B)(i)(II)"),
    }
    if not bar:
        return None
    if bar not in citations:
        raise ValueError(
            f"reentry_bar {bar!r} is not a bar: expected '', "
            f"{status_rules.BAR_3_YEAR!r} or {status_rules.BAR_10_YEAR!r}"
        )
    length, citation = citations[bar]
    if until is not None and arrival > until:
        return None
    runs = "with no recorded end date" if until is None else f"until {until.isoformat()}"
    reason = (
        f"arrival on {arrival.isoformat()} falls within the {length} bar for unlawful "
        f"presence, which runs {runs}: the person is inadmissible unless a waiver "
        "(INA 212(a)(9)(B)(v)) was granted"
    )
    return ReentryFlag("reentry_during_unlawful_presence_bar", reason, citation)
