"""Related persons (parent, spouse, child) that source records name.

A benefits record names a related person in two ways: ``related_a_number``,
``related_name`` and ``relationship`` (an I-485's petitioning spouse or parent, a child an
N-400 lists), or ``parent_a_number`` and ``parent_name`` (an N-600's citizen parent). Both
sit in the record's ``attrs``, with A-numbers normalised to nine digits by ingest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from immigrationos.cases.models import SourceRecord

# Display order of relationships on the person page.
RELATIONSHIP_ORDER: Final = ("parent", "spouse", "child")
# The relationship seen from the other side: if X names Y as parent, X is Y's child.
INVERSE: Final = {"parent": "child", "child": "parent", "spouse": "spouse"}
# attrs keys that name a related person: (A-number key, name key, fixed relationship). A
# fixed relationship of None means the record's ``relationship`` value gives it.
NAMING_KEYS: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("related_a_number", "related_name", None),
    ("parent_a_number", "parent_name", "parent"),
)
_RECORD_FIELDS: Final = (
    "record_uid",
    "person_id",
    "source",
    "given_name",
    "family_name",
    "a_number",
    "attrs",
)


@dataclass
class RelatedPerson:
    """A person related to the viewed person, as source records state it.

    ``relationship`` is the related person's relation to the viewed person. ``name`` and
    ``a_number`` are as the first record stating the relation gives them ("" when not
    recorded).
    ``record_uids`` are the viewed person's own records that name the related person;
    ``named_by_uids`` are records of the related person that name the viewed person.
    ``person_id`` is the person the A-number resolves to, or None when no person has it or
    several do (``ambiguous``).
    """

    relationship: str
    name: str
    a_number: str
    person_id: str | None
    ambiguous: bool = False
    record_uids: list[str] = field(default_factory=list)
    named_by_uids: list[str] = field(default_factory=list)
    # Whether the viewer may open the related person's page (set by ``relations_visible``).
    in_scope: bool = True


def person_relations_get(
    *, person_id: str, records: Sequence[SourceRecord] | None = None
) -> list[RelatedPerson]:
    """Return the persons related to ``person_id``, deduplicated and in a stable order.

    ``records`` are the person's own source records when the caller has loaded them
    already. The person's records are found by person and the named A-numbers by
    ``SourceRecord.a_number``, both indexed. The records naming this person are found by
    the A-number keys of ``attrs``, which are not indexed yet (see ``_records_naming``).
    """
    own = list(records) if records is not None else _own_records(person_id=person_id)
    stated = list(_relations_stated(records=own))
    owners = _a_number_owners(numbers={relation.a_number for relation in stated})
    for relation in stated:
        matches = owners.get(relation.a_number, set())
        relation.person_id = next(iter(matches)) if len(matches) == 1 else None
        relation.ambiguous = len(matches) > 1

    own_numbers = sorted({record.a_number for record in own if record.a_number})
    naming = _records_naming(a_numbers=own_numbers, person_id=person_id)
    return _merged([*stated, *_relations_inverse(records=naming, a_numbers=set(own_numbers))])


def relations_visible(
    *, relations: list[RelatedPerson], visible_person_ids: set[str]
) -> tuple[list[RelatedPerson], int]:
    """Return the relations a viewer may see and how many are withheld.

    ``visible_person_ids`` are the resolved persons in the viewer's scope. A related person
    outside it stays listed, unlinked, when the viewed person's own record names them, with
    the related person's own records left out. A relation stated only in the related
    person's records is withheld, because its name and A-number come from those records.
    """
    shown: list[RelatedPerson] = []
    for relation in relations:
        if relation.person_id is None or relation.person_id in visible_person_ids:
            shown.append(relation)
        elif relation.record_uids:
            shown.append(dataclasses.replace(relation, named_by_uids=[], in_scope=False))
    return shown, len(relations) - len(shown)


def _own_records(*, person_id: str) -> list[SourceRecord]:
    return list(
        SourceRecord.objects.filter(person_id=person_id)
        .only(*_RECORD_FIELDS)
        .order_by("event_date", "record_uid")
    )


def _named(attrs: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    """Yield (relationship, A-number, name) for each related person ``attrs`` names."""
    for number_key, name_key, fixed in NAMING_KEYS:
        number = str(attrs.get(number_key) or "")
        name = str(attrs.get(name_key) or "")
        relationship = fixed or str(attrs.get("relationship") or "")
        if (number or name) and relationship in INVERSE:
            yield relationship, number, name


def _relations_stated(*, records: Iterable[SourceRecord]) -> Iterable[RelatedPerson]:
    for record in records:
        attrs = record.attrs if isinstance(record.attrs, dict) else {}
        for relationship, number, name in _named(attrs):
            yield RelatedPerson(
                relationship=relationship,
                name=name,
                a_number=number,
                person_id=None,
                record_uids=[record.record_uid],
            )


def _a_number_owners(*, numbers: set[str]) -> dict[str, set[str]]:
    """Map each of ``numbers`` to the persons whose linked records carry it."""
    numbers.discard("")
    if not numbers:
        return {}
    rows = (
        SourceRecord.objects.filter(a_number__in=sorted(numbers), person__isnull=False)
        .values_list("a_number", "person_id")
        .distinct()
    )
    owners: dict[str, set[str]] = {}
    for number, owner in rows:
        owners.setdefault(number, set()).add(owner)
    return owners


def _records_naming(*, a_numbers: list[str], person_id: str) -> list[SourceRecord]:
    """Return other persons' records that name one of ``a_numbers`` as a related person.

    The filter repeats, per database vendor, the expressions of the indexes that migration
    cases 0007 builds on the ``NAMING_KEYS`` A-number keys, so each key is an index lookup.
    """
    if not a_numbers:
        return []
    placeholders = ", ".join(["%s"] * len(a_numbers))
    clauses = [
        f"{named_a_number_sql(connection.vendor, number_key)} IN ({placeholders})"
        for number_key, _, _ in NAMING_KEYS
    ]
    named = RawSQL(" OR ".join(clauses), a_numbers * len(NAMING_KEYS), output_field=BooleanField())
    return list(
        SourceRecord.objects.filter(named)
        .exclude(person_id=person_id)
        .only(*_RECORD_FIELDS)
        .order_by("record_uid")
    )


def named_a_number_sql(vendor: str, key: str, *, qualified: bool = True) -> str:
    """Return the SQL expression for the text of ``attrs[key]`` that the indexes use.

    An index expression takes the bare column name (``qualified=False``). A query may
    qualify it, and both databases still match the expression to the index.
    """
    if key not in {number_key for number_key, _, _ in NAMING_KEYS}:
        raise ValueError(f"unknown A-number key {key!r}; expected one of NAMING_KEYS")
    column = '"cases_sourcerecord"."attrs"' if qualified else '"attrs"'
    if vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _relations_inverse(
    *, records: Iterable[SourceRecord], a_numbers: set[str]
) -> Iterable[RelatedPerson]:
    """Yield the record owners that name one of ``a_numbers``, with the inverse relation."""
    for record in records:
        attrs = record.attrs if isinstance(record.attrs, dict) else {}
        for relationship, number, _ in _named(attrs):
            if number not in a_numbers:
                continue
            name = " ".join(part for part in (record.given_name, record.family_name) if part)
            yield RelatedPerson(
                relationship=INVERSE[relationship],
                name=name,
                a_number=record.a_number,
                person_id=record.person_id,
                named_by_uids=[record.record_uid],
            )


def _merged(relations: Iterable[RelatedPerson]) -> list[RelatedPerson]:
    """Merge relations to the same person, keeping the first name and A-number seen.

    Two relations are the same when they have one relationship and one resolved person, or,
    unresolved, one A-number (one name when neither has an A-number).
    """
    merged: dict[tuple[str, str], RelatedPerson] = {}
    for relation in relations:
        if relation.person_id is not None:
            identity = f"person:{relation.person_id}"
        elif relation.a_number:
            identity = f"a_number:{relation.a_number}"
        else:
            identity = f"name:{relation.name.casefold()}"
        key = (relation.relationship, identity)
        kept = merged.setdefault(key, relation)
        if kept is not relation:
            kept.record_uids += relation.record_uids
            kept.named_by_uids += relation.named_by_uids

    result = list(merged.values())
    for relation in result:
        relation.record_uids = sorted(set(relation.record_uids))
        relation.named_by_uids = sorted(set(relation.named_by_uids))
    result.sort(
        key=lambda relation: (
            RELATIONSHIP_ORDER.index(relation.relationship),
            relation.name.casefold(),
            relation.a_number,
            relation.person_id or "",
        )
    )
    return result


__all__ = ["INVERSE", "RelatedPerson", "person_relations_get", "relations_visible"]
