"""Generate departure and arrival events of a synthetic population, as producers send them.

The events follow ``departures.schema.EventIn``, and each has one of five roles:

- ``departure_known``: a person of the population who is in the country leaves;
- ``departure_unknown``: a person the store has never seen leaves (a new person drawn by
  ``synth.people``, with an index past the population's, so ids and passports stay unique);
- ``arrival_reentry``: a traveller who left earlier in the same file comes back;
- ``arrival_known`` and ``arrival_unknown``: a person outside the country (or a new person)
  is admitted.

A share of events carries one identity defect of the kinds batch records have (a typo in a
name, another romanisation, a missing passport, day and month of birth swapped), applied by
``synth.defects``. Names are written as passport zones print them, often without diacritics
or in capitals. The truth maps each event id to the true person id, so that tests and the
benchmark measure match accuracy. The same population, options and seed give the same
events, byte for byte.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from immigrationos.sources.ports import PORTS
from immigrationos.synth import names
from immigrationos.synth.defects import IdentityWriter
from immigrationos.synth.errors import InvalidArgumentError
from immigrationos.synth.event_places import (
    DEPARTURE_EVIDENCE,
    FACE_MATCH_SHARE,
    OUTSIDE_SHARE,
    VISA_WAIVER_NATIONALITIES,
    location_draw,
    place_draw,
    weighted,
)
from immigrationos.synth.identity import DefectCounter, Person
from immigrationos.synth.lifecycles.common import VISA_WAIVER_DAYS, VISITOR_DAYS
from immigrationos.synth.people import person_identity
from immigrationos.synth.population import PlannedPerson
from immigrationos.synth.rates import PROFILES
from immigrationos.synth.travellers import Population, Traveller

DEPARTURE_KNOWN = "departure_known"
DEPARTURE_UNKNOWN = "departure_unknown"
ARRIVAL_REENTRY = "arrival_reentry"
ARRIVAL_KNOWN = "arrival_known"
ARRIVAL_UNKNOWN = "arrival_unknown"
ROLES = (DEPARTURE_KNOWN, DEPARTURE_UNKNOWN, ARRIVAL_REENTRY, ARRIVAL_KNOWN, ARRIVAL_UNKNOWN)

# The defects one event may carry; "missing_passport" drops the passport number.
NAME_TYPO = "name_typo"
TRANSLITERATION = "transliteration_variant"
MISSING_PASSPORT = "missing_passport"
DOB_SWAP = "dob_day_month_swap"
DEFECT_KINDS = (NAME_TYPO, TRANSLITERATION, MISSING_PASSPORT, DOB_SWAP)

# Share of arrivals that bring back a traveller who left earlier in the file, when one has.
REENTRY_SHARE = 0.5
# Lifecycles whose nationality mix new, unknown travellers are drawn from.
UNKNOWN_LIFECYCLES = ("visitor_visa_waiver", "visitor_other", "visitor_mexico", "visitor_canada")
DEFAULT_INTERVAL = timedelta(seconds=30)
TRUTH_COLUMNS = ("event_id", "person_id", "role", "defect")

# Passport zones print names without diacritics or in capitals at the default profile's
# rates; identity defects are off unless an event draws one.
_PASSPORT_STYLE = replace(
    PROFILES["clean"],
    diacritics_folded=PROFILES["default"].diacritics_folded,
    diacritics_transcribed=PROFILES["default"].diacritics_transcribed,
    upper_case_name=PROFILES["default"].upper_case_name,
)


@dataclass(frozen=True)
class EventOptions:
    """How many events to generate and their mix.

    ``start`` is the earliest timestamp; None starts ``count * interval`` before midnight
    (UTC) of the population's as-of date, so that the last event falls on that midnight.
    Consecutive events are ``interval`` apart on average. ``unknown_share`` is the share of
    departures (and of arrivals that are not re-entries) by persons unknown to the store,
    ``arrival_share`` the share of arrivals among all events and ``defect_rate`` the share of
    events with one identity defect.
    """

    count: int
    seed: int
    start: datetime | None = None
    interval: timedelta = DEFAULT_INTERVAL
    unknown_share: float = 0.1
    arrival_share: float = 0.15
    defect_rate: float = 0.2


@dataclass(frozen=True)
class EventTruth:
    """The true person behind one event, the event's role and its defect ("" for none)."""

    event_id: str
    person_id: str
    role: str
    defect: str


