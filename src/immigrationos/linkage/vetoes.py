"""Hard contradictions: two records that must never sit in one person automatically."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import jellyfish
from rapidfuzz import fuzz

Features = Mapping[str, Any]

# DOBs further apart than this cannot be typos of one date (a one-year slip, a transposed
# day and month or a one-digit error all stay well inside it).
MAX_DOB_GAP_DAYS = 2 * 366
# Name parts at least this close (Jaro-Winkler) are spelling variants, not two names.
NAME_VARIANT_SIMILARITY = 0.85
# Indel similarity (rapidfuzz ``fuzz.ratio`` / 100) at or above which two given names are
# taken for transliterations of one name.
TRANSLITERATION_SIMILARITY = 0.6


def _given_compatible(left: Features, right: Features) -> bool:
    given_l, given_r = left["given_c"], right["given_c"]
    first_l, first_r = left["given1"], right["given1"]
    if given_l == given_r or first_l == first_r:
        return True
    if (len(first_l) == 1 or len(first_r) == 1) and first_l[0] == first_r[0]:
        return True
    if left["given_ph"] == right["given_ph"]:
        return True
    if jellyfish.damerau_levenshtein_distance(first_l, first_r) <= 1:
        return True
    tokens_l, tokens_r = set(given_l.split()), set(given_r.split())
    if tokens_l <= tokens_r or tokens_r <= tokens_l:
        return True
    if jellyfish.jaro_winkler_similarity(given_l, given_r) >= NAME_VARIANT_SIMILARITY:
        return True
    # Transliterations share most letters in order (Mykola / Nikolay, Zhihui / Chih-hui,
    # Sergei / Serhiy all score 0.61 or more); distinct given names rarely do.
    joined_l, joined_r = given_l.replace(" ", ""), given_r.replace(" ", "")
    return fuzz.ratio(joined_l, joined_r) / 100 >= TRANSLITERATION_SIMILARITY


def _compound_surnames_conflict(family_l: str | None, family_r: str | None) -> bool:
    # Two full paternal-and-maternal surnames that share one part and differ in the other
    # ("Núñez Ordóñez", "Núñez Zúñiga") name two families. A part missing on one side is
    # no conflict, and surnames sharing no part are left to the score (swapped fields).
    if not family_l or not family_r:
        return False
    tokens_l, tokens_r = set(family_l.split()), set(family_r.split())
    if len(tokens_l) < 2 or len(tokens_r) < 2 or tokens_l <= tokens_r or tokens_r <= tokens_l:
        return False
    if not tokens_l & tokens_r:
        return False
    unmatched_r = tokens_r - tokens_l
    return any(
        all(
            jellyfish.jaro_winkler_similarity(token, other) < NAME_VARIANT_SIMILARITY
            for other in unmatched_r
        )
        for token in tokens_l - tokens_r
    )


def _compound_surnames_reversed(family_l: str | None, family_r: str | None) -> bool:
    # Paternal and maternal surnames in the other order ("García Valenzuela", "Valenzuela
    # García") name the children of two different couples.
    if not family_l or not family_r or family_l == family_r:
        return False
    tokens_l, tokens_r = family_l.split(), family_r.split()
    return len(tokens_l) >= 2 and sorted(tokens_l) == sorted(tokens_r)


def _passports_conflict(left: Features, right: Features) -> bool:
    number_l, number_r = left["passport_no"], right["passport_no"]
    return bool(
        number_l
        and number_r
        and left["passport_country"]
        and left["passport_country"] == right["passport_country"]
        and jellyfish.damerau_levenshtein_distance(number_l, number_r) > 1
    )


def _identifier_shared(left: Features, right: Features) -> bool:
    return any(
        left[column] is not None and left[column] == right[column]
        for column in ("a_number", "fbi_number")
    )


def _document_shared(left: Features, right: Features) -> bool:
    # Twins hold their own passports and A-numbers: a shared one points to one person
    # whose given name was mistyped.
    return any(
        left[column] is not None and left[column] == right[column]
        for column in ("passport_no", "a_number", "fbi_number")
    )


def veto_reason(left: Features, right: Features) -> str | None:
    """Return why two records must not be merged automatically, or None when nothing forbids it."""
    dob_l, dob_r = left["dob"], right["dob"]
    both_dobs = isinstance(dob_l, date) and isinstance(dob_r, date)
    if both_dobs and abs((dob_l - dob_r).days) > MAX_DOB_GAP_DAYS:
        return "dates of birth more than two years apart"
    if (
        left["passport_no"]
        and right["passport_no"]
        and left["passport_no"] != right["passport_no"]
        and left["passport_country"]
        and left["passport_country"] == right["passport_country"]
        and left["sex"]
        and right["sex"]
        and left["sex"] != right["sex"]
    ):
        return "different passports of the same country and different sex"
    for column, label in (("a_number", "A-numbers"), ("fbi_number", "FBI numbers")):
        # A person has one A-number and one FBI number, and numbers one edit apart are a typo.
        value_l, value_r = left[column], right[column]
        if value_l and value_r and jellyfish.damerau_levenshtein_distance(value_l, value_r) > 1:
            return f"different {label}"
    compound_conflict = _compound_surnames_conflict(left["family_c"], right["family_c"])
    if compound_conflict and not _document_shared(left, right):
        return "compound family names with different parts"
    reversed_order = _compound_surnames_reversed(left["family_c"], right["family_c"])
    if reversed_order and not _document_shared(left, right):
        return "compound family names in the other order"
    if _passports_conflict(left, right) and not _identifier_shared(left, right):
        # NOTE: a renewed passport looks the same, so this costs links (about 1.2% of true
        # pairs on synthetic data). Namesakes born on the same day differ only here, and a
        # wrong merge moves one person's departures and orders onto another.
        return "different passports of the same country and no shared A-number or FBI number"
    if (
        left["family_c"]
        and left["family_c"] == right["family_c"]
        and isinstance(dob_l, date)
        and dob_l == dob_r
        and left["given_c"]
        and right["given_c"]
        and not _given_compatible(left, right)
        and not _document_shared(left, right)
    ):
        return "different given names with the same family name and date of birth"
    return None
