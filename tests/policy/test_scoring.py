from datetime import date

import pytest

from immigrationos.policy import PersonFacts, person_prioritise, policy_load
from immigrationos.status.records import Conviction

AS_OF = date(2026, 12, 4)
POLICY = policy_load()
ADULT = ((date(1990, 1, 1), "arrivals:A-1"),)


def conviction(category: str, severity: str, *, violent: bool = False, tco: bool = False,
               uid: str = "criminal:K-1", day: date = date(2025, 5, 1)) -> Conviction:  # fmt: skip
    return Conviction(uid, category, severity, violent, tco, day)


def facts(status: str = "in_status", *convictions: Conviction, **extra: object) -> PersonFacts:
    values: dict[str, object] = {
        "person_id": "P1", "as_of": AS_OF, "status": status,
        "status_evidence": ("arrivals:A-1",), "convictions": convictions, "dobs": ADULT,
    }  # fmt: skip
    values.update(extra)
    return PersonFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("person", "tier", "score", "rules"),
    [
        # Default policy points: national_security 100, violent_felony 90, tco 80,
        # other_felony 50, final_order 40, overstay_confirmed 20, overstay_unconfirmed 5.
        (facts("in_status", conviction("national_security", "felony")), 1, 100,
         ["national_security"]),
        (facts("in_status", conviction("assault", "felony")), 1, 90, ["violent_felony"]),
        (facts("in_status", conviction("burglary", "felony", violent=True)), 1, 90,
         ["violent_felony"]),
        # An assault misdemeanour is not a violent felony and not a felony.
        (facts("in_status", conviction("assault", "misdemeanor")), None, 0, []),
        (facts("in_status", conviction("fraud", "misdemeanor", tco=True)), 1, 80,
         ["tco_related"]),
        (facts("in_status", conviction("fraud", "felony")), 2, 50, ["other_felony"]),
        (facts("final_order"), 2, 40, ["final_order"]),
        # Final order plus a theft felony: tier 2, 40 + 50.
        (facts("final_order", conviction("theft", "felony")), 2, 90,
         ["other_felony", "final_order"]),
        (facts("overstay", overstay_days=95), 3, 20, ["overstay_confirmed"]),
        (facts("potential_overstay_unconfirmed", overstay_days=95), 3, 5,
         ["overstay_unconfirmed"]),
        # An inferred earlier stay carries no weight: an in-status person gets nothing.
        (facts("in_status", status_flags=("prior_departure_not_recorded",)), None, 0, []),
        # A conviction dated after the as-of date is not yet known.
        (facts("in_status", conviction("homicide", "felony", day=date(2027, 1, 1))), None, 0,
         []),
    ],
)  # fmt: skip
def test_tier_per_rule(person: PersonFacts, tier: int | None, score: int, rules: list[str]) -> None:
    priority = person_prioritise(facts=person, policy=POLICY)
    assert priority.tier == tier
    assert priority.score == score
    assert [reason.rule for reason in priority.reasons] == rules
    assert priority.protected is False


@pytest.mark.parametrize(
    ("person", "protection"),
    [
        (facts("citizen", conviction("homicide", "felony")), "citizen"),
        (facts("lawful_permanent_resident", conviction("theft", "misdemeanor")),
         "lawful_permanent_resident"),
        (facts("lawful_permanent_resident", conviction("fraud", "felony")),
         "lawful_permanent_resident"),
        (facts("protected", conviction("robbery", "felony"), status_rule="asylum_pending",
               status_flags=("asylum_pending",)), "asylum_pending"),
        (facts("in_status", status_rule="asylum_granted"), "asylee"),
        (facts("final_order", status_flags=("tps",)), "tps"),
        (facts("overstay", status_flags=("deferred_action",)), "deferred_action"),
        (facts("protected", conviction("robbery", "felony"), status_rule="parole_valid",
               status_flags=("parole",)), "parole"),
        (facts("pending_application", conviction("fraud", "felony")), "pending_application"),
        (facts("lawful_permanent_resident", status_flags=("citizenship_claim_pending",)),
         "lawful_permanent_resident"),
        (facts("overstay", status_flags=("citizenship_claim_pending",)),
         "citizenship_claim_pending"),
        # Born 2008-12-05: 17 on 2026-12-04.
        (facts("final_order", dobs=((date(2008, 12, 5), "arrivals:A-1"),)), "minor"),
        # A conflicting DOB that makes the person a minor still protects.
        (facts("final_order", dobs=(*ADULT, (date(2010, 1, 1), "court:C-1"))), "minor"),
        (facts("final_order", under_review=True, review_records=("court:C-1", "arrivals:A-1")),
         "identity_under_review"),
    ],
)  # fmt: skip
def test_protection_overrides_rules(person: PersonFacts, protection: str) -> None:
    priority = person_prioritise(facts=person, policy=POLICY)
    assert priority.tier is None
    assert priority.score == 0
    assert priority.protected is True
    assert priority.protection == protection
    assert all(r.suppressed for r in priority.reasons if "protection" not in r.flags)