@dataclass
class GeneratedEvents:
    """Events in time order, with the truth of each."""

    events: list[dict[str, Any]] = field(default_factory=list)
    truth: list[EventTruth] = field(default_factory=list)

    def summary(self) -> str:
        """Return counts per role, evidence kind and defect, one line each."""
        roles = Counter(item.role for item in self.truth)
        evidence = Counter(event["evidence_kind"] for event in self.events)
        defects = Counter(item.defect for item in self.truth if item.defect)
        lines = [f"{len(self.events):,} events"]
        lines += [f"  {role:<22} {roles[role]:>8,}" for role in ROLES]
        lines.append("evidence kinds")
        lines += [f"  {kind:<22} {count:>8,}" for kind, count in sorted(evidence.items())]
        lines.append("defects")
        lines += [f"  {kind:<22} {defects[kind]:>8,}" for kind in DEFECT_KINDS]
        return "\n".join(lines)


def events_generate(*, population: Population, options: EventOptions) -> GeneratedEvents:
    """Return ``options.count`` events of ``population``, deterministic by ``options.seed``.

    Raises InvalidArgumentError for a count below 1, a share outside 0 to 1, an interval that
    is not positive, a naive start time, or a population with fewer persons in the country
    than the departures of known persons need.
    """
    _options_check(options)
    rng = random.Random(f"{options.seed}:events")
    state = _State(population=population, rng=rng)
    start = options.start or _default_start(population.as_of, options)
    generated = GeneratedEvents()
    seconds = options.interval.total_seconds()
    for number in range(1, options.count + 1):
        stamp = start + timedelta(seconds=seconds * (number - 1 + rng.random()))
        if rng.random() < options.arrival_share:
            role, traveller = state.arrival(unknown_share=options.unknown_share)
        else:
            role, traveller = state.departure(unknown_share=options.unknown_share)
        event_id = f"synth-{options.seed}-{number:07d}"
        wanted = _defect_choose(traveller, rng) if rng.random() < options.defect_rate else ""
        kind = "departure" if role.startswith("departure") else "arrival"
        event, defect = _event_build(
            event_id=event_id, kind=kind, traveller=traveller, stamp=stamp, defect=wanted, rng=rng
        )
        if kind == "departure":
            state.departed.append(traveller)
        generated.events.append(event)
        generated.truth.append(EventTruth(event_id, traveller.person.person_id, role, defect))
    return generated


def events_write(*, generated: GeneratedEvents, out: Path, truth: Path | None = None) -> None:
    """Write the events to ``out`` as JSON Lines, and their truth to ``truth`` as CSV."""
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for event in generated.events:
            handle.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
    if truth is None:
        return
    with truth.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TRUTH_COLUMNS)
        for item in generated.truth:
            writer.writerow([item.event_id, item.person_id, item.role, item.defect])


