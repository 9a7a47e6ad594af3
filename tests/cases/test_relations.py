"""Related persons from source records, both ways, and the generator's related columns."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from immigrationos.cases.models import Person, SourceRecord
from immigrationos.cases.relations import RelatedPerson, person_relations_get, relations_visible
from immigrationos.progress import NullProgress
from immigrationos.synth.generator import generate

# A-numbers as ingest stores them: nine digits, no "A". The leading zeros matter, because a
# JSON lookup would read them as a malformed number.
A_CHILD = "010000001"
A_PARENT = "010000002"
A_APPLICANT = "010000003"
A_SPOUSE = "010000004"
A_CITIZEN = "010000005"
A_MINOR = "010000006"
A_NOBODY = "099999999"


def _person(person_id: str) -> Person:
    return Person.objects.create(person_id=person_id, given_name=person_id, family_name="Test")


def _record(
    uid: str, person_id: str | None, *, a_number: str = "", name: str = "", **attrs: Any
) -> SourceRecord:
    given, _, family = name.partition(" ")
    source, record_id = uid.split(":", 1)
    return SourceRecord.objects.create(
        record_uid=uid,
        person_id=person_id,
        source=source,
        record_id=record_id,
        given_name=given,
        family_name=family,
        a_number=a_number,
        event_date=date(2024, 1, 1),
        attrs=attrs,
    )


@pytest.fixture
def family(db: None) -> None:
    """Build three relations, each stated one way, and one stated both ways.

    C1 (child) names P1 as parent on an N-600. S1 names S2 as spouse on an I-485, and S2's
    own I-485 names S1 back. N1's N-400 lists M1 as a child.
    """
    for person_id in ("C1", "P1", "S1", "S2", "N1", "M1"):
        _person(person_id)
    _record(
        "benefits:C1-N600",
        "C1",
        a_number=A_CHILD,
        name="Carla Ruiz",
        form="N-600",
        parent_a_number=A_PARENT,
        parent_name="Pedro Ruiz",
    )
    _record("benefits:P1-N400", "P1", a_number=A_PARENT, name="Pedro Ruiz", form="N-400")
    _record(
        "benefits:S1-I485",
        "S1",
        a_number=A_APPLICANT,
        name="Sara Kim",
        form="I-485",
        related_a_number=A_SPOUSE,
        related_name="Sam Kim",
        relationship="spouse",
    )
    _record(
        "benefits:S2-I485",
        "S2",
        a_number=A_SPOUSE,
        name="Samuel Kim",
        form="I-485",
        related_a_number=A_APPLICANT,
        related_name="Sara Kim",
        relationship="spouse",
    )
    _record(
        "benefits:N1-N400",
        "N1",
        a_number=A_CITIZEN,
        name="Nadia Haddad",
        form="N-400",
        related_a_number=A_MINOR,
        related_name="Mona Haddad",
        relationship="child",
    )
    _record("benefits:M1-I485", "M1", a_number=A_MINOR, name="Mona Haddad", form="I-485")


def _only(relations: list[RelatedPerson]) -> RelatedPerson:
    assert len(relations) == 1, relations
    return relations[0]


def test_parent_named_on_own_record(family: None) -> None:
    parent = _only(person_relations_get(person_id="C1"))

    assert parent.relationship == "parent"
    assert parent.name == "Pedro Ruiz"
    assert parent.a_number == A_PARENT
    assert parent.person_id == "P1"
    assert parent.record_uids == ["benefits:C1-N600"]
    assert parent.named_by_uids == []


def test_child_found_from_childs_record(family: None) -> None:
    child = _only(person_relations_get(person_id="P1"))

    assert child.relationship == "child"
    # The name and A-number are those of the record that names P1, which is the child's.
    assert child.name == "Carla Ruiz"
    assert child.a_number == A_CHILD
    assert child.person_id == "C1"
    assert child.record_uids == []
    assert child.named_by_uids == ["benefits:C1-N600"]


def test_child_listed_on_parents_record(family: None) -> None:
    child = _only(person_relations_get(person_id="N1"))

    assert child.relationship == "child"
    assert child.person_id == "M1"
    assert child.record_uids == ["benefits:N1-N400"]


def test_parent_found_from_parents_record(family: None) -> None:
    parent = _only(person_relations_get(person_id="M1"))

    assert parent.relationship == "parent"
    assert parent.person_id == "N1"
    assert parent.name == "Nadia Haddad"
    assert parent.named_by_uids == ["benefits:N1-N400"]


@pytest.mark.parametrize(
    ("viewed", "spouse_id", "own_uid", "other_uid", "name"),
    [
        ("S1", "S2", "benefits:S1-I485", "benefits:S2-I485", "Sam Kim"),
        ("S2", "S1", "benefits:S2-I485", "benefits:S1-I485", "Sara Kim"),
    ],
)
def test_spouse_both_ways_merged(
    family: None, viewed: str, spouse_id: str, own_uid: str, other_uid: str, name: str
) -> None:
    spouse = _only(person_relations_get(person_id=viewed))

    assert spouse.relationship == "spouse"
    assert spouse.person_id == spouse_id
    # The viewed person's own record comes first, so its spelling of the name is kept.
    assert spouse.name == name
    assert spouse.record_uids == [own_uid]
    assert spouse.named_by_uids == [other_uid]


def test_spouse_named_one_way_found_both_ways(db: None) -> None:
    _person("X1")
    _person("X2")
    _record(
        "benefits:X1",
        "X1",
        a_number=A_APPLICANT,
        name="Xena Park",
        related_a_number=A_SPOUSE,
        related_name="Xavier Park",
        relationship="spouse",
    )
    _record("benefits:X2", "X2", a_number=A_SPOUSE, name="Xavier Park")

    assert _only(person_relations_get(person_id="X1")).person_id == "X2"
    other = _only(person_relations_get(person_id="X2"))
    assert other.relationship == "spouse"
    assert other.person_id == "X1"


def test_unresolved_a_number(db: None) -> None:
    _person("U1")
    _record(
        "benefits:U1",
        "U1",
        a_number=A_CHILD,
        name="Uma Lee",
        related_a_number=A_NOBODY,
        related_name="Ian Lee",
        relationship="spouse",
    )

    spouse = _only(person_relations_get(person_id="U1"))

    assert spouse.person_id is None
    assert spouse.ambiguous is False
    assert spouse.a_number == A_NOBODY
    assert spouse.name == "Ian Lee"


def test_shared_a_number_left_unresolved(db: None) -> None:
    for person_id in ("U1", "D1", "D2"):
        _person(person_id)
    _record("benefits:U1", "U1", a_number=A_CHILD, form="N-600", parent_a_number=A_PARENT)
    _record("court:D1", "D1", a_number=A_PARENT)
    _record("court:D2", "D2", a_number=A_PARENT)

    parent = _only(person_relations_get(person_id="U1"))

    assert parent.person_id is None
    assert parent.ambiguous is True


def test_name_without_a_number(db: None) -> None:
    _person("U1")
    _record("benefits:U1", "U1", a_number=A_CHILD, form="N-600", parent_name="Maria Example")

    parent = _only(person_relations_get(person_id="U1"))

    assert parent.relationship == "parent"
    assert parent.a_number == ""
    assert parent.name == "Maria Example"
    assert parent.person_id is None


def test_same_relative_on_two_records_listed_once(db: None) -> None:
    _person("C1")
    _person("P1")
    _record("benefits:C1-a", "C1", a_number=A_CHILD, parent_a_number=A_PARENT, parent_name="Pedro")
    _record("benefits:C1-b", "C1", a_number=A_CHILD, parent_a_number=A_PARENT, parent_name="P. R.")
    _record("court:P1", "P1", a_number=A_PARENT)

    parent = _only(person_relations_get(person_id="C1"))

    assert parent.record_uids == ["benefits:C1-a", "benefits:C1-b"]
    assert parent.name == "Pedro"


def test_unlinked_record_naming_person_listed(db: None) -> None:
    _person("P1")
    _record("benefits:P1", "P1", a_number=A_PARENT)
    _record("benefits:orphan", None, a_number=A_CHILD, name="Omar Ali", parent_a_number=A_PARENT)

    child = _only(person_relations_get(person_id="P1"))

    assert child.relationship == "child"
    assert child.person_id is None
    assert child.name == "Omar Ali"
    assert child.named_by_uids == ["benefits:orphan"]


def test_relations_ordered_parent_spouse_child(db: None) -> None:
    _person("A1")
    _record(
        "benefits:A1-a",
        "A1",
        a_number=A_APPLICANT,
        related_a_number=A_MINOR,
        related_name="Zoe Child",
        relationship="child",
    )
    _record(
        "benefits:A1-b",
        "A1",
        a_number=A_APPLICANT,
        related_a_number=A_SPOUSE,
        related_name="Yan Spouse",
        relationship="spouse",
    )
    _record(
        "benefits:A1-c",
        "A1",
        a_number=A_APPLICANT,
        parent_a_number=A_PARENT,
        parent_name="Xia Parent",
    )

    relations = person_relations_get(person_id="A1")

    assert [relation.relationship for relation in relations] == ["parent", "spouse", "child"]


def test_record_without_relationship_ignored(db: None) -> None:
    _person("A1")
    _record("benefits:A1", "A1", a_number=A_APPLICANT, related_a_number=A_SPOUSE)

    assert person_relations_get(person_id="A1") == []


def test_query_count_with_loaded_records(family: None, django_assert_num_queries: Any) -> None:
    records = list(SourceRecord.objects.filter(person_id="S1"))

    # One query resolves the named A-numbers, one finds the records naming S1.
    with django_assert_num_queries(2):
        person_relations_get(person_id="S1", records=records)


def test_out_of_scope_relations(family: None) -> None:
    spouse = _only(person_relations_get(person_id="S1"))
    child = _only(person_relations_get(person_id="P1"))

    shown, hidden = relations_visible(relations=[spouse, child], visible_person_ids=set())

    # S1's own record names the spouse, so the spouse stays listed, unlinked and without
    # the spouse's own record. The child is named only in the child's record: withheld.
    assert hidden == 1
    [kept] = shown
    assert kept.person_id == "S2"
    assert kept.in_scope is False
    assert kept.record_uids == ["benefits:S1-I485"]
    assert kept.named_by_uids == []


def test_in_scope_relations_unchanged(family: None) -> None:
    child = _only(person_relations_get(person_id="P1"))

    shown, hidden = relations_visible(relations=[child], visible_person_ids={"C1"})

    assert hidden == 0
    assert shown == [child]
    assert shown[0].in_scope is True


def test_generator_writes_related_persons(tmp_path: Path) -> None:
    generate(
        persons=3000,
        seed=11,
        out_dir=tmp_path,
        as_of=date(2026, 12, 4),
        progress=NullProgress(),
    )
    with (tmp_path / "extracts" / "benefits.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    related = [row for row in rows if row["relationship"]]
    own_numbers = {row["a_number"] for row in rows if row["a_number"]}

    assert {row["relationship"] for row in related} == {"spouse", "parent", "child"}
    assert all(row["related_a_number"] and row["related_name"] for row in related)
    assert {row["form"] for row in related} == {"I-485", "N-400"}
    # Some named relatives are persons of the population, so the link resolves after
    # linkage. The others have A-numbers starting with 3, which no population member has.
    resolved = [row for row in related if row["related_a_number"] in own_numbers]
    unknown = [row for row in related if row["related_a_number"].startswith("3")]
    assert resolved
    assert unknown
    assert not any(row["related_a_number"] in own_numbers for row in unknown)
    # No application names its own applicant.
    assert not any(row["related_a_number"] == row["a_number"] for row in related)
