"""Hand-made persons and cases in two offices, for scope, masking and purpose tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

OPENED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Offices:
    """Ids of the objects created: a person and case per office, and a person with no case."""

    nyc_person: str
    nyc_case: int
    los_person: str
    los_case: int
    free_person: str


def _person(person_id: str, *, given: str, dob: date, a_number: str, passport: str) -> Any:
    from immigrationos.cases.models import Person, PersonNameToken
    from immigrationos.cases.names import name_fold, token_phonetic

    person = Person.objects.create(
        person_id=person_id,
        given_name=given,
        family_name="Testperson",
        search_name=f"{given.lower()} testperson",
        dob=dob,
        nationality="MEX",
        a_numbers=[a_number],
        passports=[{"country": "MEX", "number": passport}],
        status="potential_overstay_unconfirmed",
    )
    for name in (given, "Testperson"):
        token = name_fold(name)
        PersonNameToken.objects.create(
            person=person, token=token, prefix=token[:3], phonetic=token_phonetic(token)
        )
    return person


@pytest.fixture
def offices(db: None) -> Offices:
    """Create persons PN (case in NYC), PL (case in LOS) and PF (no case)."""
    from immigrationos.cases.models import Case, Office, SourceRecord

    nyc = Office.objects.create(code="NYC", name="New York City")
    los = Office.objects.create(code="LOS", name="Los Angeles")
    people = {
        "PN": _person(
            "PN", given="Nora", dob=date(1981, 3, 14), a_number="A123456789", passport="PN1111111"
        ),
        "PL": _person(
            "PL", given="Luis", dob=date(1975, 6, 26), a_number="A987654321", passport="PL2222222"
        ),
        "PF": _person(
            "PF", given="Fern", dob=date(1990, 1, 2), a_number="A555000111", passport="PF3333333"
        ),
    }
    SourceRecord.objects.create(
        record_uid="benefits:B1",
        person=people["PN"],
        source="benefits",
        record_id="B1",
        given_name="Nora",
        family_name="Testperson",
        dob=date(1981, 3, 14),
        a_number="A123456789",
        event_date=date(2024, 5, 1),
        attrs={"receipt_number": "IOE0000001", "address": "12 Test Street"},
    )
    nyc_case = Case.objects.create(
        person=people["PN"], office=nyc, tier=1, opened_at=OPENED, updated_at=OPENED
    )
    los_case = Case.objects.create(
        person=people["PL"], office=los, tier=2, opened_at=OPENED, updated_at=OPENED
    )
    return Offices(
        nyc_person="PN",
        nyc_case=nyc_case.pk,
        los_person="PL",
        los_case=los_case.pk,
        free_person="PF",
    )


def url_samples(offices: Offices, *, out_of_office: bool = False) -> dict[str, object]:
    """Return a value for each URL argument of the site's routes: the NYC person and case,
    or with ``out_of_office`` the LOS ones, and ids that match no row for the rest."""
    from immigrationos.access.models import BreakGlass

    glass = BreakGlass.objects.first()
    return {
        "person_id": offices.los_person if out_of_office else offices.nyc_person,
        "case_id": offices.los_case if out_of_office else offices.nyc_case,
        "break_glass_id": glass.id if glass is not None else "none",
        "review_id": "R-none",
        "change_id": 1,
        "decision_id": 1,
        "tracking_number": "T-none",
        "grant_id": 1,
        "attachment_id": 1,
        "filter_id": 1,
        "override_id": 1,
        "event_id": "EV-none",
    }
