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

QueryKind = Literal["name", "dob", "dob_format", "a_number", "passport", "empty"]

_DOB = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates written with slashes or dots, or with dashes but the year last (06/26/1975,
# 26.06.1975, 1975/06/26, 26-06-1975). Sources differ in day/month order, so such a query is
# rejected with a request for YYYY-MM-DD rather than guessed.
_OTHER_DATE = re.compile(
    r"^(?:\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}[/.]\d{1,2}[/.]\d{1,2}|\d{1,2}-\d{1,2}-\d{4})$"
)
_A_NUMBER = re.compile(r"^[Aa]?[\s-]*\d{3}[\s-]?\d{3}[\s-]?\d{2,3}$")
_DOCUMENT = re.compile(r"^[A-Za-z0-9]*\d[A-Za-z0-9]*$")
MIN_NAME_SCORE = 70.0
# Names of the query kinds on the results page ("found by date of birth").
QUERY_KIND_LABELS: dict[str, str] = {
    "name": "name",
    "dob": "date of birth",
    "dob_format": "date of birth",
    "a_number": "A-number",
    "passport": "passport number",
}
SEARCH_LIMIT = 50
# Person ids per IN (...) query, below SQLite's default limit of bound parameters.
_NAME_CHUNK = 900


@dataclass(frozen=True)
class SearchHit:
    """One person found, with how well the name matched (100 for exact identifiers)."""

    person: Person
    score: float


@dataclass(frozen=True)
class SearchResult:
    """The query's kind, the persons found (best first) and whether more matched.

    ``truncated`` is true when more persons matched than ``hits`` holds, so the page can ask
    for a narrower query. ``message`` explains a query that was not run.
    """

    kind: QueryKind
    hits: list[SearchHit]
    truncated: bool = False
    message: str = ""


def query_kind(query: str) -> QueryKind:
    """Return what ``query`` looks like: a DOB, an A-number, a passport number or a name."""
    text = query.strip()
    if not text:
        return "empty"
    if _DOB.match(text):
        return "dob"
    if _OTHER_DATE.match(text):
        return "dob_format"
    if _A_NUMBER.match(text):
        return "a_number"
    if _DOCUMENT.match(text):
        return "passport"
    return "name"


def person_search(*, query: str, limit: int = SEARCH_LIMIT) -> tuple[QueryKind, list[SearchHit]]:
    """Return the query's kind and the best-matching persons, best first.

    Raises ValueError when a DOB query is not a real calendar date.
    """
    result = person_search_run(query=query, limit=limit)
    if result.kind == "dob_format":
        raise ValueError(result.message)
    return result.kind, result.hits


def person_search_run(*, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Find the persons matching ``query``, best first, and tell whether more matched.

    A date written other than YYYY-MM-DD yields kind "dob_format", no hits and a message.
    Raises ValueError when a YYYY-MM-DD query is not a real calendar date.
    """
    kind = query_kind(query)
    text = query.strip()
    if kind == "empty":
        return SearchResult(kind=kind, hits=[])
    if kind == "dob_format":
        message = (
            f"{text!r} looks like a date, but sources differ in day and month order. "
            "Enter a date of birth as YYYY-MM-DD, for example 1980-12-31 for 31 December 1980."
        )
        return SearchResult(kind=kind, hits=[], message=message)
    # One row more than the limit shows whether the limit cut the list.
    if kind == "dob":
        persons = list(Person.objects.filter(dob=date.fromisoformat(text))[: limit + 1])
        hits = [SearchHit(person=person, score=100.0) for person in persons]
    elif kind == "a_number":
        condition = Q(a_number__in=_a_number_forms(text))
        if text[0].isdigit():
            # Some passports (US ones, for example) are nine digits, like an A-number.
            condition |= Q(passport_no=re.sub(r"\D", "", text))
        hits = _by_record(condition, limit=limit + 1)
    elif kind == "passport":
        hits = _by_record(Q(passport_no=text.upper()), limit=limit + 1)
    else:
        hits = _by_name(text, limit=limit + 1)
    return SearchResult(kind=kind, hits=hits[:limit], truncated=len(hits) > limit)


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
        # The rows come in one fetch. On PostgreSQL iterator() would open a server-side cursor,
        # whose extra round trips cost more than the few thousand short rows a token matches.
        rows = PersonNameToken.objects.filter(condition).values_list("person_id", "token")
        # Common tokens repeat across thousands of persons, so each is scored once.
        ratios: dict[str, float] = {}
        for person_id, token in rows:
            ratio = ratios.get(token)
            if ratio is None:
                ratio = ratios[token] = fuzz.ratio(query_token, token)
            scores = best.setdefault(person_id, [0.0] * len(query_tokens))
            scores[position] = max(scores[position], ratio)

    # Ties on the mean score go to the person matching more query tokens exactly, then to
    # the display name, so equal scores list in an order a reader can follow. Candidates
    # below MIN_NAME_SCORE are dropped before the sort.
    means = ((sum(scores) / len(scores), scores, person_id) for person_id, scores in best.items())
    ranked = sorted(
        (
            (mean, sum(score == 100.0 for score in scores), person_id)
            for mean, scores, person_id in means
            if mean >= MIN_NAME_SCORE
        ),
        key=lambda item: (-item[0], -item[1], item[2]),
    )
    ranked = _ranked_by_name_within_ties(ranked, limit=limit)
    persons = Person.objects.in_bulk([person_id for _score, _exact, person_id in ranked])
    return [
        SearchHit(person=persons[pid], score=score)
        for score, _exact, pid in ranked
        if pid in persons
    ]


def _ranked_by_name_within_ties(
    ranked: list[tuple[float, int, str]], *, limit: int
) -> list[tuple[float, int, str]]:
    """Return the first ``limit`` of ``ranked``, ordering equal (score, exact) by name.

    Names are read only for the candidates that can still reach the list: every candidate
    ranked above the cut, plus the whole tie group the cut falls into.
    """
    if limit <= 0:
        return []
    reachable = ranked[:limit]
    if len(ranked) > limit:
        cut_key = ranked[limit - 1][:2]
        reachable += [item for item in ranked[limit:] if item[:2] == cut_key]
    names: dict[str, str] = {}
    person_ids = [person_id for _score, _exact, person_id in reachable]
    for start in range(0, len(person_ids), _NAME_CHUNK):
        rows = Person.objects.filter(person_id__in=person_ids[start : start + _NAME_CHUNK])
        for person_id, given, family in rows.values_list("person_id", "given_name", "family_name"):
            names[person_id] = name_fold(f"{given} {family}")
    reachable.sort(key=lambda item: (-item[0], -item[1], names.get(item[2], ""), item[2]))
    return reachable[:limit]
