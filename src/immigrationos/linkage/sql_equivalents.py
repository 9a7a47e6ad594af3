"""Python equivalents of the SQL conditions that the batch linkage runs in DuckDB.

Each comparison level of ``comparisons`` and each key expression and pair condition of
``blocking.BLOCKING_KEYS`` has a Python function here, in tables keyed by the SQL text
itself. A changed condition in those modules then finds no entry, so ``realtime`` raises
instead of scoring with a stale equivalent. SQL's NULL logic is kept: a comparison with a
missing value is never true, and no condition negates one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, Jaro, Levenshtein

Features = Mapping[str, Any]
Predicate = Callable[[Features, Features], bool]
KeyExpression = Callable[[Features], str | None]


def _product_error(x: float, y: float, product: float) -> float:
    # Dekker's exact product: x * y == product + error exactly, barring overflow.
    splitter = 134217729.0  # 2**27 + 1
    x_scaled, y_scaled = splitter * x, splitter * y
    x_high = x_scaled - (x_scaled - x)
    y_high = y_scaled - (y_scaled - y)
    x_low, y_low = x - x_high, y - y_high
    return ((x_high * y_high - product) + x_high * y_low + x_low * y_high) + x_low * y_low


def _fused_multiply_add(x: float, y: float, z: float) -> float:
    """Return x * y + z rounded once, as a fused multiply-add instruction computes it."""
    product = x * y
    return math.fsum((z, product, _product_error(x, y, product)))


def jaro_winkler_similarity(left: str, right: str) -> float:
    """Return DuckDB's ``jaro_winkler_similarity`` of two strings, bit for bit.

    DuckDB 2.0.1 (x86_64 Linux wheel) runs a copy of rapidfuzz's C++ code. Its prefix bonus,
    sim + prefix * 0.1 * (1 - sim), comes out rounded once, as a fused multiply-add rounds
    it. rapidfuzz's Python ``JaroWinkler`` rounds twice and can differ in the last bit: it
    gives 0.9199999999999999 for "CAMILA LOPEZ" and "CMLIALOPEZ", where DuckDB gives 0.92.
    This function rounds once too. DuckDB returns 0 when either string is empty, where
    rapidfuzz returns 1 for two empty strings.
    """
    if not left or not right:
        return 0.0
    similarity = Jaro.similarity(left, right)
    if similarity > 0.7:
        prefix = 0
        for char_l, char_r in zip(left[:4], right[:4], strict=False):
            if char_l != char_r:
                break
            prefix += 1
        similarity = min(_fused_multiply_add(prefix * 0.1, 1.0 - similarity, similarity), 1.0)
    return similarity


def one_edit_apart(left: str | None, right: str | None) -> bool:
    """Return DuckDB's ``levenshtein(left, right) = 1``, false when either is NULL (None).

    Both count characters, not bytes.
    """
    if left is None or right is None:
        return False
    return bool(Levenshtein.distance(left, right, score_cutoff=1) == 1)


def one_edit_or_swap_apart(left: str | None, right: str | None) -> bool:
    """Return DuckDB's ``damerau_levenshtein(left, right) = 1``, false when either is None.

    Both compute the unrestricted Damerau-Levenshtein distance over characters.
    """
    if left is None or right is None:
        return False
    return bool(DamerauLevenshtein.distance(left, right, score_cutoff=1) == 1)


# --- comparison levels ---------------------------------------------------------------------


def equal(value_l: Any, value_r: Any) -> bool:
    """Return SQL's ``value_l = value_r``: false when either is NULL (None)."""
    return value_l is not None and value_l == value_r


def _equality_level(column: str) -> tuple[str, Predicate]:
    def predicate(left: Features, right: Features) -> bool:
        return equal(left[column], right[column])

    return f'("{column}_l" = "{column}_r")', predicate


def _null_level(column: str) -> tuple[str, Predicate]:
    def predicate(left: Features, right: Features) -> bool:
        return left[column] is None or right[column] is None

    return f'"{column}_l" IS NULL OR "{column}_r" IS NULL', predicate


def _name_exact_common(left: Features, right: Features) -> bool:
    return (
        equal(left["given_c"], right["given_c"])
        and equal(left["family_c"], right["family_c"])
        and bool(left["name_common"] or right["name_common"])
    )


def _name_exact(left: Features, right: Features) -> bool:
    return equal(left["given_c"], right["given_c"]) and equal(left["family_c"], right["family_c"])


def _name_swapped(left: Features, right: Features) -> bool:
    return equal(left["given_c"], right["family_c"]) and equal(left["family_c"], right["given_c"])


