"""Three outcomes per scored pair: link, review or no_link, with the rule that decided it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from immigrationos.linkage.settings import LinkageSettings
from immigrationos.linkage.vetoes import veto_reason

# splink numbers the levels of a comparison from the last (else = 0) upwards; the null
# level is -1. These follow the level order in ``comparisons``.
NAME_ELSE = 0
DOB_EXACT = 4
DOB_ELSE = 0
DOB_TRANSPOSED = 3

LINK = "link"
REVIEW = "review"
NO_LINK = "no_link"


@dataclass(frozen=True)
class Decision:
    """The outcome of one pair and why."""

    outcome: str
    rule: str
    veto: str | None = None
    reason: str | None = None


def exact_rule(left: Mapping[str, Any], right: Mapping[str, Any]) -> str | None:
    """Return the tier-1 rule that two records satisfy, or None.

    Tier 1 is a shared A-number, a shared FBI number, or the same passport number of the
    same country (or a country missing on one side) with the same DOB.
    """
    if left["a_number"] and left["a_number"] == right["a_number"]:
        return "exact_a_number"
    if left["fbi_number"] and left["fbi_number"] == right["fbi_number"]:
        return "exact_fbi_number"
    countries_agree = (
        not left["passport_country"]
        or not right["passport_country"]
        or left["passport_country"] == right["passport_country"]
    )
    if (
        left["passport_no"]
        and left["passport_no"] == right["passport_no"]
        and countries_agree
        and left["dob"] is not None
        and left["dob"] == right["dob"]
    ):
        return "exact_passport_dob"
    return None


def _identifier_shared(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    return any(
        left[column] is not None and left[column] == right[column]
        for column in ("passport_no", "a_number", "fbi_number")
    )


def pair_decide(
    *,
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    probability: float,
    gamma_name: int,
    gamma_dob: int,
    settings: LinkageSettings,
) -> Decision:
    """Decide one pair from its probability, its tier-1 identifiers and the vetoes."""
    rule = exact_rule(left, right)
    if rule is not None and gamma_name == NAME_ELSE and gamma_dob == DOB_ELSE:
        # A typo in one A-number can equal another person's number: an identifier that
        # agrees while both name and DOB disagree is a question for a reviewer.
        return Decision(REVIEW, rule, reason="exact identifier but name and DOB disagree")
    if rule is None:
        rule = "splink"
        if probability >= settings.link_threshold:
            outcome = LINK
        elif probability >= settings.review_threshold:
            outcome = REVIEW
        else:
            return Decision(NO_LINK, rule)
        shared = _identifier_shared(left, right)
        if outcome == LINK and not shared and not (left["given_c"] and right["given_c"]):
            # Without a given name a household member looks like the person: only a
            # shared identifier (tier 1) links such a record automatically.
            return Decision(REVIEW, rule, reason="no given name and no shared identifier")
        if outcome == LINK and not shared and gamma_dob == DOB_TRANSPOSED:
            return Decision(REVIEW, rule, reason="DOB agrees only with day and month transposed")
        if outcome == REVIEW:
            veto = veto_reason(left, right)
            if veto is not None:
                # A contradiction settles a pair that the score alone left open.
                return Decision(NO_LINK, rule, veto=veto)
            return Decision(REVIEW, rule, reason="match probability in the review band")

    veto = veto_reason(left, right)
    if veto is not None:
        return Decision(REVIEW, rule, veto=veto, reason=veto)
    if left["thin"] or right["thin"]:
        return Decision(REVIEW, rule, reason="thin record: no document and no full name with DOB")
    return Decision(LINK, rule)
