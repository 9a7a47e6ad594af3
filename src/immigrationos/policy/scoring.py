"""Score one person against a policy: rules give tiers and points, protections override them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from immigrationos.policy.loader import Policy, RuleSpec
from immigrationos.status.dates import age_on
from immigrationos.status.records import Conviction

NOT_PRESENT_STATUSES = frozenset({"departed", "removed", "self_departed"})


@dataclass(frozen=True)
class PersonFacts:
    """The inputs the policy reads about one person: status, convictions, DOBs, open reviews.

    ``dobs`` pairs each recorded date of birth with the record that states it.
    ``review_records`` are the record ids named by the person's open review items.
    """

    person_id: str
    as_of: date
    status: str
    status_rule: str = ""
    status_evidence: tuple[str, ...] = ()
    status_flags: tuple[str, ...] = ()
    overstay_days: int | None = None
    convictions: tuple[Conviction, ...] = ()
    dobs: tuple[tuple[date, str], ...] = ()
    review_records: tuple[str, ...] = ()
    under_review: bool = False


@dataclass(frozen=True)
class Reason:
    """One rule or protection that applies, with the records it rests on."""

    rule: str
    tier: int | None
    points: int
    text: str
    evidence: tuple[str, ...]
    suppressed: bool = False
    flags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "tier": self.tier,
            "points": self.points,
            "text": self.text,
            "evidence": list(self.evidence),
        }
        if self.suppressed:
            data["suppressed"] = True
        if self.flags:
            data["flags"] = list(self.flags)
        return data


@dataclass(frozen=True)
class Priority:
    """A person's priority under one policy version."""

    person_id: str
    policy_version: str
    tier: int | None
    score: int
    protected: bool
    protection: str | None
    reasons: tuple[Reason, ...] = field(default=())


def person_prioritise(*, facts: PersonFacts, policy: Policy) -> Priority:
    """Apply ``policy`` to one person.

    A protected person gets tier None, score 0 and ``protection`` naming the first
    protection that applies. A person who has left (departed, removed, self-departed) gets
    no tier either. In both cases the rules that would have applied are listed as suppressed.
    """
    reasons = _rule_reasons(facts, policy)
    protections = _protection_reasons(facts, policy)
    if protections:
        suppressed = [_suppress(reason, "protected") for reason in reasons]
        return Priority(facts.person_id, policy.version, None, 0, True,
                        protections[0].rule, (*protections, *suppressed))  # fmt: skip
    if facts.status in NOT_PRESENT_STATUSES:
        suppressed = [_suppress(reason, "not_present") for reason in reasons]
        return Priority(facts.person_id, policy.version, None, 0, False, None, tuple(suppressed))
    tiers = [reason.tier for reason in reasons if reason.tier is not None]
    score = sum(reason.points for reason in reasons)
    return Priority(facts.person_id, policy.version, min(tiers, default=None), score, False,
                    None, tuple(reasons))  # fmt: skip


def _suppress(reason: Reason, cause: str) -> Reason:
    return Reason(reason.rule, reason.tier, reason.points, reason.text, reason.evidence,
                  suppressed=True, flags=(*reason.flags, cause))  # fmt: skip


def _known_convictions(facts: PersonFacts) -> list[Conviction]:
    return [c for c in facts.convictions if c.conviction_date <= facts.as_of]


def conviction_rules(*, conviction: Conviction, policy: Policy) -> list[RuleSpec]:
    """Return the criminal rules a conviction meets (a conviction may meet several)."""
    rules = policy.rules
    matched: list[RuleSpec] = []
    felony = conviction.severity == "felony"
    if conviction.offence_category in rules["national_security"].offence_categories:
        matched.append(rules["national_security"])
    violent_category = conviction.offence_category in rules["violent_felony"].offence_categories
    if felony and (conviction.violent or violent_category):
        matched.append(rules["violent_felony"])
    if conviction.tco_related:
        matched.append(rules["tco_related"])
    if felony and not matched:
        matched.append(rules["other_felony"])
    return matched


