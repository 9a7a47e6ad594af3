"""Find persons by name, date of birth, A-number or passport number.

Name search folds accents and case, ignores token order and tolerates a typo. The database
prefilter finds name tokens that share the first three letters or the Metaphone key of a
query token, and rapidfuzz scores those tokens in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.db.models import Q
from rapidfuzz import fuzz

from immigrationos.cases.models import Person, PersonNameToken, SourceRecord
from immigrationos.cases.names import name_fold, token_phonetic

QueryKind = Literal["name", "dob", "a_number", "passport", "empty"]

_DOB = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_A_NUMBER = re.compile(r"^[Aa]?[\s-]*\d{3}[\s-]?\d{3}[\s-]?\d{2,3}$")
_DOCUMENT = re.compile(r"^[A-Za-z0-9]*\d[A-Za-z0-9]*$")
MIN_NAME_SCORE = 70.0


@dataclass(frozen=True)
class SearchHit:
    """One person found, with how well the name matched (100 for exact identifiers)."""

    person: Person
    score: float


def query_kind(query: str) -> QueryKind:
    """Return what ``query`` looks like: a DOB, an A-number, a passport number or a name."""
    text = query.strip()
    if not text:
        return "empty"
    if _DOB.match(text):
        return "dob"
    if _A_NUMBER.match(text):
        return "a_number"
    if _DOCUMENT.match(text):
        return "passport"
    return "name"


def person_search(*, query: str, limit: int = 50) -> tuple[QueryKind, list[SearchHit]]:
    """Return the query's kind and the best-matching persons, best first.

    Raises ValueError when a DOB query is not a real calendar date.
    """
    kind = query_kind(query)
    text = query.strip()
    if kind == "empty":
        return kind, []
    if kind == "dob":
        persons = Person.objects.filter(dob=date.fromisoformat(text))[:limit]
        return kind, [SearchHit(person=person, score=100.0) for person in persons]
    if kind == "a_number":
        condition = Q(a_number__in=_a_number_forms(text))
        if text[0].isdigit():
            # Some passports (US ones, for example) are nine digits, like an A-number.
            condition |= Q(passport_no=re.sub(r"\D", "", text))
        return kind, _by_record(condition, limit=limit)
    if kind == "passport":
        return kind, _by_record(Q(passport_no=text.upper()), limit=limit)
    return kind, _by_name(text, limit=limit)


def _a_number_forms(text: str) -> list[str]:
    """Return the stored spellings an A-number may have; none for an all-zero number.

    An all-zero query would otherwise yield the empty form and match every record that has
    no A-number.
    """
    digits = re.sub(r"\D", "", text)
    if not digits.strip("0"):
        return []
    forms = {digits, digits.zfill(9), digits.lstrip("0")}
    return sorted(forms | {f"A{form}" for form in forms})


def _by_record(condition: Q, *, limit: int) -> list[SearchHit]:
    # order_by() clears the model's default ordering, which would otherwise make DISTINCT
    # apply to (person, ordering column) pairs and the limit count records, not persons.
    person_ids = (
        SourceRecord.objects.filter(condition, person__isnull=False)
        .order_by()
        .values_list("person_id", flat=True)
        .distinct()[:limit]
    )
    persons = Person.objects.filter(person_id__in=list(person_ids))
    return [SearchHit(person=person, score=100.0) for person in persons]


def _by_name(text: str, *, limit: int) -> list[SearchHit]:
    query_tokens = list(dict.fromkeys(token for token in name_fold(text).split() if token))
    if not query_tokens:
        return []

    # Each person's score is the mean, over query tokens, of the best fuzz.ratio between that
    # query token and any of the person's name tokens that passed the prefilter. Token order
    # therefore does not matter, and a typo costs only part of one token's score.
    best: dict[str, list[float]] = {}
    for position, query_token in enumerate(query_tokens):
        condition = Q(prefix=query_token[:3]) if len(query_token) >= 3 else Q(token=query_token)
        phonetic = token_phonetic(query_token)
        if phonetic:
            condition |= Q(phonetic=phonetic)
        rows = PersonNameToken.objects.filter(condition).values_list("person_id", "token")
        for person_id, token in rows.iterator(chunk_size=5000):
            scores = best.setdefault(person_id, [0.0] * len(query_tokens))
            scores[position] = max(scores[position], fuzz.ratio(query_token, token))

    ranked = sorted(
        ((sum(scores) / len(scores), person_id) for person_id, scores in best.items()),
        key=lambda item: (-item[0], item[1]),
    )
    ranked = [(score, person_id) for score, person_id in ranked if score >= MIN_NAME_SCORE]
    ranked = ranked[:limit]
    persons = Person.objects.in_bulk([person_id for _score, person_id in ranked])
    return [SearchHit(person=persons[pid], score=score) for score, pid in ranked if pid in persons]
