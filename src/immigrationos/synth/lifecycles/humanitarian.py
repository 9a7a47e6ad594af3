"""Asylum applicants, Temporary Protected Status and deferred action (DACA)."""

from __future__ import annotations

from datetime import timedelta

from immigrationos.synth.lifecycles.common import (
    Life,
    entry,
)
from immigrationos.synth.lifecycles.proceedings import proceedings
from immigrationos.synth.records import AORS


def asylum(life: Life) -> None:
    """Draw an asylum application (I-589): pending, granted, or denied and sent to court."""
    rng = life.rng
    filed = life.days_ago(30, 6 * 365)
    entry(life, before=filed)
    draw = rng.random()
    decided = filed + timedelta(days=rng.randint(180, 1500))
    if draw < 0.6 or decided > life.as_of:
        life.out.benefit(form="I-589", filed=filed)
        # A pending asylum application is a protection in the priority policy.
        life.set_status("protected", filed, "asylum_pending")
    elif draw < 0.8:
        life.out.benefit(
            form="I-589", filed=filed, decision="approved", decided=decided, new_class="AS"
        )
        life.set_status("in_status", decided)
    else:
        life.out.benefit(form="I-589", filed=filed, decision="denied", decided=decided)
        proceedings(life, nta=decided + timedelta(days=rng.randint(10, 90)), aor=rng.choice(AORS))


def tps(life: Life) -> None:
    """Draw a national of a designated country granted Temporary Protected Status (I-821)."""
    rng = life.rng
    filed = life.days_ago(100, 5 * 365)
    entry(life, before=filed)
    decided = filed + timedelta(days=rng.randint(60, 90))
    valid = life.as_of + timedelta(days=rng.randint(30, 540))
    life.out.benefit(
        form="I-821",
        filed=filed,
        decision="approved",
        decided=decided,
        new_class="TPS",
        valid_until=valid,
    )
    life.set_status("protected", min(decided, life.as_of), "tps")


def daca(life: Life) -> None:
    """Draw a person brought as a child who has deferred action (I-821D)."""
    rng = life.rng
    # Children who entered without inspection leave no record before their DACA request.
    filed = life.days_ago(100, 10 * 365)
    decided = filed + timedelta(days=rng.randint(60, 200))
    # Deferred action is granted for two years at a time and renewed.
    valid = life.as_of + timedelta(days=rng.randint(30, 700))
    life.out.benefit(
        form="I-821D",
        filed=filed,
        decision="approved",
        decided=decided,
        new_class="DACA",
        valid_until=valid,
    )
    if decided > life.as_of:
        # The request is still pending on the as-of date (the record shows no decision).
        life.set_status("pending_application", filed, "pending_application")
        return
    life.set_status("protected", decided, "deferred_action")
