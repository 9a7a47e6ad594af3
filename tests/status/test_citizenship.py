"""Citizenship derived through a parent's naturalisation (INA 320), one row per outcome."""

from datetime import date
from typing import Any

import pytest
from status_builders import arrival, benefit, court

from immigrationos.policy import PersonFacts, person_prioritise, policy_load
from immigrationos.status import status_on
from immigrationos.status.records import RecordView

AS_OF = date(2026, 12, 4)
PARENT = {"parent_a_number": "A123456789", "parent_custody": True}


def child(dob: str, lpr: str, naturalised: str | None, **claim: Any) -> list[RecordView]:
    """Build a child admitted as a visitor who adjusted on ``lpr`` and then filed an N-600."""
    fields = {**PARENT, "parent_naturalisation_date": naturalised, **claim}
    return [
        arrival("A1", "2015-06-01", "2015-12-01", dob=dob),
        benefit("B1", "I-485", "2015-09-01", "approved", lpr),
        benefit("B2", "N-600", "2026-01-10", **fields),
    ]


CASES: list[tuple[str, list[RecordView], str, str, date | None, set[str]]] = [
    # (name, records, status, rule_id, since, flags that must be present)
    # Born 2010-05-01, permanent resident 2016-03-01, parent naturalised 2020-06-15: all
    # conditions hold on 2020-06-15, when the child is 10.
    (
        "parent naturalised while child under 18",
        child("2010-05-01", "2016-03-01", "2020-06-15"),
        "citizen",
        "derived_citizenship",
        date(2020, 6, 15),
        set(),
    ),
    # The parent naturalised first (2014-01-01); the child became a permanent resident on
    # 2016-03-01, the later date, still under 18.
    (
        "permanent residence last condition",
        child("2010-05-01", "2016-03-01", "2014-01-01"),
        "citizen",
        "derived_citizenship",
        date(2016, 3, 1),
        set(),
    ),
    # Born 1998-05-01, 18 on 2016-05-01; parent naturalised 2016-05-02: too late.
    (
        "parent naturalised after 18th birthday",
        child("1998-05-01", "2016-03-01", "2016-05-02"),
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(2016, 3, 1),
        {"citizenship_claim_pending"},
    ),
    # Naturalised the day before the 18th birthday: still under 18.
    (
        "parent naturalised day before 18th birthday",
        child("1998-05-01", "2016-03-01", "2016-04-30"),
        "citizen",
        "derived_citizenship",
        date(2016, 4, 30),
        set(),
    ),
    # Born 2004-02-29, parent naturalised 2022-02-28: 17 by month and day, but 18 by the
    # clamped anniversary. The outcome depends on that one day, so a reviewer decides.
    (
        "leap-day birthday goes to review",
        child("2004-02-29", "2016-03-01", "2022-02-28"),
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(2016, 3, 1),
        {"needs_review", "possible_citizen", "leap_day_adjusted"},
    ),
    # A parent named but without A-number never decides the claim.
    (
        "name-only parent link",
        child("2010-05-01", "2016-03-01", "2020-06-15", parent_a_number=None,
              parent_name="Maria Example"),
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(2016, 3, 1),
        {"needs_review", "possible_citizen", "parent_link_name_only"},
    ),
    (
        "custody unknown",
        child("2010-05-01", "2016-03-01", "2020-06-15", parent_custody=None),
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(2016, 3, 1),
        {"needs_review", "custody_unknown"},
    ),
    (
        "not in parent's custody",
        child("2010-05-01", "2016-03-01", "2020-06-15", parent_custody=False),
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(2016, 3, 1),
        {"citizenship_claim_pending"},
    ),
    # Admitted as IR2 (child of a citizen) on 2018-07-01: a permanent resident from then.
    (
        "immigrant visa admission",
        [
            arrival("A1", "2018-07-01", None, cls="IR2", dob="2012-01-15"),
            benefit("B2", "N-600", "2026-01-10", parent_naturalisation_date="2017-03-01",
                    **PARENT),
        ],
        "citizen",
        "derived_citizenship",
        date(2018, 7, 1),
        set(),
    ),
    # Nothing shows the child a permanent resident: review. The N-600 filed in the country
    # after the stay ended also confirms the overstay, which the review flags outweigh in
    # the priority policy.
    (
        "permanent residence not shown",
        [
            arrival("A1", "2015-06-01", "2015-12-01", dob="2010-05-01"),
            benefit("B2", "N-600", "2026-01-10", parent_naturalisation_date="2020-06-15",
                    **PARENT),
        ],
        "overstay",
        "stay_expired_presence",
        date(2015, 12, 2),
        {"needs_review", "possible_citizen", "permanent_residence_not_shown"},
    ),
    # Both conditions were met in 1995, before the Child Citizenship Act, when the child
    # (born 1980) was already over 18 on 2001-02-27: the repealed law applies.
    (
        "claim before child citizenship act",
        child("1980-05-01", "1990-03-01", "1995-06-15"),
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(1990, 3, 1),
        {"needs_review", "claim_before_child_citizenship_act"},
    ),
    # Conditions met in 1995 but the child (born 1990) was 10 on 2001-02-27: a citizen from
    # that day, when the law took effect.
    (
        "child under 18 when the act took effect",
        child("1990-05-01", "1993-03-01", "1995-06-15"),
        "citizen",
        "derived_citizenship",
        date(2001, 2, 27),
        set(),
    ),
    (
        "denied claim decides nothing",
        [
            *child("2010-05-01", "2016-03-01", "2020-06-15")[:2],
            benefit("B2", "N-600", "2026-01-10", "denied", "2026-06-01",
                    parent_naturalisation_date="2020-06-15", **PARENT),
        ],
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        date(2016, 3, 1),
        set(),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("records", "status", "rule_id", "since", "flags"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_citizenship_table(
    records: list[RecordView], status: str, rule_id: str, since: date | None, flags: set[str]
) -> None:
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == status
    assert result.rule_id == rule_id
    assert result.since == since
    assert flags <= set(result.flags)


def test_review_flags_absent_when_decided() -> None:
    result = status_on(records=child("2010-05-01", "2016-03-01", "2020-06-15"), as_of=AS_OF)
    assert "needs_review" not in result.flags
    assert "possible_citizen" not in result.flags


def test_derived_citizen_outranks_removal_order() -> None:
    records = [
        *child("2010-05-01", "2016-03-01", "2020-06-15"),
        court("C1", "2025-01-01", "removal", "2025-06-01", in_absentia=True),
    ]
    assert status_on(records=records, as_of=AS_OF).status == "citizen"


def test_name_only_link_under_removal_order_needs_review() -> None:
    records = [
        arrival("A1", "2015-06-01", "2015-12-01", dob="2010-05-01"),
        benefit("B2", "N-600", "2026-01-10", parent_name="Maria Example",
                parent_naturalisation_date="2020-06-15", parent_custody=True),
        court("C1", "2025-01-01", "removal", "2025-06-01", in_absentia=True),
    ]  # fmt: skip
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "final_order"
    assert "needs_review" in result.flags
    assert "possible_citizen" in result.flags


def test_possible_citizen_under_final_order_is_protected() -> None:
    # The status rules cannot decide the name-only claim, so the policy must not give the
    # final order a tier.
    records = [
        arrival("A1", "2015-06-01", "2015-12-01", dob="2010-05-01"),
        benefit("B2", "N-600", "2025-01-10", "denied", "2025-03-01", parent_name="Maria Example",
                parent_naturalisation_date="2020-06-15", parent_custody=True),
        benefit("B3", "N-600", "2026-01-10", parent_name="Maria Example",
                parent_naturalisation_date="2020-06-15", parent_custody=True),
        court("C1", "2025-01-01", "removal", "2025-06-01", in_absentia=True),
    ]  # fmt: skip
    result = status_on(records=records, as_of=AS_OF)
    facts = PersonFacts(
        person_id="P1", as_of=AS_OF, status=result.status, status_rule=result.rule_id,
        status_evidence=result.evidence, status_flags=result.flags,
    )  # fmt: skip
    priority = person_prioritise(facts=facts, policy=policy_load())
    assert result.status == "final_order"
    assert priority.protected is True
    assert priority.tier is None
