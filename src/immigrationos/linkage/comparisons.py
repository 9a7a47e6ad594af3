"""The Fellegi-Sunter comparisons of the linkage model, as splink comparison dicts.

Each level carries starting m and u probabilities. They are the model used on inputs too
small to train on, and the starting point of EM training on larger inputs. A missing value
on either side falls in the null level: neither agreement nor disagreement.
"""

from __future__ import annotations

from typing import Any

Level = tuple[str, str, float, float]  # label, SQL condition, m, u


def _both(column: str) -> str:
    return f'"{column}_l" = "{column}_r"'


_JW_GIVEN = 'jaro_winkler_similarity("given_c_l", "given_c_r")'
_JW_FAMILY = 'jaro_winkler_similarity("family_c_l", "family_c_r")'
# One full name's tokens inside the other's, sharing a family-name token: a compound surname
# kept in part, or a full name split at the wrong token. Without the shared family token,
# "Jean-Baptiste Baptiste" would count as part of "Jean-Baptiste Toussaint".
_SUBSET = (
    'len("name_tokens_l") >= 2 AND len("name_tokens_r") >= 2 AND '
    '(list_has_all("name_tokens_l", "name_tokens_r") '
    'OR list_has_all("name_tokens_r", "name_tokens_l")) AND '
    "list_has_any(string_split(\"family_c_l\", ' '), string_split(\"family_c_r\", ' '))"
)
_INITIAL = (
    '"family_c_l" = "family_c_r" AND ("length"("given1_l") = 1 OR "length"("given1_r") = 1) '
    'AND left("given1_l", 1) = left("given1_r", 1)'
)

NAME_LEVELS: tuple[Level, ...] = (
    (
        "exact common name",
        f'{_both("given_c")} AND {_both("family_c")} AND ("name_common_l" OR "name_common_r")',
        0.10,
        0.002,
    ),
    ("exact", f"{_both('given_c')} AND {_both('family_c')}", 0.70, 0.0001),
    (
        "given and family swapped",
        '"given_c_l" = "family_c_r" AND "family_c_l" = "given_c_r"',
        0.02,
        0.000005,
    ),
    ("same full-name tokens", _both("full_c"), 0.02, 0.000005),
    ("full-name token subset", _SUBSET, 0.04, 0.00005),
    ("initial and family", _INITIAL, 0.01, 0.0002),
    (
        "jaro-winkler >= 0.92 on both parts",
        f"{_JW_GIVEN} >= 0.92 AND {_JW_FAMILY} >= 0.92",
        0.06,
        0.0005,
    ),
    (
        "romanisation keys agree",
        '("given_tl_l" = "given_tl_r" AND "family_tl_l" = "family_tl_r") OR '
        '("given_tl_l" = "family_tl_r" AND "family_tl_l" = "given_tl_r")',
        0.03,
        0.0005,
    ),
    (
        "phonetic agreement",
        '("given_ph_l" = "given_ph_r" AND "family_ph_l" = "family_ph_r") OR '
        '("given_ph_l" = "family_ph_r" AND "family_ph_l" = "given_ph_r")',
        0.02,
        0.001,
    ),
    (
        "jaro-winkler >= 0.80 on both parts",
        f"{_JW_GIVEN} >= 0.80 AND {_JW_FAMILY} >= 0.80",
        0.01,
        0.005,
    ),
    ("family only", f"{_both('family1')}", 0.01, 0.01),
)

DOB_LEVELS: tuple[Level, ...] = (
    ("exact", _both("dob"), 0.92, 0.0002),
    (
        "day and month transposed",
        'year("dob_l") = year("dob_r") AND month("dob_l") = day("dob_r") '
        'AND day("dob_l") = month("dob_r")',
        0.02,
        0.00005,
    ),
    ("one character different", 'levenshtein("dob_s_l", "dob_s_r") = 1', 0.03, 0.002),
    (
        "year off by one",
        'month("dob_l") = month("dob_r") AND day("dob_l") = day("dob_r") '
        'AND abs(year("dob_l") - year("dob_r")) = 1',
        0.01,
        0.0003,
    ),
)

PASSPORT_LEVELS: tuple[Level, ...] = (
    ("exact", _both("passport_no"), 0.85, 0.00001),
    ("one edit", 'damerau_levenshtein("passport_no_l", "passport_no_r") = 1', 0.05, 0.0001),
    (
        "different passport of another country",
        '"passport_country_l" <> "passport_country_r"',
        0.05,
        0.3,
    ),
)

A_NUMBER_LEVELS: tuple[Level, ...] = (
    ("exact", _both("a_number"), 0.93, 0.00001),
    ("one edit", 'damerau_levenshtein("a_number_l", "a_number_r") = 1', 0.04, 0.0001),
)

FBI_LEVELS: tuple[Level, ...] = (("exact", _both("fbi_number"), 0.95, 0.00001),)
SEX_LEVELS: tuple[Level, ...] = (("exact", _both("sex"), 0.97, 0.5),)
NATIONALITY_LEVELS: tuple[Level, ...] = (("exact", _both("nationality"), 0.95, 0.05),)
# NOTE: nationality and country of birth agree together for most persons, so agreement on
# both counts that evidence about twice. On 100,000 synthetic persons this comparison left
# precision, recall and wrongful merges unchanged and added 207 review items.
COUNTRY_OF_BIRTH_LEVELS: tuple[Level, ...] = (("exact", _both("country_of_birth"), 0.95, 0.05),)

# Output column, columns whose absence is the null level, levels, m and u of the else level.
COMPARISONS: tuple[tuple[str, tuple[str, ...], tuple[Level, ...], float, float], ...] = (
    ("name", ("family_c",), NAME_LEVELS, 0.02, 0.98),
    ("dob", ("dob",), DOB_LEVELS, 0.02, 0.997),
    ("passport", ("passport_no",), PASSPORT_LEVELS, 0.05, 0.7),
    ("a_number", ("a_number",), A_NUMBER_LEVELS, 0.03, 0.9999),
    ("fbi_number", ("fbi_number",), FBI_LEVELS, 0.05, 0.99999),
    ("sex", ("sex",), SEX_LEVELS, 0.03, 0.5),
    ("nationality", ("nationality",), NATIONALITY_LEVELS, 0.05, 0.95),
    ("country_of_birth", ("country_of_birth",), COUNTRY_OF_BIRTH_LEVELS, 0.05, 0.95),
)


def comparison_dicts() -> list[dict[str, Any]]:
    """Return the splink comparison dicts with their starting m and u probabilities."""
    comparisons = []
    for output, null_columns, levels, else_m, else_u in COMPARISONS:
        null_sql = " OR ".join(
            f'"{column}_l" IS NULL OR "{column}_r" IS NULL' for column in null_columns
        )
        comparison_levels: list[dict[str, Any]] = [
            {"sql_condition": null_sql, "label_for_charts": "null", "is_null_level": True}
        ]
        for label, sql, m, u in levels:
            comparison_levels.append(
                {
                    "sql_condition": f"({sql})",
                    "label_for_charts": label,
                    "m_probability": m,
                    "u_probability": u,
                }
            )
        comparison_levels.append(
            {
                "sql_condition": "ELSE",
                "label_for_charts": "else",
                "m_probability": else_m,
                "u_probability": else_u,
            }
        )
        comparisons.append(
            {
                "output_column_name": output,
                "comparison_description": output,
                "comparison_levels": comparison_levels,
            }
        )
    return comparisons
