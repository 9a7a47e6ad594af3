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
# Share of permanent residents who file an N-600, claiming citizenship through a parent who
# naturalised after their 18th birthday. INA 320 then does not apply, so the truth stays
# permanent resident. A third of the claims name the parent without an A-number.
LATE_PARENT_CLAIM_RATE = 0.02
# Share of adjustments per admission class that rest on a family petition, as (by a spouse,
# by a parent). A K-1 fiance(e) is admitted to marry the petitioning citizen, so adjusts
# through that spouse. The other shares are estimates.
FAMILY_BASIS = {"K1": (1.0, 0.0), "B2": (0.5, 0.15), "F1": (0.25, 0.05), "H1B": (0.1, 0.0)}
# Share of N-400 applications that list a child (an estimate).
N400_CHILD_RATE = 0.3


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
        extra=_family_basis(life, admission_class=admission_class),
    )


def _family_basis(life: Life, *, admission_class: str) -> dict[str, object]:
    """Return the related-person columns of an I-485 filed through a spouse or a parent.

    Draws only from ``life.relation_rng``; an employment-based I-485 gets no columns.
    """
    rng = life.relation_rng
    by_spouse, by_parent = FAMILY_BASIS[admission_class]
    draw = rng.random()
    if draw < by_spouse:
        relative = life.relatives.spouse_draw(rng=rng, applicant=life.person)
        relationship = "spouse"
    elif draw < by_spouse + by_parent:
        relative = life.relatives.parent_draw(rng=rng, applicant=life.person)
        relationship = "parent"
    else:
        return {}
    return {
        "related_a_number": relative.a_number,
        "related_name": relative.name,
        "relationship": relationship,
    }


def permanent_resident(life: Life) -> None:
    decided = life.days_ago(30, 12 * 365)
    _adjust(life, decided=decided)
    if life.rng.random() < LATE_PARENT_CLAIM_RATE:
        _late_parent_claim(life, adjusted=decided)
    life.set_status("lawful_permanent_resident", decided, "lawful_permanent_resident")


def _late_parent_claim(life: Life, *, adjusted: date) -> None:
    """Add an N-600 resting on a parent naturalised after the person's permanent residence.

    Permanent residents are born by 1990 and adjust from 2014 on, so they are adults when
    the parent naturalises and the claim fails.
    """
    rng = life.rng
    latest = life.as_of - timedelta(days=60)
    if adjusted + timedelta(days=30) >= latest:
        return
    naturalised = adjusted + timedelta(days=rng.randint(30, (latest - adjusted).days))
    filed = naturalised + timedelta(days=rng.randint(1, (life.as_of - naturalised).days))
    parent: dict[str, object] = {
        "parent_name": f"{rng.choice(('Maria', 'Jose', 'Ana', 'Li', 'Amir'))} {life.person.family}",
        "parent_naturalisation_date": naturalised,
        "parent_custody": True,
    }
    if rng.random() >= 1 / 3:
        parent["parent_a_number"] = f"A{rng.randint(100_000_000, 999_999_999)}"
    denied = rng.random() < 0.4
    life.out.benefit(
        form="N-600",
        filed=filed,
        decision="denied" if denied else "pending",
        decided=filed + timedelta(days=rng.randint(60, 300)) if denied else None,
        extra=parent,
    )


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
        extra=_listed_child(life),
    )
    life.set_status("citizen", naturalised, "citizen")


def _listed_child(life: Life) -> dict[str, object]:
    """Return the related-person columns of an N-400 that lists a child, or none."""
    rng = life.relation_rng
    if rng.random() >= N400_CHILD_RATE:
        return {}
    relative = life.relatives.child_draw(rng=rng, applicant=life.person)
    return {
        "related_a_number": relative.a_number,
        "related_name": relative.name,
        "relationship": "child",
    }