def _name_token_subset(left: Features, right: Features) -> bool:
    tokens_l, tokens_r = left["name_tokens"], right["name_tokens"]
    family_l, family_r = left["family_c"], right["family_c"]
    if tokens_l is None or tokens_r is None or family_l is None or family_r is None:
        return False
    if len(tokens_l) < 2 or len(tokens_r) < 2:
        return False
    set_l, set_r = set(tokens_l), set(tokens_r)
    if not (set_r <= set_l or set_l <= set_r):
        return False
    # string_split on a single space keeps empty parts, as str.split(" ") does.
    return bool(set(family_l.split(" ")) & set(family_r.split(" ")))


def _name_initial(left: Features, right: Features) -> bool:
    first_l, first_r = left["given1"], right["given1"]
    return (
        equal(left["family_c"], right["family_c"])
        and first_l is not None
        and first_r is not None
        and (len(first_l) == 1 or len(first_r) == 1)
        and first_l[:1] == first_r[:1]
    )


def _jaro_winkler_both(threshold: float) -> Predicate:
    def predicate(left: Features, right: Features) -> bool:
        parts = []
        for column in ("given_c", "family_c"):
            value_l, value_r = left[column], right[column]
            if value_l is None or value_r is None:
                return False
            parts.append((value_l, value_r))
        return all(jaro_winkler_similarity(a, b) >= threshold for a, b in parts)

    return predicate


def _keys_agree(suffix: str) -> Predicate:
    given, family = f"given_{suffix}", f"family_{suffix}"

    def predicate(left: Features, right: Features) -> bool:
        straight = equal(left[given], right[given]) and equal(left[family], right[family])
        return straight or (equal(left[given], right[family]) and equal(left[family], right[given]))

    return predicate


def _dob_transposed(left: Features, right: Features) -> bool:
    dob_l, dob_r = left["dob"], right["dob"]
    return (
        dob_l is not None
        and dob_r is not None
        and dob_l.year == dob_r.year
        and dob_l.month == dob_r.day
        and dob_l.day == dob_r.month
    )


def _dob_one_character(left: Features, right: Features) -> bool:
    return one_edit_apart(left["dob_s"], right["dob_s"])


def _dob_year_off_by_one(left: Features, right: Features) -> bool:
    dob_l, dob_r = left["dob"], right["dob"]
    return (
        dob_l is not None
        and dob_r is not None
        and dob_l.month == dob_r.month
        and dob_l.day == dob_r.day
        and abs(dob_l.year - dob_r.year) == 1
    )


def _edit_level(column: str) -> Predicate:
    def predicate(left: Features, right: Features) -> bool:
        return one_edit_or_swap_apart(left[column], right[column])

    return predicate


def _passport_other_country(left: Features, right: Features) -> bool:
    country_l, country_r = left["passport_country"], right["passport_country"]
    return country_l is not None and country_r is not None and country_l != country_r


# Columns whose comparison has a null level, and columns of a plain equality level.
_NULL_COLUMNS = (
    "family_c", "dob", "passport_no", "a_number", "fbi_number", "sex", "nationality",
    "country_of_birth",
)  # fmt: skip
_EQUALITY_COLUMNS = (
    "full_c", "family1", "dob", "passport_no", "a_number", "fbi_number", "sex", "nationality",
    "country_of_birth",
)  # fmt: skip


def _level_predicates() -> dict[str, Predicate]:
    """Return the SQL condition of each comparison level, as splink's model stores it, mapped
    to its Python test."""
    table = dict(_null_level(column) for column in _NULL_COLUMNS)
    table.update(_equality_level(column) for column in _EQUALITY_COLUMNS)
    table.update(
        {
            '("given_c_l" = "given_c_r" AND "family_c_l" = "family_c_r" AND '
            '("name_common_l" OR "name_common_r"))': _name_exact_common,
            '("given_c_l" = "given_c_r" AND "family_c_l" = "family_c_r")': _name_exact,
            '("given_c_l" = "family_c_r" AND "family_c_l" = "given_c_r")': _name_swapped,
            '(len("name_tokens_l") >= 2 AND len("name_tokens_r") >= 2 AND '
            '(list_has_all("name_tokens_l", "name_tokens_r") OR '
            'list_has_all("name_tokens_r", "name_tokens_l")) AND '
            "list_has_any(string_split(\"family_c_l\", ' '), "
            "string_split(\"family_c_r\", ' ')))": _name_token_subset,
            '("family_c_l" = "family_c_r" AND ("length"("given1_l") = 1 OR '
            '"length"("given1_r") = 1) AND left("given1_l", 1) = left("given1_r", 1))': (
                _name_initial
            ),
            '(jaro_winkler_similarity("given_c_l", "given_c_r") >= 0.92 AND '
            'jaro_winkler_similarity("family_c_l", "family_c_r") >= 0.92)': _jaro_winkler_both(
                0.92
            ),
            '(("given_tl_l" = "given_tl_r" AND "family_tl_l" = "family_tl_r") OR '
            '("given_tl_l" = "family_tl_r" AND "family_tl_l" = "given_tl_r"))': _keys_agree("tl"),
            '(("given_ph_l" = "given_ph_r" AND "family_ph_l" = "family_ph_r") OR '
            '("given_ph_l" = "family_ph_r" AND "family_ph_l" = "given_ph_r"))': _keys_agree("ph"),
            '(jaro_winkler_similarity("given_c_l", "given_c_r") >= 0.80 AND '
            'jaro_winkler_similarity("family_c_l", "family_c_r") >= 0.80)': _jaro_winkler_both(
                0.80
            ),
            '(year("dob_l") = year("dob_r") AND month("dob_l") = day("dob_r") AND '
            'day("dob_l") = month("dob_r"))': _dob_transposed,
            '(levenshtein("dob_s_l", "dob_s_r") = 1)': _dob_one_character,
            '(month("dob_l") = month("dob_r") AND day("dob_l") = day("dob_r") AND '
            'abs(year("dob_l") - year("dob_r")) = 1)': _dob_year_off_by_one,
            '(damerau_levenshtein("passport_no_l", "passport_no_r") = 1)': _edit_level(
                "passport_no"
            ),
            '("passport_country_l" <> "passport_country_r")': _passport_other_country,
            '(damerau_levenshtein("a_number_l", "a_number_r") = 1)': _edit_level("a_number"),
        }
    )
    return table


