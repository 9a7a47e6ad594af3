"""Lifecycles: the story each person lives, its source records and its true status.

Each lifecycle function draws dates relative to the as-of date, adds records through
``PersonRecords`` and sets the person's true status on the as-of date with the date it
began. Truth is reality: a land exit that left no record is still a departure.
"""

from __future__ import annotations

from collections.abc import Callable

from immigrationos.synth.lifecycles.common import Conviction, Life, Truth
from immigrationos.synth.lifecycles.humanitarian import asylum, daca, tps
from immigrationos.synth.lifecycles.proceedings import (
    convicted,
    convictions,
    entrant_without_inspection,
    removal,
)
from immigrationos.synth.lifecycles.residents import citizen, permanent_resident
from immigrationos.synth.lifecycles.study_work import student, worker
from immigrationos.synth.lifecycles.visitors import pending_extension, visitor

LIFECYCLES: dict[str, Callable[[Life], None]] = {
    "visitor_visa_waiver": visitor,
    "visitor_other": visitor,
    "visitor_mexico": visitor,
    "visitor_canada": visitor,
    "pending_extension": pending_extension,
    "student": student,
    "worker": worker,
    "entrant_without_inspection": entrant_without_inspection,
    "asylum": asylum,
    "tps": tps,
    "daca": daca,
    "permanent_resident": permanent_resident,
    "citizen": citizen,
    "convicted": convicted,
    "removal": removal,
}
# Permanent residents and citizens who also have convictions. Citizens stay protected; a
# permanent resident loses protection only through a qualifying conviction.
PROTECTED_CONVICTION_RATE = 0.06

__all__ = [
    "LIFECYCLES",
    "PROTECTED_CONVICTION_RATE",
    "Conviction",
    "Life",
    "Truth",
    "convictions",
]