def _rule_reasons(facts: PersonFacts, policy: Policy) -> list[Reason]:
    reasons: list[Reason] = []
    for conviction in _known_convictions(facts):
        for rule in conviction_rules(conviction=conviction, policy=policy):
            text = f"{rule.text}: {conviction.offence_category} {conviction.severity}, " \
                   f"convicted {conviction.conviction_date.isoformat()}"  # fmt: skip
            reasons.append(Reason(rule.rule_id, rule.tier, rule.points, text, (conviction.uid,)))

    evidence = facts.status_evidence
    if facts.status == "final_order":
        rule = policy.rules["final_order"]
        reasons.append(Reason(rule.rule_id, rule.tier, rule.points, rule.text, evidence))
    elif facts.status == "overstay":
        rule = policy.rules["overstay_confirmed"]
        text = f"{rule.text} ({facts.overstay_days} days)"
        reasons.append(Reason(rule.rule_id, rule.tier, rule.points, text, evidence))
    elif facts.status == "potential_overstay_unconfirmed":
        rule = policy.rules["overstay_unconfirmed"]
        text = f"{rule.text} ({facts.overstay_days} days if still present)"
        # Land exits are not recorded, so vetting must see when that gap applies.
        flags: tuple[str, ...] = ("unconfirmed",)
        if "land_no_exit_data" in facts.status_flags:
            flags += ("land_no_exit_data",)
        reasons.append(Reason(rule.rule_id, rule.tier, rule.points, text, evidence, flags=flags))
    return reasons


def _protection_reasons(facts: PersonFacts, policy: Policy) -> list[Reason]:
    """List the protections that apply, in the policy's order."""
    flags = set(facts.status_flags)
    status = facts.status
    evidence = facts.status_evidence
    applies: list[tuple[str, tuple[str, ...]]] = []

    if status == "citizen":
        applies.append(("citizen", evidence))
    if status == "lawful_permanent_resident" and not _qualifying_conviction(facts, policy):
        applies.append(("lawful_permanent_resident", evidence))
    if "asylum_pending" in flags:
        applies.append(("asylum_pending", evidence))
    if facts.status_rule == "asylum_granted" and not _qualifying_conviction(facts, policy):
        applies.append(("asylee", evidence))
    if "tps" in flags:
        applies.append(("tps", evidence))
    if "deferred_action" in flags:
        applies.append(("deferred_action", evidence))
    # Parole under INA 212(d)(5) protects only while valid: the status rules set the flag
    # only until the parole's valid-until date.
    if "parole" in flags:
        applies.append(("parole", evidence))
    if status == "pending_application" or "application_pending" in flags:
        applies.append(("pending_application", evidence))
    # A citizenship claim through a parent that the status rules could not decide (flags
    # possible_citizen and needs_review) protects like a pending claim.
    if flags & {"citizenship_claim_pending", "possible_citizen", "needs_review"}:
        applies.append(("citizenship_claim_pending", evidence))
    minor = _minor_records(facts, policy)
    if minor:
        applies.append(("minor", minor))
    if facts.under_review:
        applies.append(("identity_under_review", facts.review_records))

    return [
        Reason(name, None, 0, policy.protections[name].text, proof, flags=("protection",))
        for name, proof in applies
    ]


def _qualifying_conviction(facts: PersonFacts, policy: Policy) -> bool:
    """Tell whether a conviction removes the permanent-resident protection."""
    kinds = set(policy.protections["lawful_permanent_resident"].qualifying_convictions)
    for conviction in _known_convictions(facts):
        met = {rule.rule_id for rule in conviction_rules(conviction=conviction, policy=policy)}
        if conviction.offence_category == "drug_trafficking" and conviction.severity == "felony":
            met.add("drug_trafficking_felony")
        if met & kinds:
            return True
    return False


def _minor_records(facts: PersonFacts, policy: Policy) -> tuple[str, ...]:
    # Any recorded DOB that makes the person a minor protects them: a DOB conflict between
    # sources must not expose a child.
    age_under = policy.protections["minor"].age_under or 18
    return tuple(uid for dob, uid in facts.dobs if age_on(dob=dob, on=facts.as_of) < age_under)
