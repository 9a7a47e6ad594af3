"""The person page's related persons: links, office scope, masking and the one audit event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from immigrationos.audit.models import AuditEvent
from immigrationos.cases.models import Case, Office, Person, SourceRecord

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A_CHILD = "010000001"
A_PARENT = "010000002"
A_SPOUSE = "010000003"
A_NOBODY = "099999999"
A_LOS_CHILD = "010000004"


def _person(person_id: str, given: str) -> Person:
    return Person.objects.create(person_id=person_id, given_name=given, family_name="Ruiz")


def _record(uid: str, person: Person, *, a_number: str, **attrs: Any) -> None:
    source, record_id = uid.split(":", 1)
    SourceRecord.objects.create(
        record_uid=uid,
        person=person,
        source=source,
        record_id=record_id,
        given_name=person.given_name,
        family_name=person.family_name,
        a_number=a_number,
        event_date=date(2024, 1, 1),
        attrs=attrs,
    )


def _case(person: Person, office: str) -> None:
    Case.objects.create(
        person=person,
        office=Office.objects.get_or_create(code=office, defaults={"name": office})[0],
        opened_at=OPENED,
        updated_at=OPENED,
    )


@pytest.fixture
def family(db: None) -> None:
    """Build P1 (case in NYC) with two children, a spouse in LOS and an unknown spouse.

    C1's N-600 names P1 as parent. P1's I-485 names S1 (case in LOS) as spouse and an
    A-number nobody has. L1 (case in LOS) names P1 as parent on an N-600 of its own.
    """
    parent = _person("P1", "Pedro")
    child = _person("C1", "Carla")
    spouse = _person("S1", "Sofia")
    los_child = _person("L1", "Lucia")
    _case(parent, "NYC")
    _case(spouse, "LOS")
    _case(los_child, "LOS")
    _record(
        "benefits:P1-I485",
        parent,
        a_number=A_PARENT,
        form="I-485",
        related_a_number=A_SPOUSE,
        related_name="Sofia Ruiz",
        relationship="spouse",
    )
    _record(
        "benefits:P1-N400",
        parent,
        a_number=A_PARENT,
        form="N-400",
        related_a_number=A_NOBODY,
        related_name="Ines Ruiz",
        relationship="spouse",
    )
    _record(
        "benefits:C1-N600",
        child,
        a_number=A_CHILD,
        form="N-600",
        parent_a_number=A_PARENT,
        parent_name="Pedro Ruiz",
    )
    _record("benefits:S1-I130", spouse, a_number=A_SPOUSE, form="I-485")
    _record(
        "benefits:L1-N600",
        los_child,
        a_number=A_LOS_CHILD,
        form="N-600",
        parent_a_number=A_PARENT,
        parent_name="Pedro Ruiz",
    )


def _related_section(text: str) -> str:
    start = text.index('<section aria-labelledby="related">')
    return text[start : text.index("</section>", start)]


def test_unscoped_role_sees_all_linked(role_client: Any, family: None) -> None:
    # Analysts are not limited to an office's cases.
    client = role_client("analyst", office=None)
    section = _related_section(client.get("/persons/P1/").content.decode())

    assert 'href="/persons/C1/"' in section
    assert 'href="/persons/L1/"' in section
    assert 'href="/persons/S1/"' in section
    assert 'href="/persons/L1/#record-benefits:L1-N600"' in section
    assert "Ines Ruiz" in section
    assert "no person has this A-number" in section
    assert "not listed" not in section


def test_officer_sees_out_of_scope_unlinked(role_client: Any, family: None) -> None:
    client = role_client("officer", office="NYC")
    section = _related_section(client.get("/persons/P1/").content.decode())

    # C1 has no case, so every office may see C1.
    assert 'href="/persons/C1/"' in section
    assert "Carla Ruiz" in section
    # S1 is in LOS. P1's own I-485 names S1, so the row stays, without a link.
    assert "Sofia Ruiz" in section
    assert 'href="/persons/S1/' not in section
    assert "a person outside your offices" in section
    assert "Ines Ruiz" in section
    assert A_NOBODY in section
    # L1 is in LOS and only L1's own record names P1, so nothing of L1 is shown.
    assert "Lucia" not in section
    assert "L1-N600" not in section
    assert "not listed: 1." in section


def test_child_page_links_parent(role_client: Any, family: None) -> None:
    client = role_client("officer", office="NYC")
    section = _related_section(client.get("/persons/C1/").content.decode())

    assert "<td>parent</td>" in section
    assert 'href="/persons/P1/"' in section
    assert 'href="#record-benefits:C1-N600"' in section


def test_spouse_page_out_of_scope_withheld(role_client: Any, family: None) -> None:
    client = role_client("officer", office="LOS")
    section = _related_section(client.get("/persons/S1/").content.decode())

    # P1's case is in NYC, and only P1's record names S1, so the spouse is withheld.
    assert "<td>spouse</td>" not in section
    assert "Pedro" not in section
    assert "not listed: 1." in section


def test_spouse_page_in_scope_links_back(role_client: Any, family: None) -> None:
    client = role_client("analyst", office=None)
    section = _related_section(client.get("/persons/S1/").content.decode())

    assert "<td>spouse</td>" in section
    assert 'href="/persons/P1/"' in section
    assert 'href="/persons/P1/#record-benefits:P1-I485"' in section


def test_masking_role_sees_a_number_masked(role_client: Any, family: None) -> None:
    client = role_client("analyst", office=None)
    text = client.get("/persons/P1/").content.decode()
    section = _related_section(text)

    assert "[masked]" in section
    for number in (A_NOBODY, A_SPOUSE, A_CHILD, A_LOS_CHILD):
        assert number not in section
    # The timeline's source fields withhold the related A-numbers too.
    assert A_NOBODY not in text
    assert A_SPOUSE not in text
    assert "Sofia Ruiz" in section


def test_unmasked_role_sees_a_numbers(role_client: Any, family: None) -> None:
    client = role_client("officer", office="NYC")
    section = _related_section(client.get("/persons/C1/").content.decode())

    assert A_PARENT in section
    assert "[masked]" not in section


def test_one_audit_event_per_view(role_client: Any, family: None) -> None:
    client = role_client("officer", office="NYC")
    before = AuditEvent.objects.count()

    response = client.get("/persons/P1/")

    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "person_view"
    assert event.object_ids == ["P1"]


def test_no_relations_message(role_client: Any, family: None) -> None:
    Person.objects.create(person_id="Z1", given_name="Zed", family_name="Alone")
    client = role_client("officer", office="NYC")
    section = _related_section(client.get("/persons/Z1/").content.decode())

    assert "No source record names a parent, spouse or child of this person." in section