# The SQL condition of each level of ``comparisons.comparison_dicts`` -> its Python test.
LEVEL_PREDICATES = _level_predicates()


# --- blocking keys -------------------------------------------------------------------------


def _joined(first: str, separator: str, second: str) -> KeyExpression:
    # SQL ``a || '|' || b`` is NULL when either part is.
    def expression(features: Features) -> str | None:
        value_1, value_2 = features[first], features[second]
        if value_1 is None or value_2 is None:
            return None
        return f"{value_1}{separator}{value_2}"

    return expression


def _column(name: str) -> KeyExpression:
    def expression(features: Features) -> str | None:
        value: str | None = features[name]
        return value

    return expression


def _with_birth_year(column: str) -> KeyExpression:
    def expression(features: Features) -> str | None:
        value, dob = features[column], features["dob"]
        if value is None or dob is None:
            return None
        return f"{value}|{dob.year}"

    return expression


def _phonetic_pair(features: Features) -> str | None:
    # DuckDB's least and greatest skip NULL arguments, so a record with one phonetic key
    # gets "KEY|KEY". Python orders str by code point and DuckDB by UTF-8 byte, which agree.
    values = [value for value in (features["given_ph"], features["family_ph"]) if value is not None]
    if not values:
        return None
    return f"{min(values)}|{max(values)}"


# Each key expression of ``blocking.BLOCKING_KEYS`` -> its Python value, None for NULL.
KEY_EXPRESSIONS: dict[str, KeyExpression] = {
    "dob_s || '|' || given_ph": _joined("dob_s", "|", "given_ph"),
    "dob_s || '|' || family_ph": _joined("dob_s", "|", "family_ph"),
    "dob_s || '|t|' || given_tl": _joined("dob_s", "|t|", "given_tl"),
    "dob_s || '|t|' || family_tl": _joined("dob_s", "|t|", "family_tl"),
    "passport_no": _column("passport_no"),
    "a_number": _column("a_number"),
    "fbi_number": _column("fbi_number"),
    "family_ph || '|' || CAST(year(dob) AS VARCHAR)": _with_birth_year("family_ph"),
    "given_ph || '|' || CAST(year(dob) AS VARCHAR)": _with_birth_year("given_ph"),
    "least(given_ph, family_ph) || '|' || greatest(given_ph, family_ph)": _phonetic_pair,
}


def _dob_slip(left: Features, right: Features) -> bool:
    return one_edit_apart(left["dob_s"], right["dob_s"]) or _dob_transposed(left, right)


def _dob_missing_or_slip(left: Features, right: Features) -> bool:
    return left["dob"] is None or right["dob"] is None or _dob_slip(left, right)


# Each pair condition of ``blocking.BLOCKING_KEYS`` -> its Python test.
KEY_CONDITIONS: dict[str, Predicate] = {
    "levenshtein(l.dob_s, r.dob_s) = 1 OR (year(l.dob) = year(r.dob) AND "
    "month(l.dob) = day(r.dob) AND day(l.dob) = month(r.dob))": _dob_slip,
    "l.dob IS NULL OR r.dob IS NULL OR levenshtein(l.dob_s, r.dob_s) = 1 OR "
    "(year(l.dob) = year(r.dob) AND month(l.dob) = day(r.dob) AND "
    "day(l.dob) = month(r.dob))": _dob_missing_or_slip,
}
