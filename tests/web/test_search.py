"""Person search: folded, order-insensitive, typo-tolerant names and exact identifiers."""

from __future__ import annotations

from typing import Any

import pytest

from immigrationos.cases.names import name_fold, name_fold_variants, name_tokens
from immigrationos.cases.search import person_search, query_kind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Renée Dvořáková", "renee dvorakova"),
        ("Jörg Strauß", "jorg strauss"),
        ("Małgorzata Łapińska", "malgorzata lapinska"),
        ("Søren Ærø", "soren aero"),
        ("  Solvang-Ito, Greta ", "solvang ito greta"),
    ],
)
def test_name_fold(text: str, folded: str) -> None:
    assert name_fold(text) == folded


def test_name_tokens_add_passport_zone_form() -> None:
    # ö -> oe and ø -> oe in the passport zone, so "JOERG" and "AEROE" also match exactly.
    assert name_tokens("Jörg Ærø") == ["jorg", "aero", "joerg", "aeroe"]
    assert name_fold_variants("Søren") == {"soren", "soeren"}


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("", "empty"),
        ("1979-06-03", "dob"),
        ("A012345678", "a_number"),
        ("012-345-678", "a_number"),
        ("PC0661204", "passport"),
        ("Renée Dvořáková", "name"),
    ],
)
def test_query_kind(query: str, kind: str) -> None:
    assert query_kind(query) == kind


@pytest.mark.parametrize(
    ("query", "person_id"),
    [
        ("Renée Dvořáková", "P1"),  # exact, with accents
        ("renee dvorakova", "P1"),  # accents folded
        ("DVORAKOVA Renee", "P1"),  # token order swapped
        ("Renee Dvorakvoa", "P1"),  # one transposition typo
        ("Rene Dvorakova", "P1"),  # one deleted letter
        ("Joerg Strauss", "P2"),  # passport-zone transcription of Jörg Strauß
        ("Jorg Strauss", "P2"),  # stripped form
        ("Malgorzata Lapinska", "P5"),  # ł folded to l
        ("Soren Aeroe", "P4"),
        ("Dvorakova", "P1"),  # family name alone
    ],
)
def test_name_search_finds_person(loaded: Any, query: str, person_id: str) -> None:
    kind, hits = person_search(query=query)
    assert kind == "name"
    assert hits, f"no hit for {query!r}"
    assert hits[0].person.person_id == person_id


def test_name_search_misses_unrelated_name(loaded: Any) -> None:
    _kind, hits = person_search(query="Zbigniew Wolanski")
    assert hits == []


@pytest.mark.parametrize(
    ("query", "kind", "person_ids"),
    [
        ("1979-06-03", "dob", ["P1"]),
        ("A012345678", "a_number", ["P2"]),
        ("12345678", "a_number", ["P2"]),  # leading zero and the "A" left out
        ("pc0661204", "passport", ["P1"]),
        # An all-zero A-number matches nobody, not every record that lacks an A-number.
        ("A000000000", "a_number", []),
        ("000-000-000", "a_number", []),
    ],
)
def test_identifier_search(loaded: Any, query: str, kind: str, person_ids: list[str]) -> None:
    found_kind, hits = person_search(query=query)
    assert found_kind == kind
    assert [hit.person.person_id for hit in hits] == person_ids


def test_dob_search_rejects_impossible_date(loaded: Any) -> None:
    with pytest.raises(ValueError):
        person_search(query="1979-02-30")
