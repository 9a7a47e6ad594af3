"""Person search: folded, order-insensitive, typo-tolerant names and exact identifiers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from immigrationos.audit.models import AuditEvent
from immigrationos.cases.models import Person, PersonNameToken
from immigrationos.cases.names import name_fold, name_fold_variants, name_tokens, token_phonetic
from immigrationos.cases.search import SEARCH_LIMIT, person_search, person_search_run, query_kind

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
        ("06/26/1975", "dob_format"),
        ("26/06/1975", "dob_format"),
        ("26.06.1975", "dob_format"),
        ("6/7/75", "dob_format"),
        ("1975/06/26", "dob_format"),
        ("26-06-1975", "dob_format"),
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


def _person_create(person_id: str, given_name: str, family_name: str) -> None:
    """Create a person with the name tokens the search prefilter reads."""
    person = Person.objects.create(
        person_id=person_id, given_name=given_name, family_name=family_name
    )
    PersonNameToken.objects.bulk_create(
        PersonNameToken(
            person=person, token=token, prefix=token[:3], phonetic=token_phonetic(token)
        )
        for token in name_tokens(f"{given_name} {family_name}")
    )


@pytest.mark.parametrize("query", ["06/26/1975", "26.06.1975"])
def test_slash_date_asks_for_iso(officer_client: Any, loaded: Any, query: str) -> None:
    response = officer_client.get("/search/", {"q": query})
    text = response.content.decode()
    assert "YYYY-MM-DD" in text
    assert "day and month order" in text
    assert response.context["hits"] == []
    event = AuditEvent.objects.get(action="person_search")
    assert event.details["query_kind"] == "dob_format"
    assert event.details["result_count"] == 0


def test_slash_date_not_run_as_name(db: None) -> None:
    # A person whose name tokens are the date's digits would be found by a name search.
    _person_create("PX", "06", "26 1975")
    result = person_search_run(query="06/26/1975")
    assert result.kind == "dob_format"
    assert result.hits == []
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        person_search(query="06/26/1975")


def test_search_reports_truncation(officer_client: Any, db: None) -> None:
    # SEARCH_LIMIT + 1 persons share a date of birth: the page shows SEARCH_LIMIT of them
    # and says that more match.
    Person.objects.bulk_create(
        Person(person_id=f"PD{n:03d}", family_name="Test", dob=date(1990, 1, 1))
        for n in range(SEARCH_LIMIT + 1)
    )
    response = officer_client.get("/search/", {"q": "1990-01-01"})
    assert len(response.context["hits"]) == SEARCH_LIMIT
    assert response.context["truncated"] is True
    assert f"Showing the first {SEARCH_LIMIT} matches" in response.content.decode()
    assert "narrow the search" in response.content.decode()


def test_search_exactly_at_limit_not_truncated(db: None) -> None:
    Person.objects.bulk_create(
        Person(person_id=f"PD{n:03d}", family_name="Test", dob=date(1990, 1, 1))
        for n in range(SEARCH_LIMIT)
    )
    result = person_search_run(query="1990-01-01")
    assert len(result.hits) == SEARCH_LIMIT
    assert result.truncated is False


def test_name_search_truncation(db: None) -> None:
    for n in range(4):
        _person_create(f"PN{n}", "Ana", "Silva")
    result = person_search_run(query="Ana Silva", limit=3)
    assert len(result.hits) == 3
    assert result.truncated is True


def test_name_ties_prefer_exact_tokens(db: None) -> None:
    # Query "konstantin alexandrov". PA: konstantix 90, alexandrox 90 -> mean 90, 0 exact.
    # PB: konstantin 100, alexandrxy 80 -> mean 90, 1 exact. Equal means, so PB comes first
    # although its id sorts later.
    _person_create("PA", "Konstantix", "Alexandrox")
    _person_create("PB", "Konstantin", "Alexandrxy")
    _kind, hits = person_search(query="konstantin alexandrov")
    assert [round(hit.score, 3) for hit in hits] == [90.0, 90.0]
    assert [hit.person.person_id for hit in hits] == ["PB", "PA"]


def test_name_ties_then_by_display_name(db: None) -> None:
    # Both score 100 with one exact token; "ana silva" sorts before "zoe silva".
    _person_create("PA", "Zoe", "Silva")
    _person_create("PB", "Ana", "Silva")
    _kind, hits = person_search(query="silva")
    assert [hit.person.person_id for hit in hits] == ["PB", "PA"]


def test_name_ties_at_limit_cut_by_name(db: None) -> None:
    # Three persons tie at score 100; with limit 2 the two first by name are kept, not the
    # two lowest ids.
    _person_create("PA", "Zoe", "Silva")
    _person_create("PB", "Yara", "Silva")
    _person_create("PC", "Ana", "Silva")
    result = person_search_run(query="silva", limit=2)
    assert [hit.person.person_id for hit in result.hits] == ["PC", "PB"]
    assert result.truncated is True
