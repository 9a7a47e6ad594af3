"""Citizenship derived through a parent's naturalisation (INA 320), read from N-600 records.

INA 320(a) makes a child born abroad a citizen, without any application, on the first day
that three conditions hold. A parent is a citizen (here, by naturalisation), the child is
under 18, and the child lives in the United States in that parent's legal and physical
custody after admission as a permanent resident. An N-600 (certificate of citizenship)
names the parent.

Only a parent identified by A-number decides the claim. A parent named but without an
A-number, a missing fact or a date that the leap-day rule decides sends the person to review
with the flags ``needs_review`` and ``possible_citizen``, never to a status.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Final

from immigrationos.status import rules as r
from immigrationos.status.dates import age_on, shift_years
from immigrationos.status.records import Benefit

CITIZENSHIP_CLAIM_FORM: Final = "N-600"
ADULT_AGE: Final = 18
# The Child Citizenship Act of 2000 (which wrote today's INA 320) took effect on this day
# and covers only children under 18 then. Older claims fall under the repealed INA 321.
CHILD_CITIZENSHIP_ACT_EFFECTIVE: Final = date(2001, 2, 27)
# Immigrant visa classes of children of citizens (immediate relatives and adoptees): the
# child becomes a permanent resident on admission.
CHILD_IMMIGRANT_CLASSES: Final = frozenset({"IR2", "CR2", "IR3", "IH3", "IR4", "IH4"})

CITIZEN: Final = "citizen"
REVIEW: Final = "review"
NOT_MET: Final = "not_met"


@dataclass(frozen=True)
class Derivation:
    """The outcome of one claim: ``citizen`` (with ``since``), ``review`` or ``not_met``."""

    outcome: str
    since: date | None
    evidence: tuple[str, ...]
    flags: tuple[str, ...] = ()


def citizenship_derive(
    *, claim: Benefit, permanent_resident: tuple[date, str] | None, dobs: Collection[date]
) -> Derivation:
    """Apply INA 320(a) to an N-600 ``claim``.

    ``permanent_resident`` is the date the child became a permanent resident and the record
    that shows it, or None when no record shows it. ``dobs`` are the child's recorded dates
    of birth.
    """
    evidence = (claim.uid,) if permanent_resident is None else (claim.uid, permanent_resident[1])
    missing = _missing_facts(claim, permanent_resident, dobs)
    if missing:
        return _review(evidence, *missing)
    if claim.parent_custody is False:
        return Derivation(NOT_MET, None, evidence)
    assert claim.parent_naturalised is not None and permanent_resident is not None

    met_on = max(claim.parent_naturalised, permanent_resident[0])
    (dob,) = dobs
    if met_on < CHILD_CITIZENSHIP_ACT_EFFECTIVE:
        if age_on(dob=dob, on=CHILD_CITIZENSHIP_ACT_EFFECTIVE) >= ADULT_AGE:
            return _review(evidence, "claim_before_child_citizenship_act")
        met_on = CHILD_CITIZENSHIP_ACT_EFFECTIVE
    adult_from, leap_adjusted = shift_years(value=dob, years=ADULT_AGE)
    under_age = age_on(dob=dob, on=met_on) < ADULT_AGE
    if leap_adjusted and under_age != (met_on < adult_from):
        # Born on 29 February, the conditions were met on 28 February of the 18th year: the
        # outcome depends on which day counts as the birthday.
        return _review(evidence, "age_boundary", r.FLAG_LEAP_DAY_ADJUSTED)
    if not under_age:
        return Derivation(NOT_MET, None, evidence)
    return Derivation(CITIZEN, met_on, evidence)


def _missing_facts(
    claim: Benefit, permanent_resident: tuple[date, str] | None, dobs: Collection[date]
) -> list[str]:
    missing: list[str] = []
    if claim.parent_a_number is None:
        missing.append("parent_link_name_only" if claim.parent_name else "parent_unknown")
    if claim.parent_naturalised is None:
        missing.append("parent_naturalisation_unknown")
    if permanent_resident is None:
        missing.append("permanent_residence_not_shown")
    if claim.parent_custody is None:
        missing.append("custody_unknown")
    if not dobs:
        missing.append("dob_unknown")
    elif len(dobs) > 1:
        missing.append("dob_conflict")
    return missing


def _review(evidence: tuple[str, ...], *reasons: str) -> Derivation:
    return Derivation(
        REVIEW, None, evidence, (r.FLAG_NEEDS_REVIEW, r.FLAG_POSSIBLE_CITIZEN, *reasons)
    )
