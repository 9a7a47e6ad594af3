"""Candidate pairs: records sharing at least one blocking key, with oversized blocks capped.

Each key recovers a defect that the others miss. DOB with either name part finds swapped and
misspelt names, and document keys find DOB typos. A phonetic name part with the birth year
finds DOB slips, and the unordered pair of phonetic name keys finds records without a DOB.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

logger = logging.getLogger(__name__)

# Keys shared by a name part and a nearby DOB pair records only when their DOBs differ by a
# slip the DOB comparison recognises: one character, or day and month transposed.
_DOB_SLIP = (
    "levenshtein(l.dob_s, r.dob_s) = 1 OR (year(l.dob) = year(r.dob) "
    "AND month(l.dob) = day(r.dob) AND day(l.dob) = month(r.dob))"
)

# (name, key expressions over the input table, condition on the pair or None). A record
# gets one key per expression; two records pair when any of their keys agree. The DOB with
# either phonetic or romanisation key of a name part pairs swapped names, a typo or another
# romanisation in the other part and wrongly split compound names, without pairing everyone
# born on one day.
BLOCKING_KEYS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    (
        "dob_name_part",
        (
            "dob_s || '|' || given_ph",
            "dob_s || '|' || family_ph",
            "dob_s || '|t|' || given_tl",
            "dob_s || '|t|' || family_tl",
        ),
        None,
    ),
    ("passport", ("passport_no",), None),
    ("a_number", ("a_number",), None),
    ("fbi_number", ("fbi_number",), None),
    ("family_phonetic_year", ("family_ph || '|' || CAST(year(dob) AS VARCHAR)",), _DOB_SLIP),
    ("given_phonetic_year", ("given_ph || '|' || CAST(year(dob) AS VARCHAR)",), _DOB_SLIP),
    (
        "phonetic_name_pair",
        ("least(given_ph, family_ph) || '|' || greatest(given_ph, family_ph)",),
        f"l.dob IS NULL OR r.dob IS NULL OR {_DOB_SLIP}",
    ),
)


@dataclass(frozen=True)
class BlockingSummary:
    """Counts from one blocking pass."""

    candidate_pairs: int
    oversized_blocks: int
    records_in_oversized_blocks: int


def candidate_pairs_build(
    *, con: duckdb.DuckDBPyConnection, input_table: str, output_table: str, max_block_size: int
) -> BlockingSummary:
    """Create ``output_table`` (match_key, join_key_l, join_key_r) of candidate pairs.

    Pairs are unique with join_key_l < join_key_r; match_key names the first blocking key
    that produced the pair, which is the layout splink's predict expects.
    """
    oversized_blocks = 0
    oversized_records = 0
    selects = []
    for index, (name, expressions, condition) in enumerate(BLOCKING_KEYS):
        keys = f"lk_keys_{index}"
        parts = " UNION ".join(
            f"SELECT ({expression}) AS block, unique_id, dob, dob_s FROM {input_table} "
            f"WHERE ({expression}) IS NOT NULL"
            for expression in expressions
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {keys} AS {parts}")
        blocks, records = con.execute(
            f"SELECT count(*), coalesce(sum(n), 0) FROM "
            f"(SELECT count(*) AS n FROM {keys} GROUP BY block) WHERE n > ?",
            [max_block_size],
        ).fetchall()[0]
        if blocks:
            logger.info(
                "blocking key %s: %s blocks over %s records skipped", name, blocks, max_block_size
            )
        oversized_blocks += int(blocks)
        oversized_records += int(records)
        selects.append(
            f"""
            SELECT {index} AS rule, l.unique_id AS join_key_l, r.unique_id AS join_key_r
            FROM {keys} l JOIN {keys} r ON l.block = r.block AND l.unique_id < r.unique_id
            WHERE l.block IN (
                SELECT block FROM {keys} GROUP BY block HAVING count(*) <= {int(max_block_size)}
            ) AND ({condition or "true"})
            """
        )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {output_table} AS
        SELECT CAST(min(rule) AS VARCHAR) AS match_key, join_key_l, join_key_r
        FROM ({" UNION ALL ".join(selects)})
        GROUP BY join_key_l, join_key_r
        ORDER BY join_key_l, join_key_r
        """
    )
    count = con.execute(f"SELECT count(*) FROM {output_table}").fetchall()[0][0]
    for index in range(len(BLOCKING_KEYS)):
        con.execute(f"DROP TABLE lk_keys_{index}")
    return BlockingSummary(
        candidate_pairs=int(count),
        oversized_blocks=oversized_blocks,
        records_in_oversized_blocks=oversized_records,
    )