def truth_read(path: Path) -> list[EventTruth]:
    """Read a truth file written by ``events_write``."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            EventTruth(row["event_id"], row["person_id"], row["role"], row["defect"])
            for row in csv.DictReader(handle)
        ]


def _options_check(options: EventOptions) -> None:
    problems = []
    if options.count < 1:
        problems.append(f"count {options.count!r} must be at least 1")
    for name in ("unknown_share", "arrival_share", "defect_rate"):
        value = getattr(options, name)
        if not 0.0 <= value <= 1.0:
            problems.append(f"{name} {value!r} must be between 0 and 1")
    if options.interval <= timedelta(0):
        problems.append(f"interval {options.interval.total_seconds()!r} s must be positive")
    if options.start is not None and options.start.tzinfo is None:
        problems.append(
            f"start {options.start.isoformat()!r} has no UTC offset; give one, for example "
            "2026-12-04T08:00:00+00:00"
        )
    if problems:
        raise InvalidArgumentError("invalid event options: " + "; ".join(problems))


def _default_start(as_of: date, options: EventOptions) -> datetime:
    midnight = datetime.combine(as_of, time(0), tzinfo=UTC)
    return midnight - options.interval * options.count


@dataclass(frozen=True)
class _Traveller:
    """A person who travels in the events, with the passport (number, country) they carry."""

    person: Person
    passport: tuple[str, str] | None


class _State:
    """The travellers still available: known persons in and out of the country, and who left."""

    def __init__(self, *, population: Population, rng: random.Random) -> None:
        self._population = population
        self._rng = rng
        ordered = sorted(population.travellers.values(), key=lambda t: t.person_id)
        self._inside = [t for t in ordered if t.in_country]
        self._outside = [t for t in ordered if not t.in_country]
        rng.shuffle(self._inside)
        rng.shuffle(self._outside)
        self._new_persons = 0
        self.departed: list[_Traveller] = []

    def departure(self, *, unknown_share: float) -> tuple[str, _Traveller]:
        if self._rng.random() < unknown_share:
            return DEPARTURE_UNKNOWN, self._new_traveller()
        if not self._inside:
            inside = sum(t.in_country for t in self._population.travellers.values())
            raise InvalidArgumentError(
                f"the population has {inside:,} persons in the country, too few for this many "
                "departures of known persons; generate a larger population or ask for fewer "
                "events"
            )
        return DEPARTURE_KNOWN, _known_traveller(self._inside.pop())

    def arrival(self, *, unknown_share: float) -> tuple[str, _Traveller]:
        if self.departed and self._rng.random() < REENTRY_SHARE:
            index = self._rng.randrange(len(self.departed))
            return ARRIVAL_REENTRY, self.departed.pop(index)
        if self._outside and self._rng.random() >= unknown_share:
            return ARRIVAL_KNOWN, _known_traveller(self._outside.pop())
        return ARRIVAL_UNKNOWN, self._new_traveller()

    def _new_traveller(self) -> _Traveller:
        """Draw a person outside the population, numbered after the population's persons."""
        index = self._population.persons + self._new_persons
        self._new_persons += 1
        planned = PlannedPerson(index=index, lifecycle=self._rng.choice(UNKNOWN_LIFECYCLES))
        person = person_identity(
            planned=planned,
            seed=self._population.seed,
            offsets=_population_offsets(self._population.seed),
        )
        # The store has never seen this person, so no A-number was ever issued to them.
        person.a_number = ""
        return _Traveller(person=person, passport=(person.passport_no, person.nationality))


def _population_offsets(seed: int) -> tuple[int, int, int]:
    """Return the passport, A-number and FBI number offsets of the population of ``seed``.

    NOTE: this repeats the first three draws of ``generator.generate``. With the same offsets
    a new person's numbers, at an index past the population, never repeat a population's.
    """
    master = random.Random(seed)
    return master.randrange(10**7), master.randrange(10**8), master.randrange(10**7)


def _known_traveller(traveller: Traveller) -> _Traveller:
    """Return a known traveller as the ``Person`` that ``IdentityWriter`` writes records of."""
    locale = names.NATIONALITY_LOCALE.get(traveller.nationality, "en")
    paternal, maternal = traveller.family, ""
    if names.LOCALES[locale].compound_surname and " " in traveller.family:
        paternal, maternal = traveller.family.split(" ", 1)
    person = Person(
        index=traveller.index,
        person_id=traveller.person_id,
        locale=locale,
        sex=traveller.sex,
        given=traveller.given,
        family=traveller.family,
        paternal=paternal,
        maternal=maternal,
        dob=traveller.dob,
        nationality=traveller.nationality,
        country_of_birth=traveller.nationality,
        passport_no=traveller.passport[0] if traveller.passport else "",
        a_number=traveller.a_number or "",
    )
    return _Traveller(person=person, passport=traveller.passport)


