"""Read the staging store and assemble the rows the operational store receives."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from immigrationos.cases.names import name_fold_variants, name_tokens, token_phonetic

# Most authoritative first: a person's display name and identity fields come from the first
# source in this order that has them.
SOURCE_AUTHORITY: tuple[str, ...] = (
    "arrivals",
    "visas",
    "students",
    "benefits",
    "court",
    "criminal",
    "enforcement",
    "departures",
)
_RANK = {source: rank for rank, source in enumerate(SOURCE_AUTHORITY)}

_RECORDS_SQL = """
SELECT pr.person_id, r.record_uid, r.source, r.record_id, r.given_name, r.family_name, r.dob,
       r.sex, r.nationality, r.passport_no, r.passport_country, r.a_number, r.fbi_number,
       r.event_date, CAST(r.attrs AS VARCHAR), pr.match_probability, pr.link_rule,
       r.row_hash
FROM person_records pr JOIN records r USING (record_uid)
ORDER BY pr.person_id, r.record_uid
"""


# Latest by event date, ties broken by record uid, so the choice is the same on every run.
_OFFICE_HINTS_SQL = """
WITH hints AS (
    SELECT pr.person_id, r.source,
           NULLIF(trim(json_extract_string(r.attrs, '$.aor')), '') AS aor,
           NULLIF(trim(json_extract_string(r.attrs, '$.port')), '') AS port,
           coalesce(CAST(r.event_date AS VARCHAR), '') || r.record_uid AS recency
    FROM person_records pr JOIN records r USING (record_uid)
    WHERE r.source IN ('enforcement', 'arrivals')
)
SELECT person_id,
       arg_max(aor, recency) FILTER (WHERE source = 'enforcement' AND aor IS NOT NULL),
       arg_max(port, recency) FILTER (WHERE source = 'arrivals' AND port IS NOT NULL)
FROM hints GROUP BY person_id
"""


@dataclass
class RecordRow:
    """One staged record with its person link, as read from DuckDB."""

    person_id: str
    record_uid: str
    source: str
    record_id: str
    given_name: str | None
    family_name: str | None
    dob: date | None
    sex: str | None
    nationality: str | None
    passport_no: str | None
    passport_country: str | None
    a_number: str | None
    fbi_number: str | None
    event_date: date | None
    attrs: str
    match_probability: float
    link_rule: str
    row_hash: str


@dataclass
class PersonRow:
    """Identity fields of one person, chosen from their records."""

    person_id: str
    given_name: str = ""
    family_name: str = ""
    name_source: str = ""
    aliases: list[str] = field(default_factory=list)
    dob: date | None = None
    sex: str = ""
    nationality: str = ""
    a_numbers: list[str] = field(default_factory=list)
    passports: list[dict[str, str]] = field(default_factory=list)
    min_link_probability: float | None = None
    enforcement_aor: str | None = None
    arrival_port: str | None = None
    tokens: list[str] = field(default_factory=list)


def records_read(con: duckdb.DuckDBPyConnection) -> list[RecordRow]:
    """Return every linked record, ordered by person id."""
    return [RecordRow(*row) for row in con.execute(_RECORDS_SQL).fetchall()]


def office_hints_read(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """Return person_id -> (latest enforcement ``aor``, latest arrival ``port``)."""
    rows = con.execute(_OFFICE_HINTS_SQL).fetchall()
    return {person_id: (aor, port) for person_id, aor, port in rows}


def _full_name(record: RecordRow) -> str:
    return " ".join(part for part in (record.given_name, record.family_name) if part)


def _richest_spelling(chosen: str, spellings: list[str]) -> str:
    """Return the spelling of the ``chosen`` name that keeps the most of the original letters.

    The most authoritative source often writes the passport-zone form ("RENEE DVORAKOVA").
    Another record with the same folded name may keep the accents and case
    ("Renée Dvořáková"), and a person page should show that spelling.
    """
    best = max(spellings, key=_spelling_richness)
    if _spelling_richness(best) <= _spelling_richness(chosen):
        return chosen
    folds = name_fold_variants(chosen)
    same_name = [name for name in spellings if name_fold_variants(name) & folds]
    return max(same_name, key=lambda name: (_spelling_richness(name), name == chosen))


def _spelling_richness(name: str) -> tuple[int, bool]:
    accents = 0 if name.isascii() else sum(1 for char in name if not char.isascii())
    return accents, name != name.upper()


def person_assemble(person_id: str, records: list[RecordRow]) -> PersonRow:
    """Choose the display name and identity fields of one person from their records."""
    ordered = sorted(records, key=lambda r: (_RANK.get(r.source, len(_RANK)), r.record_uid))
    person = PersonRow(person_id=person_id)

    # Each distinct spelling, mapped to the most authoritative record that gives it.
    spellings: dict[str, RecordRow] = {}
    for record in ordered:
        if record.given_name or record.family_name:
            spellings.setdefault(_full_name(record), record)
    display = ""
    if spellings:
        display = _richest_spelling(next(iter(spellings)), list(spellings))
        shown = spellings[display]
        person.given_name = shown.given_name or ""
        person.family_name = shown.family_name or ""
        person.name_source = shown.source
    person.aliases = [spelling for spelling in spellings if spelling != display]

    person.dob = next((r.dob for r in ordered if r.dob), None)
    person.sex = next((r.sex for r in ordered if r.sex), "")
    person.nationality = next((r.nationality for r in ordered if r.nationality), "")
    person.a_numbers = sorted({r.a_number for r in records if r.a_number})
    passports = {(r.passport_country or "", r.passport_no) for r in records if r.passport_no}
    person.passports = [{"country": c, "number": n} for c, n in sorted(passports)]
    person.min_link_probability = min(r.match_probability for r in records)

    tokens: dict[str, None] = {}
    for spelling in spellings:
        tokens.update(dict.fromkeys(name_tokens(spelling)))
    person.tokens = list(tokens)
    return person


def persons_assemble(records: list[RecordRow]) -> list[PersonRow]:
    """Group records (ordered by person id) into persons."""
    persons: list[PersonRow] = []
    start = 0
    for index in range(1, len(records) + 1):
        if index == len(records) or records[index].person_id != records[start].person_id:
            persons.append(person_assemble(records[start].person_id, records[start:index]))
            start = index
    return persons


def token_rows(persons: Iterable[PersonRow]) -> list[tuple[str, str, str, str]]:
    """Return (person_id, token, prefix, phonetic) rows for the name search index."""
    return [
        (person.person_id, token, token[:3], token_phonetic(token))
        for person in persons
        for token in person.tokens
    ]


def table_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> list[dict[str, Any]]:
    """Run ``sql`` and return its rows as dicts keyed by column name."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def json_text(value: Any, *, default: str = "[]") -> str:
    """Return ``value`` as JSON text; DuckDB gives JSON columns as text already."""
    if value is None:
        return default
    if isinstance(value, str):
        return value
    return json.dumps(value, default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} value {value!r} as JSON")


def review_person_ids(reviews: list[dict[str, Any]], records: list[RecordRow]) -> set[str]:
    """Return the persons named by an open review item, directly or through a record."""
    person_of = {record.record_uid: record.person_id for record in records}
    in_review: set[str] = set()
    for review in reviews:
        in_review.update(str(pid) for pid in json.loads(json_text(review["person_ids"])))
        for record_uid in json.loads(json_text(review["record_uids"])):
            if record_uid in person_of:
                in_review.add(person_of[record_uid])
    return in_review
