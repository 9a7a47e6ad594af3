"""Priority categories and protections in the ground truth."""

from __future__ import annotations

import pytest

from immigrationos.synth.lifecycles import Conviction, Truth
from immigrationos.synth.people import priority_category
from immigrationos.synth.population import LIFECYCLE_SHARES, lifecycle_counts

VIOLENT = Conviction("assault", "felony", True, False)
FRAUD = Conviction("fraud", "felony", False, False)
DUI = Conviction("dui", "misdemeanor", False, False)
TRAFFICKING = Conviction("drug_trafficking", "felony", False, True)
SECURITY = Conviction("national_security", "felony", False, False)


@pytest.mark.parametrize(
    ("status", "protection", "convictions", "expected"),
    [
        ("overstay", "", [], "overstay"),
        ("overstay", "", [DUI], "overstay"),
        ("overstay", "", [FRAUD], "felony"),
        ("final_order", "", [], "final_order"),
        ("final_order", "", [FRAUD, VIOLENT], "violent_felony"),
        ("removal_proceedings", "", [TRAFFICKING], "tco"),
        ("unknown", "", [TRAFFICKING, SECURITY], "national_security"),
        ("removal_proceedings", "", [], "none"),
        # Protected persons are never prioritised, whatever their record.
        ("citizen", "citizen", [VIOLENT], "none"),
        ("lawful_permanent_resident", "lawful_permanent_resident", [DUI], "none"),
        ("lawful_permanent_resident", "lawful_permanent_resident", [FRAUD], "none"),
        # A qualifying conviction makes a permanent resident removable and unprotected.
        ("lawful_permanent_resident", "lawful_permanent_resident", [SECURITY], "national_security"),
        ("lawful_permanent_resident", "lawful_permanent_resident", [VIOLENT], "violent_felony"),
        ("protected", "asylum_pending", [FRAUD], "none"),
        ("pending_application", "pending_application", [], "none"),
        # Persons no longer in the country are not prioritised.
        ("removed", "", [VIOLENT], "none"),
        ("departed", "", [], "none"),
    ],
)
def test_priority_category(
    status: str, protection: str, convictions: list[Conviction], expected: str
) -> None:
    truth = Truth(lifecycle="convicted", status=status, protection=protection)
    truth.convictions.extend(convictions)

    assert priority_category(truth=truth) == expected


@pytest.mark.parametrize("persons", [1, 7, 100, 20_001])
def test_lifecycle_counts_sum_to_persons(persons: int) -> None:
    counts = lifecycle_counts(persons=persons)

    assert sum(counts.values()) == persons
    for name, share in LIFECYCLE_SHARES.items():
        assert abs(counts[name] - persons * share) < 1