def _defect_choose(traveller: _Traveller, rng: random.Random) -> str:
    """Draw one defect among those that can change this traveller's record."""
    person = traveller.person
    kinds = [NAME_TYPO]
    if person.given in names.TRANSLITERATIONS or person.paternal in names.TRANSLITERATIONS:
        kinds.append(TRANSLITERATION)
    if traveller.passport is not None:
        kinds.append(MISSING_PASSPORT)
    if person.dob.day <= 12 and person.dob.day != person.dob.month:
        kinds.append(DOB_SWAP)
    return rng.choice(kinds)


def _identity(
    *, traveller: _Traveller, source: str, on: date, defect: str, rng: random.Random
) -> tuple[dict[str, Any], str]:
    """Return the identity fields of one event, passport-style, and the defect applied.

    The defect applied is "" when ``defect`` could not change this record (a DOB swap that
    would put birth after the event).
    """
    rates = _PASSPORT_STYLE
    if defect in (NAME_TYPO, TRANSLITERATION, DOB_SWAP):
        rates = replace(rates, **{defect: 1.0})
    writer = IdentityWriter(rates=rates, counter=DefectCounter())
    columns = writer.columns(
        person=traveller.person, source=source, on=on, rng=rng, passport=traveller.passport
    )
    dob = columns["dob"]
    identity: dict[str, Any] = {
        "given_name": columns["given_name"],
        "family_name": columns["family_name"],
        "dob": dob.isoformat() if isinstance(dob, date) else None,
        "sex": columns["sex"],
        "nationality": columns["nationality"],
        "passport_no": None,
        "passport_country": None,
    }
    if traveller.passport is not None and defect != MISSING_PASSPORT:
        identity["passport_no"] = columns["passport_no"]
        identity["passport_country"] = columns["passport_country"]
    applied = defect
    if defect != MISSING_PASSPORT and not writer.counter.injected.get(defect):
        applied = ""
    return identity, applied


def _event_build(
    *,
    event_id: str,
    kind: str,
    traveller: _Traveller,
    stamp: datetime,
    defect: str,
    rng: random.Random,
) -> tuple[dict[str, Any], str]:
    """Return one event (None values left out) and the defect it carries."""
    person = traveller.person
    place = place_draw(nationality=person.nationality, rng=rng)
    local = stamp.astimezone(ZoneInfo(PORTS[place.port].tz))
    evidence = "admission"
    if kind == "departure":
        evidence = weighted(DEPARTURE_EVIDENCE[place.mode], rng)
    identity, applied = _identity(
        traveller=traveller,
        source="departures" if kind == "departure" else "arrivals",
        on=local.date(),
        defect=defect,
        rng=rng,
    )
    event: dict[str, Any] = {
        "event_id": event_id,
        "kind": kind,
        "evidence_kind": evidence,
        "timestamp": local.isoformat(timespec="seconds"),
        "port": place.port,
        "port_tz": PORTS[place.port].tz,
        "mode": place.mode,
        "carrier": place.carrier,
        **identity,
    }
    if evidence in ("land_exit", "self_reported"):
        latitude, longitude = location_draw(
            port=place.port, outside=rng.random() < OUTSIDE_SHARE, rng=rng
        )
        event["location"] = {"latitude": latitude, "longitude": longitude}
        event["face_match"] = rng.random() < FACE_MATCH_SHARE
        # Someone reporting their own exit without a passport gives their A-number.
        if evidence == "self_reported" and person.a_number and not event["passport_no"]:
            event["a_number"] = person.a_number
    elif evidence == "biometric_confirmation":
        event["face_match"] = True
    if kind == "arrival":
        waiver = person.nationality in VISA_WAIVER_NATIONALITIES
        event["class_of_admission"] = "WT" if waiver else "B2"
        days = VISA_WAIVER_DAYS if waiver else VISITOR_DAYS
        event["admit_until"] = (local.date() + timedelta(days=days)).isoformat()
    return {key: value for key, value in event.items() if value is not None}, applied
