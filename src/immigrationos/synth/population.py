"""Plan the population: lifecycle per person, households, twins and the FY2024 cohort.

Planning uses one random stream seeded by the run's seed and draws everything that spans
several persons (exact lifecycle counts, household and twin groups, overstay quotas). Each
person is then drawn from a stream of its own, so one person's draws never shift another's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from immigrationos.synth import calibration

# Share of persons per lifecycle. Counts are exact (largest remainder), not coin flips.
LIFECYCLE_SHARES: dict[str, float] = {
    "visitor_visa_waiver": 0.22,
    "visitor_other": 0.13,
    "visitor_mexico": 0.05,
    "visitor_canada": 0.06,
    "pending_extension": 0.03,
    "student": 0.08,
    "worker": 0.06,
    "entrant_without_inspection": 0.05,
    "asylum": 0.04,
    "tps": 0.02,
    "daca": 0.02,
    "permanent_resident": 0.08,
    "citizen": 0.05,
    "convicted": 0.04,
    "removal": 0.07,
}

COHORT_GROUP: dict[str, str] = {
    "visitor_visa_waiver": "visa_waiver",
    "visitor_other": "other",
    "visitor_mexico": "mexico",
    "visitor_canada": "canada",
    "student": "students",
}
# Share of each lifecycle's single travellers whose trip falls in the FY2024 cohort. The mix
# is weighted towards Visa Waiver and Canada, as DHS's expected departures are, so that the
# in-country quotas leave room for out-of-country overstays under the 1.15% total.
COHORT_SHARE: dict[str, float] = {
    "visitor_visa_waiver": 0.60,
    "visitor_canada": 0.60,
    "visitor_mexico": 0.50,
    "visitor_other": 0.25,
    "student": 0.25,
}

HOUSEHOLD_LIFECYCLES = ("visitor_visa_waiver", "visitor_other", "visitor_mexico", "visitor_canada")
HOUSEHOLD_SHARE = 0.25  # of persons in those lifecycles
TWIN_PAIR_RATE = 0.004  # pairs per person


@dataclass(frozen=True)
class PlannedPerson:
    """Plan for one person: lifecycle, cohort outcome, household and twin, fixed up front."""

    index: int
    lifecycle: str
    cohort_group: str = ""
    cohort_outcome: str = ""
    household_head: int | None = None
    household_size: int = 0
    household_position: int = 0
    # The lower index of a twin pair, set on both twins.
    twin_group: int | None = None


def lifecycle_counts(*, persons: int) -> dict[str, int]:
    """Split ``persons`` across lifecycles by largest remainder, in table order."""
    exact = {name: persons * share for name, share in LIFECYCLE_SHARES.items()}
    counts = {name: int(value) for name, value in exact.items()}
    order = sorted(exact, key=lambda name: (counts[name] - exact[name], name))
    for name in order[: persons - sum(counts.values())]:
        counts[name] += 1
    return counts


def population_plan(*, persons: int, rng: random.Random) -> list[PlannedPerson]:
    """Return one plan per person index, drawn from ``rng`` only."""
    lifecycles = [
        name for name, count in lifecycle_counts(persons=persons).items() for _ in range(count)
    ]
    rng.shuffle(lifecycles)
    by_lifecycle: dict[str, list[int]] = {name: [] for name in LIFECYCLE_SHARES}
    for index, name in enumerate(lifecycles):
        by_lifecycle[name].append(index)

    households = _households(by_lifecycle=by_lifecycle, rng=rng)
    in_household = {index for members in households for index in members}
    twins = _twins(by_lifecycle=by_lifecycle, excluded=in_household, rng=rng)

    cohort_members: dict[str, list[int]] = {group: [] for group in calibration.GROUPS}
    for name, share in COHORT_SHARE.items():
        singles = [index for index in by_lifecycle[name] if index not in in_household]
        rng.shuffle(singles)
        chosen = singles[: round(len(singles) * share)]
        cohort_members[COHORT_GROUP[name]].extend(sorted(chosen))
    outcomes = calibration.cohort_outcomes(groups=cohort_members, rng=rng)

    plan = []
    household_of = {
        index: (members[0], len(members), position)
        for members in households
        for position, index in enumerate(members)
    }
    for index, name in enumerate(lifecycles):
        head, size, position = household_of.get(index, (None, 0, 0))
        outcome = outcomes.get(index, "")
        plan.append(
            PlannedPerson(
                index=index,
                lifecycle=name,
                cohort_group=COHORT_GROUP[name] if outcome else "",
                cohort_outcome=outcome,
                household_head=head,
                household_size=size,
                household_position=position,
                twin_group=twins.get(index),
            )
        )
    return plan


def _households(*, by_lifecycle: dict[str, list[int]], rng: random.Random) -> list[list[int]]:
    """Group a share of travellers into households of 2 to 4 who travel together."""
    households = []
    for name in HOUSEHOLD_LIFECYCLES:
        pool = list(by_lifecycle[name])
        rng.shuffle(pool)
        budget = round(len(pool) * HOUSEHOLD_SHARE)
        start = 0
        while start + 2 <= budget:
            size = min(rng.randint(2, 4), budget - start)
            households.append(sorted(pool[start : start + size]))
            start += size
    households.sort()
    return households


def _twins(
    *, by_lifecycle: dict[str, list[int]], excluded: set[int], rng: random.Random
) -> dict[int, int]:
    """Pair persons of the same lifecycle as twins; map each twin to the pair's lower index."""
    twins: dict[int, int] = {}
    for name in LIFECYCLE_SHARES:
        pool = [index for index in by_lifecycle[name] if index not in excluded]
        rng.shuffle(pool)
        pairs = round(len(pool) * TWIN_PAIR_RATE)
        for pair in range(pairs):
            first, second = sorted(pool[2 * pair : 2 * pair + 2])
            twins[first] = first
            twins[second] = first
    return twins
