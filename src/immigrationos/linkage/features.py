"""Comparison features of staged records, built once per run and handed to splink."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from immigrationos.linkage.errors import LinkageInputError
from immigrationos.linkage.normalise import (
    a_number_key,
    document_key,
    fold_tokens,
    phonetic_key,
    romanisation_key,
    strip_particles,
)

_RECORD_COLUMNS = (
    "record_uid",
    "source",
    "given_name",
    "family_name",
    "dob",
    "dob_quality",
    "sex",
    "nationality",
    "passport_no",
    "passport_country",
    "a_number",
    "fbi_number",
    "country_of_birth",
)

# dob_quality values under which the staged DOB must not be compared.
_UNRESOLVED_DOB = ("unresolved", "ambiguous", "invalid")

FEATURE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("source", pa.string()),
        ("given_c", pa.string()),
        ("family_c", pa.string()),
        ("given1", pa.string()),
        ("family1", pa.string()),
        ("full_c", pa.string()),
        ("name_tokens", pa.list_(pa.string())),
        ("given_ph", pa.string()),
        ("family_ph", pa.string()),
        ("given_tl", pa.string()),
        ("family_tl", pa.string()),
        ("dob", pa.date32()),
        ("dob_s", pa.string()),
        ("sex", pa.string()),
        ("nationality", pa.string()),
        ("country_of_birth", pa.string()),
        ("passport_no", pa.string()),
        ("passport_country", pa.string()),
        ("a_number", pa.string()),
        ("fbi_number", pa.string()),
        ("thin", pa.bool_()),
    ]
)


def records_fetch(*, con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Return the identity columns of every staged record, ordered by record_uid.

    Raises LinkageInputError when the ``records`` table is missing.
    """
    columns = ", ".join(_RECORD_COLUMNS)
    try:
        return con.execute(f"SELECT {columns} FROM records ORDER BY record_uid").fetchall()
    except duckdb.CatalogException as exc:
        raise LinkageInputError(
            "table 'records' not found in the staging store; run `immigrationos ingest` first"
        ) from exc


def _upper(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    return value or None


@lru_cache(maxsize=500_000)
def _name_features(given: str | None, family: str | None) -> dict[str, Any]:
    given_tokens = fold_tokens(given)
    family_tokens = strip_particles(fold_tokens(family))
    tokens = sorted(set(given_tokens + family_tokens))
    return {
        "given_c": " ".join(given_tokens) or None,
        "family_c": " ".join(family_tokens) or None,
        "given1": given_tokens[0] if given_tokens else None,
        "family1": family_tokens[0] if family_tokens else None,
        "full_c": " ".join(tokens) or None,
        "name_tokens": tokens,
        "given_ph": phonetic_key(given_tokens[0]) if given_tokens else None,
        "family_ph": phonetic_key(family_tokens[0]) if family_tokens else None,
        "given_tl": romanisation_key(given_tokens),
        "family_tl": romanisation_key(family_tokens, family=True),
    }


def _feature_row(row: tuple[Any, ...]) -> dict[str, Any]:
    (uid, source, given, family, dob, dob_quality, sex, nationality, passport, passport_country,
     a_number, fbi) = row[:12]  # fmt: skip
    # Rows built by hand may stop after the first 12 columns: country of birth is then missing.
    country_of_birth = row[12] if len(row) > 12 else None
    names = _name_features(given, family)
    if dob_quality and any(word in dob_quality.lower() for word in _UNRESOLVED_DOB):
        dob = None
    passport_no = document_key(passport)
    a_key = a_number_key(a_number)
    fbi_key = document_key(fbi)
    has_document = bool(passport_no or a_key or fbi_key)
    has_full_name = bool(names["given_c"] and names["family_c"])
    return {
        "unique_id": uid,
        "source": source,
        **names,
        "dob": dob,
        "dob_s": dob.isoformat() if isinstance(dob, date) else None,
        "sex": sex if sex in ("M", "F") else None,
        "nationality": _upper(nationality),
        "country_of_birth": _upper(country_of_birth),
        "passport_no": passport_no,
        "passport_country": _upper(passport_country),
        "a_number": a_key,
        "fbi_number": fbi_key,
        "thin": not has_document and not (has_full_name and dob),
    }


def feature_rows_build(*, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Return the comparison features of ``rows`` (from ``records_fetch``), one dict each."""
    return [_feature_row(row) for row in rows]


def features_table(*, feature_rows: list[dict[str, Any]]) -> pa.Table:
    """Return feature rows as an Arrow table in the layout splink is given."""
    return pa.Table.from_pylist(feature_rows, schema=FEATURE_SCHEMA)
