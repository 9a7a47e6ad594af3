"""Entrants without inspection, convictions and removal proceedings with their outcomes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from immigrationos.sources.ports import PORTS
from immigrationos.synth.identity import random_date
from immigrationos.synth.lifecycles.common import (
    DAY,
    VISITOR_DAYS,
    VOLUNTARY_DEPARTURE_DAYS,
    Conviction,
    Life,
    add_trip,
    air_or_sea,
    avoid_cohort,
    encounter,
    entry,
    visa_for,
)
from immigrationos.synth.records import AIR_PORTS, AORS

OFFENCES: tuple[tuple[str, str, bool, int], ...] = (
    # category, severity, violent, weight
    ("homicide", "felony", True, 1),
    ("sexual_assault", "felony", True, 2),
    ("assault", "felony", True, 5),
    ("robbery", "felony", True, 3),
    ("kidnapping", "felony", True, 1),
    ("weapons", "felony", False, 3),
    ("drug_trafficking", "felony", False, 4),
    ("burglary", "felony", False, 3),
    ("fraud", "felony", False, 3),
    ("theft", "misdemeanor", False, 6),
    ("drug_possession", "misdemeanor", False, 5),
    ("dui", "misdemeanor", False, 6),
    ("assault", "misdemeanor", False, 3),
    ("traffic", "misdemeanor", False, 4),
    ("immigration", "misdemeanor", False, 2),
)


def entrant_without_inspection(life: Life) -> None:
    """Draw an entrant between ports, who has no arrival record, only later encounters."""
    rng = life.rng
    encountered = life.days_ago(60, 8 * 365)
    aor = encounter(life, on=encountered)
    draw = rng.random()
    if draw < 0.12:
        life.set_status("unknown", encountered)
        return
    nta = encountered + timedelta(days=rng.randint(1, 60))
    proceedings(life, nta=nta, aor=aor)


def proceedings(life: Life, *, nta: date, aor: str) -> None:
    """Draw removal proceedings from a notice to appear and set the resulting status."""
    rng = life.rng
    if nta > life.as_of:
        nta = life.as_of - timedelta(days=rng.randint(1, 30))
    decided = nta + timedelta(days=rng.randint(120, 1400))
    draw = rng.random()

    if decided > life.as_of or draw < 0.25:
        life.out.court(nta=nta)
        life.set_status("removal_proceedings", nta)
    elif draw < 0.40:
        # An in absentia order cannot be appealed, only reopened (8 U.S.C. 1229a(b)(5)(C)),
        # so it is final when made.
        life.out.court(
            nta=nta, decision="removal", decision_date=decided, in_absentia=True, appeal="none"
        )
        life.set_status("final_order", decided)
    elif draw < 0.60:
        _appeal(life, nta=nta, decided=decided, dismissed=draw >= 0.50)
    elif draw < 0.75:
        _removal(life, nta=nta, decided=decided, aor=aor)
    elif draw < 0.85:
        _self_departure(life, nta=nta, decided=decided)
    elif draw < 0.95:
        _voluntary_departure(life, nta=nta, decided=decided)
    else:
        # Cancellation of removal adjusts the person to permanent residence (8 U.S.C.
        # 1229b(b)).
        life.out.court(nta=nta, decision="relief", decision_date=decided, appeal="none")
        life.set_status("lawful_permanent_resident", decided, "lawful_permanent_resident")


def _appeal(life: Life, *, nta: date, decided: date, dismissed: bool) -> None:
    """Add a removal order appealed to the BIA: still pending, or dismissed and final."""
    if not dismissed:
        # A pending appeal keeps the order from becoming final (8 CFR 1241.1(a)).
        life.out.court(
            nta=nta, decision="removal", decision_date=decided, in_absentia=False, appeal="pending"
        )
        life.set_status("removal_proceedings", nta)
        return
    appeal_decided = decided + timedelta(days=life.rng.randint(90, 400))
    appeal_decided = min(appeal_decided, life.as_of - DAY)
    life.out.court(
        nta=nta,
        decision="removal",
        decision_date=decided,
        in_absentia=False,
        appeal="dismissed",
        appeal_decision_date=appeal_decided,
    )
    life.set_status("final_order", appeal_decided)


def _removal(life: Life, *, nta: date, decided: date, aor: str) -> None:
    """Add a removal order with the appeal waived, then detention and removal if done."""
    rng = life.rng
    life.out.court(
        nta=nta, decision="removal", decision_date=decided, in_absentia=False, appeal="waived"
    )
    removed = decided + timedelta(days=rng.randint(10, 200))
    if removed > life.as_of:
        life.set_status("final_order", decided)
        return
    detained = removed - timedelta(days=rng.randint(3, 30))
    life.out.enforcement(kind="detention", on=detained, aor=aor)
    life.out.enforcement(kind="removal", on=removed, aor=aor)
    life.set_status("removed", removed)


def _self_departure(life: Life, *, nta: date, decided: date) -> None:
    """Add an in absentia order that the person later executes by leaving on their own."""
    rng = life.rng
    life.out.court(
        nta=nta, decision="removal", decision_date=decided, in_absentia=True, appeal="none"
    )
    left = decided + timedelta(days=rng.randint(30, 600))
    if left > life.as_of:
        life.set_status("final_order", decided)
        return
    # Leaving while a removal order is outstanding executes it (8 U.S.C. 1101(g)).
    port = rng.choice(AIR_PORTS)
    life.out.departure(on=left, mode="air", port=port, evidence="carrier_manifest")
    life.set_status("self_departed", left)


def _voluntary_departure(life: Life, *, nta: date, decided: date) -> None:
    """Add a grant of voluntary departure: the period is open, or the person left in time."""
    rng = life.rng
    if rng.random() < 0.5:
        # Half of the grants are recent enough that the departure period is still open.
        decided = max(life.as_of - timedelta(days=rng.randint(1, 50)), nta + DAY)
    deadline = decided + timedelta(days=rng.randint(30, VOLUNTARY_DEPARTURE_DAYS))
    life.out.court(
        nta=nta,
        decision="voluntary_departure",
        decision_date=decided,
        appeal="waived",
        vd_deadline=deadline,
    )
    if deadline >= life.as_of:
        life.set_status("voluntary_departure_period", decided)
        return
    left = deadline - timedelta(days=rng.randint(0, 25))
    port = rng.choice(AIR_PORTS)
    life.out.departure(
        on=left, mode="air", port=port, evidence="self_reported", location=PORTS[port].name
    )
    life.set_status("departed", left)


def _offence(rng: random.Random) -> tuple[str, str, bool]:
    total = sum(weight for *_, weight in OFFENCES)
    point = rng.randrange(total)
    for category, severity, violent, weight in OFFENCES:
        point -= weight
        if point < 0:
            return category, severity, violent
    return OFFENCES[-1][:3]


def convictions(life: Life, *, count: int, start: date) -> None:
    """Add ``count`` convictions after ``start`` with arrests that carry the FBI number."""
    rng = life.rng
    for _ in range(count):
        on = random_date(rng, start, life.as_of - timedelta(days=20))
        draw = rng.random()
        if draw < 0.03:
            category, severity, violent = "national_security", "felony", False
        else:
            category, severity, violent = _offence(rng)
        tco = (
            severity == "felony"
            and category in ("drug_trafficking", "weapons")
            and (rng.random() < 0.35)
        )
        life.out.enforcement(
            kind="arrest",
            on=on - timedelta(days=rng.randint(30, 300)),
            aor=rng.choice(AORS),
            fbi=True,
        )
        life.out.conviction(on=on, category=category, severity=severity, violent=violent, tco=tco)
        life.truth.convictions.append(Conviction(category, severity, violent, tco))


def convicted(life: Life) -> None:
    """Draw a noncitizen without status who has convictions and maybe proceedings."""
    rng = life.rng
    arrived = life.days_ago(400, 9 * 365)
    entered = entry(life, before=arrived)
    convictions(life, count=rng.choice((1, 1, 1, 2, 2, 3)), start=entered + timedelta(days=60))
    draw = rng.random()
    last = max(
        (record.on for record in life.out.records if record.source == "criminal"),
        default=entered,
    )
    if draw < 0.5:
        proceedings(life, nta=last + timedelta(days=rng.randint(10, 200)), aor=rng.choice(AORS))
    elif any(record.source == "arrivals" for record in life.out.records):
        life.set_status("overstay", entered + timedelta(days=VISITOR_DAYS) + DAY)
    else:
        life.set_status("unknown", entered)


def removal(life: Life) -> None:
    """Draw a visitor who stayed on and was placed in removal proceedings."""
    rng = life.rng
    admitted = avoid_cohort(life.days_ago(500, 9 * 365), VISITOR_DAYS, as_of=life.as_of)
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
    encountered = admitted + timedelta(days=VISITOR_DAYS + rng.randint(30, 900))
    encountered = min(encountered, life.as_of - timedelta(days=40))
    aor = encounter(life, on=encountered)
    proceedings(life, nta=encountered + timedelta(days=rng.randint(1, 30)), aor=aor)