def test_minor_turns_adult_on_birthday() -> None:
    # Born 2008-12-04: 18 on 2026-12-04, so the final order applies.
    person = facts("final_order", dobs=((date(2008, 12, 4), "arrivals:A-1"),))
    assert person_prioritise(facts=person, policy=POLICY).tier == 2


def test_citizen_with_violent_felony_lists_suppressed_reason() -> None:
    priority = person_prioritise(
        facts=facts("citizen", conviction("homicide", "felony")), policy=POLICY
    )
    suppressed = [r for r in priority.reasons if r.suppressed]
    assert [r.rule for r in suppressed] == ["violent_felony"]
    assert suppressed[0].evidence == ("criminal:K-1",)
    assert suppressed[0].as_json()["suppressed"] is True


@pytest.mark.parametrize(
    ("kind", "category"),
    [("violent felony", "assault"), ("drug trafficking felony", "drug_trafficking"),
     ("national security", "national_security")],
)  # fmt: skip
def test_permanent_resident_loses_protection_on_qualifying_conviction(
    kind: str, category: str
) -> None:
    person = facts("lawful_permanent_resident", conviction(category, "felony"))
    priority = person_prioritise(facts=person, policy=POLICY)
    assert priority.protected is False, kind
    assert priority.tier in {1, 2}


def test_asylee_with_violent_felony_is_tier_1() -> None:
    person = facts("in_status", conviction("kidnapping", "felony"), status_rule="asylum_granted")
    priority = person_prioritise(facts=person, policy=POLICY)
    assert priority.tier == 1
    assert priority.protected is False


def test_permanent_resident_with_violent_felony_is_tier_1() -> None:
    person = facts("lawful_permanent_resident", conviction("robbery", "felony"))
    priority = person_prioritise(facts=person, policy=POLICY)
    assert priority.tier == 1
    assert priority.protection is None


def test_unconfirmed_flag_is_visible() -> None:
    person = facts("potential_overstay_unconfirmed", overstay_days=234)
    (reason,) = person_prioritise(facts=person, policy=POLICY).reasons
    assert reason.flags == ("unconfirmed",)
    assert "Unconfirmed" in reason.text
    assert "234 days" in reason.text
    assert reason.as_json()["flags"] == ["unconfirmed"]


def test_unconfirmed_land_admission_carries_flag() -> None:
    person = facts(
        "potential_overstay_unconfirmed",
        overstay_days=40,
        status_flags=("land_no_exit_data", "unconfirmed"),
    )
    (reason,) = person_prioritise(facts=person, policy=POLICY).reasons
    assert reason.flags == ("unconfirmed", "land_no_exit_data")


@pytest.mark.parametrize("status", ["departed", "removed", "self_departed"])
def test_persons_who_left_get_no_tier(status: str) -> None:
    person = facts(status, conviction("homicide", "felony"))
    priority = person_prioritise(facts=person, policy=POLICY)
    assert priority.tier is None
    assert priority.protected is False
    assert [(r.rule, r.suppressed, r.flags) for r in priority.reasons] == [
        ("violent_felony", True, ("not_present",))
    ]


def test_every_reason_cites_records() -> None:
    person = facts("overstay", conviction("fraud", "felony", uid="criminal:K-7"),
                   overstay_days=10)  # fmt: skip
    priority = person_prioritise(facts=person, policy=POLICY)
    evidence = {reason.rule: reason.evidence for reason in priority.reasons}
    assert evidence == {
        "other_felony": ("criminal:K-7",),
        "overstay_confirmed": ("arrivals:A-1",),
    }
