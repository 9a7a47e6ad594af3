"""Visitors: Visa Waiver, B-1/B-2, Mexican and Canadian travellers, and households."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from immigrationos.synth import calibration
from immigrationos.synth.identity import random_date
from immigrationos.synth.lifecycles.common import (
    DAY,
    HOUSEHOLD_TRIPS_FROM,
    VISA_WAIVER_DAYS,
    VISITOR_DAYS,
    Life,
    add_trip,
    air_or_sea,
    avoid_cohort,
    exit_port,
    visa_for,
)
from immigrationos.synth.records import LAND_PORTS


@dataclass(frozen=True)
class _VisitorKind:
    classes: tuple[str, ...]
    stay_days: int
    visa: bool
    border: str = ""


_VISITOR_KINDS = {
    "visitor_visa_waiver": _VisitorKind(("WT", "WT", "WT", "WB"), VISA_WAIVER_DAYS, False),
    "visitor_other": _VisitorKind(("B2", "B2", "B2", "B1"), VISITOR_DAYS, True),
    "visitor_mexico": _VisitorKind(("B2", "B2", "B1"), VISITOR_DAYS, True, "MX"),
    "visitor_canada": _VisitorKind(("B2",), VISITOR_DAYS, False, "CA"),
    "pending_extension": _VisitorKind(("B2",), VISITOR_DAYS, True),
}


_Trip = tuple[date, date | None, str, str]  # admitted, departed or None, mode, port


def visitor(life: Life) -> None:
    """Draw a visitor's trips: a FY2024 cohort trip if planned, and others in other years."""
    kind = _VISITOR_KINDS[life.plan.lifecycle]
    rng = life.rng
    if life.plan.household_head is not None:
        _household_trip(life, kind)
        return

    trips: list[_Trip] = []
    window_start = life.as_of - timedelta(days=8 * 365)
    if life.plan.cohort_outcome:
        cohort = _cohort_trip(life, kind)
        trips += _trips_between(
            life,
            kind,
            start=window_start,
            end=cohort[0] - timedelta(days=30),
            count=rng.randint(0, 2),
        )
        trips.append(cohort)
        if cohort[1] is not None:
            trips += _trips_between(
                life,
                kind,
                start=cohort[1] + timedelta(days=30),
                end=life.as_of,
                count=rng.randint(0, 2),
            )
    else:
        trips += _trips_between(
            life, kind, start=window_start, end=life.as_of, count=rng.randint(1, 3)
        )
    if not trips:
        trips.append(_other_trip(life, kind, life.as_of - timedelta(days=rng.randint(30, 900))))

    if kind.visa:
        visa_for(life, visa_class="B1/B2", before=trips[0][0])
    for admitted, departed, mode, port in trips:
        add_trip(
            life,
            admitted=admitted,
            stay_days=kind.stay_days,
            admission_class=rng.choice(kind.classes),
            mode=mode,
            port=port,
            departed=departed,
            border=kind.border,
        )
    _visitor_status(life, trips, kind)


def _cohort_trip(life: Life, kind: _VisitorKind) -> _Trip:
    """Draw the FY2024 cohort trip with the outcome the quota assigned."""
    rng = life.rng
    cohort_end = random_date(rng, calibration.FY_START, calibration.FY_END)
    admitted = cohort_end - timedelta(days=kind.stay_days)
    mode, port = air_or_sea(rng)
    outcome = life.plan.cohort_outcome
    departed: date | None = None
    if outcome == "timely":
        departed = admitted + timedelta(days=rng.randint(3, kind.stay_days))
    elif outcome == "out_of_country":
        departed = cohort_end + timedelta(days=rng.randint(1, 240))
    life.truth.cohort_group = life.plan.cohort_group
    life.truth.cohort_outcome = outcome
    return admitted, departed, mode, port


