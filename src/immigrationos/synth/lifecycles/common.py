"""Shared pieces of every lifecycle: truth, the drawing context, trips and visas."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from immigrationos.synth import calibration
from immigrationos.synth.identity import Person
from immigrationos.synth.population import PlannedPerson
from immigrationos.synth.records import AIR_PORTS, AORS, LAND_PORTS, SEA_PORTS, PersonRecords
from immigrationos.synth.relatives import RelativePool

DAY = timedelta(days=1)
HOUSEHOLD_TRIPS_FROM = date(2021, 1, 1)
# Authorised stays, as days from the admission to the last authorised day. Visa Waiver
# travellers get 90 days counting the admission day (8 U.S.C. 1187(a)(1)), so the last day
# is 89 days after it. A B-2 visitor issued an I-94 is admitted for at least six months
# (8 CFR 214.2(b)(2)), and the generator gives B-1 visitors and I-94s at land ports the
# same six months.
VISA_WAIVER_DAYS = 89
VISITOR_DAYS = 182
# Grace periods after a programme ends: F-1 60 days (8 CFR 214.2(f)(5)(iv)), J-1 30 days
# (8 CFR 214.2(j)(1)(ii)), M-1 30 days (8 CFR 214.2(m)(5)).
STUDENT_GRACE_DAYS = {"F1": 60, "J1": 30, "M1": 30}
# Voluntary departure granted at the end of proceedings: at most 60 days (8 U.S.C.
# 1229c(b)(2)).
VOLUNTARY_DEPARTURE_DAYS = 60
POSTS = {
    "MEX": "Mexico City",
    "BRA": "Sao Paulo",
    "IND": "New Delhi",
    "CHN": "Beijing",
    "COL": "Bogota",
    "PHL": "Manila",
    "VNM": "Ho Chi Minh City",
    "EGY": "Cairo",
    "MAR": "Casablanca",
    "JOR": "Amman",
    "PAK": "Islamabad",
    "RUS": "Moscow",
    "UKR": "Kyiv",
    "HTI": "Port-au-Prince",
    "VEN": "Bogota",
    "GTM": "Guatemala City",
    "HND": "Tegucigalpa",
    "SLV": "San Salvador",
    "SYR": "Amman",
}


@dataclass(frozen=True)
class Conviction:
    """One conviction as the person's truth records it."""

    category: str
    severity: str
    violent: bool
    tco: bool


@dataclass
class Truth:
    """The person's true status on the as-of date and what it rests on."""

    lifecycle: str
    status: str = "unknown"
    since: date | None = None
    protection: str = ""
    convictions: list[Conviction] = field(default_factory=list)
    cohort_group: str = ""
    cohort_outcome: str = ""


@dataclass
class Life:
    """Everything a lifecycle function reads and writes for one person."""

    person: Person
    plan: PlannedPerson
    rng: random.Random
    out: PersonRecords
    as_of: date
    truth: Truth
    # The stream every member of the person's household draws the shared trip from.
    shared_rng: random.Random
    # Relatives that applications name, and the stream their draws use, so that naming a
    # relative shifts no other draw of the person.
    relatives: RelativePool
    relation_rng: random.Random

    def set_status(self, status: str, since: date, protection: str = "") -> None:
        self.truth.status, self.truth.since, self.truth.protection = status, since, protection

    def days_ago(self, low: int, high: int) -> date:
        """Draw a date between ``high`` and ``low`` days before the as-of date."""
        return self.as_of - timedelta(days=self.rng.randint(low, high))


def in_cohort_window(end: date) -> bool:
    return calibration.FY_START <= end <= calibration.FY_END


def avoid_cohort(admitted: date, stay_days: int, *, as_of: date) -> date:
    """Move an admission so its authorised stay does not end in the calibrated cohort.

    Only the planned cohort admissions may end in FY2024, or the measured rates drift.
    """
    end = admitted + timedelta(days=stay_days)
    if not in_cohort_window(end):
        return admitted
    later = admitted + (calibration.FY_END - end) + timedelta(days=30)
    if later <= as_of:
        return later
    return admitted - (end - calibration.FY_START) - timedelta(days=30)


def air_or_sea(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.04:
        return "sea", rng.choice(SEA_PORTS)
    return "air", rng.choice(AIR_PORTS)


def exit_port(rng: random.Random, mode: str, border: str = "") -> str:
    if mode == "land":
        return rng.choice(LAND_PORTS[border])
    return rng.choice(SEA_PORTS if mode == "sea" else AIR_PORTS)


def visa_for(life: Life, *, visa_class: str, before: date, years: int = 10) -> None:
    issued = before - timedelta(days=life.rng.randint(14, 400))
    # A child's visa is issued after birth, however soon before the trip.
    issued = max(issued, min(life.person.dob + DAY, before))
    post = POSTS.get(life.person.nationality, f"Consulate {life.person.nationality}")
    life.out.visa(visa_class=visa_class, issued=issued, years=years, post=post)


def add_trip(
    life: Life,
    *,
    admitted: date,
    stay_days: int | None,
    admission_class: str,
    mode: str,
    port: str,
    departed: date | None,
    border: str = "",
) -> None:
    """Add an admission and, when ``departed`` is on or before the as-of date, its exit."""
    until = None if stay_days is None else admitted + timedelta(days=stay_days)
    passport = None
    second = life.person.second_passport
    if second is not None and life.rng.random() < 0.3:
        passport = second
    life.out.arrival(
        on=admitted,
        admission_class=admission_class,
        admit_until=until,
        mode=mode,
        port=port,
        passport=passport,
    )
    if departed is not None and departed <= life.as_of:
        life.out.departure(on=departed, mode=mode, port=exit_port(life.rng, mode, border))


def leave(life: Life, *, on: date, mode: str = "air") -> None:
    """Depart by air or sea on ``on`` and set the status to departed."""
    port = exit_port(life.rng, mode)
    life.out.departure(on=on, mode=mode, port=port)
    life.set_status("departed", on)


def encounter(life: Life, *, on: date, released: bool = True) -> str:
    aor = life.rng.choice(AORS)
    life.out.enforcement(kind="encounter", on=on, aor=aor)
    if released:
        life.out.enforcement(
            kind="release", on=on + timedelta(days=life.rng.randint(0, 20)), aor=aor
        )
    return aor


def entry(life: Life, *, before: date) -> date:
    """Enter as a visitor who stays on (half) or without inspection; return the entry date."""
    entered = before - timedelta(days=life.rng.randint(20, 300))
    if life.rng.random() < 0.5:
        entered = avoid_cohort(entered, VISITOR_DAYS, as_of=before)
        mode, port = air_or_sea(life.rng)
        visa_for(life, visa_class="B1/B2", before=entered)
        add_trip(
            life,
            admitted=entered,
            stay_days=VISITOR_DAYS,
            admission_class="B2",
            mode=mode,
            port=port,
            departed=None,
        )
    else:
        encounter(life, on=entered + timedelta(days=life.rng.randint(0, 3)))
    return entered
