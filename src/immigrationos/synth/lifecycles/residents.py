"""Permanent residents (I-485) and naturalised citizens (N-400)."""

from __future__ import annotations

from datetime import date, timedelta

from immigrationos.synth.lifecycles.common import (
    Life,
    add_trip,
    air_or_sea,
    avoid_cohort,
    visa_for,
)

# Days admitted per class before adjusting; F-1 students are admitted for duration of
# status. H-1B: 3 years (8 CFR 214.2(h)(9)(iii)); B-2: 6 months (8 CFR 214.2(b)(2));
# K-1: 90 days (INA 214(d)).
ADMISSION_DAYS = {"H1B": 3 * 365, "B2": 182, "K1": 90}


def _adjust(life: Life, *, decided: date) -> None:
    """Enter on a temporary visa, then adjust to permanent residence (I-485)."""
    rng = life.rng
    admission_class = rng.choice(("H1B", "F1", "B2", "K1"))
    stay = ADMISSION_DAYS.get(admission_class)
    entered = decided - timedelta(days=rng.randint(400, 2500))
    if stay is not None:
        entered = avoid_cohort(entered, stay, as_of=decided)
    mode, port = air_or_sea(rng)
    visa_for(life, visa_class=admission_class, before=entered)
    add_trip(
        life,
        admitted=entered,
        stay_days=stay,
        admission_class=admission_class,
        mode=mode,
        port=port,
        departed=None,
    )
    life.out.benefit(
        form="I-485",
        filed=decided - timedelta(days=rng.randint(200, 700)),
        decision="approved",
        decided=decided,
        new_class="LPR",
    )


def permanent_resident(life: Life) -> None:
    decided = life.days_ago(30, 12 * 365)
    _adjust(life, decided=decided)
    life.set_status("lawful_permanent_resident", decided, "lawful_permanent_resident")


def citizen(life: Life) -> None:
    """Draw a permanent resident naturalised by N-400 after five years (8 U.S.C. 1427(a))."""
    rng = life.rng
    naturalised = life.days_ago(30, 8 * 365)
    adjusted = naturalised - timedelta(days=5 * 365 + rng.randint(30, 1500))
    _adjust(life, decided=adjusted)
    life.out.benefit(
        form="N-400",
        filed=naturalised - timedelta(days=rng.randint(120, 400)),
        decision="approved",
        decided=naturalised,
        new_class="USC",
    )
    life.set_status("citizen", naturalised, "citizen")