def _trips_between(
    life: Life, kind: _VisitorKind, *, start: date, end: date, count: int
) -> list[_Trip]:
    """Draw up to ``count`` trips one after another between ``start`` and ``end``.

    Only the last trip of a life may still be open on ``end``. A trip drawn before the
    cohort trip must be over before the cohort trip begins.
    """
    trips: list[_Trip] = []
    cursor = start
    for drawn in range(count):
        span = (end - cursor).days
        if span < 60:
            break
        admitted = cursor + timedelta(days=life.rng.randrange(span // (count - drawn)))
        trip = _other_trip(life, kind, admitted)
        finish = trip[1] if trip[1] is not None else trip[0] + timedelta(days=kind.stay_days)
        if trip[0] < cursor or (end < life.as_of and finish >= end):
            break
        trips.append(trip)
        if trip[1] is None or trip[1] >= end:
            break
        cursor = trip[1] + timedelta(days=30)
    return trips


def _other_trip(life: Life, kind: _VisitorKind, admitted: date) -> _Trip:
    """Draw a non-cohort trip: land for a share of border neighbours, otherwise air or sea."""
    rng = life.rng
    if kind.border and rng.random() < 0.4:
        mode, port = "land", rng.choice(LAND_PORTS[kind.border])
    else:
        mode, port = air_or_sea(rng)
        admitted = avoid_cohort(admitted, kind.stay_days, as_of=life.as_of)
    departed = admitted + timedelta(days=rng.randint(2, kind.stay_days))
    # A few non-cohort visitors stay on after their last admission ends.
    if departed < life.as_of and rng.random() < 0.01:
        return admitted, None, mode, port
    return admitted, departed, mode, port


def _visitor_status(life: Life, trips: list[_Trip], kind: _VisitorKind) -> None:
    admitted, departed, _, _ = trips[-1]
    until = admitted + timedelta(days=kind.stay_days)
    if departed is not None and departed <= life.as_of:
        life.set_status("departed", departed)
    elif until >= life.as_of:
        life.set_status("in_status", admitted)
    else:
        life.set_status("overstay", until + DAY)


def _household_trip(life: Life, kind: _VisitorKind) -> None:
    """Draw the trip a household takes together, from a stream shared by its members."""
    shared = life.shared_rng
    # Children in a household are born by 2020, so the trip starts in 2021 or later.
    earliest = max(life.as_of - timedelta(days=6 * 365), HOUSEHOLD_TRIPS_FROM)
    admitted = random_date(shared, earliest, life.as_of)
    if kind.border and shared.random() < 0.4:
        mode, port = "land", shared.choice(LAND_PORTS[kind.border])
    else:
        mode, port = air_or_sea(shared)
        admitted = avoid_cohort(admitted, kind.stay_days, as_of=life.as_of)
    stay = kind.stay_days
    departed = admitted + timedelta(days=shared.randint(4, stay))
    admission_class = shared.choice(kind.classes)
    leaving_port = exit_port(shared, mode, kind.border)
    if kind.visa:
        visa_for(life, visa_class="B1/B2", before=admitted)
    life.out.arrival(
        on=admitted,
        admission_class=admission_class,
        admit_until=admitted + timedelta(days=stay),
        mode=mode,
        port=port,
    )
    if departed <= life.as_of:
        life.out.departure(on=departed, mode=mode, port=leaving_port)
        life.set_status("departed", departed)
    else:
        life.set_status("in_status", admitted)


def pending_extension(life: Life) -> None:
    """Draw a visitor whose timely I-539 extension is still pending after the stay ended.

    The person stays while a timely request is decided, so the truth is pending_application
    (a protection in the priority policy), not overstay.
    """
    rng = life.rng
    admitted = avoid_cohort(life.days_ago(200, 420), VISITOR_DAYS, as_of=life.as_of)
    until = admitted + timedelta(days=VISITOR_DAYS)
    mode, port = air_or_sea(rng)
    visa_for(life, visa_class="B1/B2", before=admitted)
    add_trip(
        life,
        admitted=admitted,
        stay_days=VISITOR_DAYS,
        admission_class="B2",
        mode=mode,
        port=port,
        departed=None,
    )
    filed = until - timedelta(days=rng.randint(5, 60))
    life.out.benefit(form="I-539", filed=filed, timely=True)
    if until >= life.as_of:
        life.set_status("in_status", admitted)
    else:
        life.set_status("pending_application", until + DAY, "pending_application")
