"""Related persons that benefit applications name: a spouse, a parent or a child.

A named relative is another person of the population when the pairing below gives the
applicant one who fits (age, for a parent or child), so the relation resolves to a person
after linkage. Otherwise the application names a person outside the population, with an
A-number that starts with 3 and so never equals a population A-number (those start with 2).

Every relation is drawn from streams of its own (``relation_rng`` per person, one pairing
stream per run), so adding relations leaves every other draw of the generator unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from immigrationos.synth.identity import Person, draw_name
from immigrationos.synth.population import PlannedPerson

# Lifecycles whose persons file an I-485 (and, for citizens, an N-400).
APPLICANT_LIFECYCLES = ("permanent_resident", "citizen")
# A parent is at least this much older than the child. A spouse is at most
# SPOUSE_AGE_GAP_YEARS older or younger.
PARENT_AGE_GAP_YEARS = 18
SPOUSE_AGE_GAP_YEARS = 20


@dataclass(frozen=True)
class Relative:
    """A related person as an application records them."""

    a_number: str
    name: str


@dataclass(frozen=True)
class RelativePool:
    """The pairing of applicants with population members they may name as relatives.

    ``spouses`` and ``parents`` map an applicant's index to a citizen's index, ``children``
    a citizen's index to a permanent resident's index. Each map uses a member at most once.
    ``identity_of`` replays a person's true identity from the person's own stream.
    """

    spouses: dict[int, int]
    parents: dict[int, int]
    children: dict[int, int]
    identity_of: Callable[[int], Person]

    def spouse_draw(self, *, rng: random.Random, applicant: Person) -> Relative:
        """Return the applicant's spouse: the paired citizen if one fits, else an unknown one."""
        match = self._member(self.spouses, applicant.index)
        if match is not None and _years_apart(match.dob, applicant.dob) <= SPOUSE_AGE_GAP_YEARS:
            return Relative(a_number=match.a_number, name=f"{match.given} {match.family}")
        sex = "M" if applicant.sex == "F" else "F"
        given, paternal, maternal = draw_name(rng, locale_code=applicant.locale, sex=sex)
        return _unknown(rng, name=f"{given} {paternal} {maternal}".strip())

    def parent_draw(self, *, rng: random.Random, applicant: Person) -> Relative:
        """Return the applicant's parent: the paired citizen if old enough, else an unknown one."""
        match = self._member(self.parents, applicant.index)
        if match is not None and _older_by(match.dob, applicant.dob) >= PARENT_AGE_GAP_YEARS:
            return Relative(a_number=match.a_number, name=f"{match.given} {match.family}")
        return _unknown(rng, name=_family_member_name(rng, applicant=applicant))

    def child_draw(self, *, rng: random.Random, applicant: Person) -> Relative:
        """Return the applicant's child: the paired resident if young enough, else an unknown."""
        match = self._member(self.children, applicant.index)
        if match is not None and _older_by(applicant.dob, match.dob) >= PARENT_AGE_GAP_YEARS:
            return Relative(a_number=match.a_number, name=f"{match.given} {match.family}")
        return _unknown(rng, name=_family_member_name(rng, applicant=applicant))

    def _member(self, pairs: dict[int, int], index: int) -> Person | None:
        partner = pairs.get(index)
        return None if partner is None else self.identity_of(partner)


def relative_pool(
    *, plan: Sequence[PlannedPerson], seed: int, identity_of: Callable[[int], Person]
) -> RelativePool:
    """Pair applicants with citizens (spouse, parent) and citizens with residents (child).

    The pairing is drawn from its own stream, seeded by ``seed``. It never pairs a person
    with themselves.
    """
    rng = random.Random(f"{seed}:relatives")
    applicants = [planned.index for planned in plan if planned.lifecycle in APPLICANT_LIFECYCLES]
    citizens = [planned.index for planned in plan if planned.lifecycle == "citizen"]
    residents = [planned.index for planned in plan if planned.lifecycle == "permanent_resident"]
    return RelativePool(
        spouses=_pairs(rng, applicants, citizens),
        parents=_pairs(rng, applicants, citizens),
        children=_pairs(rng, citizens, residents),
        identity_of=identity_of,
    )


def _pairs(rng: random.Random, left: list[int], right: list[int]) -> dict[int, int]:
    """Pair shuffled ``left`` with shuffled ``right`` one to one, skipping self-pairs."""
    firsts, seconds = list(left), list(right)
    rng.shuffle(firsts)
    rng.shuffle(seconds)
    return {
        first: second for first, second in zip(firsts, seconds, strict=False) if first != second
    }


def _years_apart(first: date, second: date) -> float:
    return abs(_older_by(first, second))


def _older_by(elder: date, younger: date) -> float:
    """Return how many years ``elder`` was born before ``younger`` (negative if after)."""
    return (younger - elder).days / 365.25


def _family_member_name(rng: random.Random, *, applicant: Person) -> str:
    """Return a name sharing the applicant's surnames, as a parent's or child's often does."""
    given, _, _ = draw_name(rng, locale_code=applicant.locale, sex=rng.choice(("F", "M")))
    return f"{given} {applicant.family}"


def _unknown(rng: random.Random, *, name: str) -> Relative:
    return Relative(a_number=f"3{rng.randrange(10**8):08d}", name=name)


__all__ = ["Relative", "RelativePool", "relative_pool"]
