"""Stage hand-made records straight into a DuckDB ``records`` table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb

from immigrationos.linkage.comparisons import COMPARISONS
from immigrationos.linkage.features import feature_rows_build, features_table
from immigrationos.linkage.model import (
    INPUT_TABLE,
    PAIRS_TABLE,
    input_table_create,
    linker_build,
    pairs_score,
)
from immigrationos.linkage.settings import LinkageSettings

_SOURCE_BY_PREFIX = {
    "A": "arrivals",
    "V": "visas",
    "D": "departures",
    "B": "benefits",
    "C": "criminal",
    "O": "court",
    "E": "enforcement",
    "S": "students",
}

FIELDS = (
    "given_name",
    "family_name",
    "dob",
    "sex",
    "nationality",
    "passport_no",
    "passport_country",
    "a_number",
    "fbi_number",
    "country_of_birth",
    "dob_quality",
)


def record(record_id: str, **fields: Any) -> dict[str, Any]:
    """Return one staged record; the source follows the record id's letter prefix."""
    row: dict[str, Any] = dict.fromkeys(FIELDS)
    row.update(fields)
    if isinstance(row["dob"], str):
        row["dob"] = date.fromisoformat(row["dob"])
    row["record_id"] = record_id
    row["source"] = row.get("source") or _SOURCE_BY_PREFIX[record_id[0]]
    return row


def uid(record_id: str) -> str:
    """Return the record uid of a hand-made record id."""
    return f"{_SOURCE_BY_PREFIX[record_id[0]]}:{record_id}"


def records_stage(con: duckdb.DuckDBPyConnection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into the ``records`` table in the order given."""
    for line, row in enumerate(rows, start=2):
        con.execute(
            """
            INSERT INTO records (record_uid, source, record_id, load_id, line, given_name,
                family_name, dob, sex, nationality, passport_no, passport_country, a_number,
                fbi_number, country_of_birth, dob_quality, attrs, row_hash)
            VALUES (?, ?, ?, 'test', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)
            """,
            [
                f"{row['source']}:{row['record_id']}",
                row["source"],
                row["record_id"],
                line,
                *(row[name] for name in FIELDS),
                row["record_id"],
            ],
        )


def staged_row(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return ``row`` in the column order of ``features.records_fetch``."""
    return (
        uid(row["record_id"]), row["source"], row["given_name"], row["family_name"], row["dob"],
        row["dob_quality"], row["sex"], row["nationality"], row["passport_no"],
        row["passport_country"], row["a_number"], row["fbi_number"], row["country_of_birth"],
    )  # fmt: skip


def level_label(comparison: str, gamma: int) -> str:
    """Return the label of level ``gamma`` of ``comparison`` (splink counts else as 0)."""
    levels = next(levels for name, _, levels, _, _ in COMPARISONS if name == comparison)
    if gamma == -1:
        return "null"
    if gamma == 0:
        return "else"
    return levels[len(levels) - gamma][0]


def pairs_scored(
    rows: list[Mapping[str, Any]], settings: LinkageSettings | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """Score every pair of ``rows`` with the packaged model, keyed by sorted record ids.

    Each value contains match_weight, match_probability and each comparison's level label
    under the comparison's name.
    """
    settings = settings or LinkageSettings()
    features = features_table(feature_rows=feature_rows_build(rows=[staged_row(r) for r in rows]))
    work = duckdb.connect(":memory:")
    try:
        input_table_create(work=work, features=features, settings=settings)
        work.execute(
            f"""
            CREATE TABLE {PAIRS_TABLE} AS
            SELECT '0' AS match_key, l.unique_id AS join_key_l, r.unique_id AS join_key_r
            FROM {INPUT_TABLE} l JOIN {INPUT_TABLE} r ON l.unique_id < r.unique_id
            ORDER BY join_key_l, join_key_r
            """
        )
        linker, _ = linker_build(con=work, settings=settings, records=len(rows))
        scored = pairs_score(
            linker=linker,
            con=work,
            min_probability=0.0,
            name_frequency_adjustment=settings.name_frequency_adjustment,
        ).to_pylist()
    finally:
        work.close()
    record_id = {uid(row["record_id"]): row["record_id"] for row in rows}
    result = {}
    for pair in scored:
        key = (record_id[pair["unique_id_l"]], record_id[pair["unique_id_r"]])
        values = {
            "match_weight": pair["match_weight"],
            "match_probability": pair["match_probability"],
        }
        for name, *_ in COMPARISONS:
            values[name] = level_label(name, pair[f"gamma_{name}"])
        result[tuple(sorted(key))] = values
    return result
