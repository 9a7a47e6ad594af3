"""Comparison levels, null levels and the name-frequency adjustment on scored pairs."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from linkage_records import pairs_scored, record

from immigrationos.linkage.errors import LinkageSettingsError
from immigrationos.linkage.settings import LinkageSettings

PERSON = {
    "given_name": "Tariq", "family_name": "Benmoussa", "dob": "1987-11-06", "sex": "M",
    "nationality": "MAR", "country_of_birth": "MAR",
}  # fmt: skip


def _levels(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    rows = [record("V-0001", **{**PERSON, **left}), record("A-0001", **{**PERSON, **right})]
    return pairs_scored(rows)[("A-0001", "V-0001")]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({}, {}, "exact"),
        ({}, {"given_name": "Benmoussa", "family_name": "Tariq"}, "given and family swapped"),
        ({}, {"given_name": "TARIQ", "family_name": "BENMOUSSA"}, "exact"),
        ({}, {"given_name": "Tariq Benmoussa", "family_name": None}, "null"),
        ({}, {"given_name": None}, "family only"),
        ({}, {"given_name": "T."}, "initial and family"),
        (
            {},
            {"given_name": "Tariq", "family_name": "Benmousa"},
            "jaro-winkler >= 0.92 on both parts",
        ),
        ({}, {"given_name": "Omar", "family_name": "Haddad"}, "else"),
        (
            {"given_name": "Maria Jose", "family_name": "Echeverria Salcedo"},
            {"given_name": "Maria Jose", "family_name": "Echeverria"},
            "full-name token subset",
        ),
        (
            {"given_name": "Maria Jose", "family_name": "Echeverria Salcedo"},
            {"given_name": "Maria Jose Echeverria", "family_name": "Salcedo"},
            "same full-name tokens",
        ),
        (
            {"given_name": "Mohammed", "family_name": "Qureshi"},
            {"given_name": "Muhammad", "family_name": "Kureshi"},
            "romanisation keys agree",
        ),
        (
            {"given_name": "Zhiwei", "family_name": "Zhang"},
            {"given_name": "Chih-wei", "family_name": "Chang"},
            "romanisation keys agree",
        ),
        (
            {"given_name": "Yevgeniy", "family_name": "Zaytsev"},
            {"given_name": "Evgenii", "family_name": "Zaitsev"},
            "romanisation keys agree",
        ),
        (
            {"given_name": "Zhiwei", "family_name": "Zhang"},
            {"given_name": "Chang", "family_name": "Chih-wei"},
            "romanisation keys agree",
        ),
    ],
)  # fmt: skip
def test_name_levels(left: dict[str, Any], right: dict[str, Any], expected: str) -> None:
    assert _levels(left, right)["name"] == expected


@pytest.mark.parametrize(
    ("visa", "passport_zone"),
    [
        (("Renée", "Dvořáková"), ("RENEE", "DVORAKOVA")),
        (("Jörg", "Strauß"), ("JOERG", "STRAUSS")),
        (("Małgorzata", "Łapińska"), ("MALGORZATA", "LAPINSKA")),
        (("Søren", "Ærø"), ("SOREN", "AEROE")),
        (("Þóra", "Guðmundsdóttir"), ("THORA", "GUDMUNDSDOTTIR")),
    ],
)
def test_diacritic_names_exact_level(visa: tuple[str, str], passport_zone: tuple[str, str]) -> None:
    # Folding makes these the exact level, not merely a fuzzy one.
    levels = _levels(
        {"given_name": visa[0], "family_name": visa[1]},
        {"given_name": passport_zone[0], "family_name": passport_zone[1]},
    )

    assert levels["name"] == "exact"


@pytest.mark.parametrize(
    ("left_dob", "right_dob", "expected"),
    [
        ("1987-11-06", "1987-11-06", "exact"),
        ("1987-11-06", "1987-06-11", "day and month transposed"),
        ("1987-11-06", "1987-11-08", "one character different"),
        ("1987-11-06", "1988-11-06", "one character different"),
        ("1987-11-06", "1989-11-06", "one character different"),
        ("1989-11-06", "1990-11-06", "year off by one"),
        ("1999-03-14", "2000-03-14", "year off by one"),
        ("1987-11-06", "1979-11-06", "else"),
        ("1987-11-06", "1990-11-06", "else"),
        ("1987-11-06", "1987-12-25", "else"),
        ("1987-11-06", None, "null"),
    ],
)
def test_dob_levels(left_dob: str, right_dob: str | None, expected: str) -> None:
    assert _levels({"dob": left_dob}, {"dob": right_dob})["dob"] == expected


def test_unresolved_century_dob_is_null() -> None:
    # A two-digit year that fits two centuries leaves no usable DOB, even where a stored
    # value would disagree: the null level, never "else".
    levels = _levels({}, {"dob": "2087-11-06", "dob_quality": "unresolved_century"})

    assert levels["dob"] == "null"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"passport_no": "PT5581230"}, {"passport_no": "pt 558-1230"}, "exact"),
        ({"passport_no": "PT5581230"}, {"passport_no": "PT5581280"}, "one edit"),
        ({"passport_no": "PT5581230"}, {"passport_no": "PT5582130"}, "one edit"),
        (
            {"passport_no": "PT5581230", "passport_country": "MAR"},
            {"passport_no": "FR0099812", "passport_country": "FRA"},
            "different passport of another country",
        ),
        (
            {"passport_no": "PT5581230", "passport_country": "MAR"},
            {"passport_no": "PT7719044", "passport_country": "MAR"},
            "else",
        ),
        ({"passport_no": "PT5581230"}, {}, "null"),
    ],
)
def test_passport_levels(left: dict[str, Any], right: dict[str, Any], expected: str) -> None:
    assert _levels(left, right)["passport"] == expected


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        ("A012345678", "exact"),
        ("012-345-678", "exact"),
        ("012345679", "one edit"),
        ("021345678", "one edit"),
        ("098765432", "else"),
        (None, "null"),
    ],
)
def test_a_number_levels(right: str | None, expected: str) -> None:
    assert _levels({"a_number": "12345678"}, {"a_number": right})["a_number"] == expected


@pytest.mark.parametrize(
    ("column", "right", "expected"),
    [
        ("sex", "M", "exact"),
        ("sex", "F", "else"),
        ("sex", None, "null"),
        ("sex", "X", "null"),
        ("nationality", "mar", "exact"),
        ("nationality", "DZA", "else"),
        ("nationality", None, "null"),
        ("country_of_birth", "MAR", "exact"),
        ("country_of_birth", "FRA", "else"),
        ("country_of_birth", None, "null"),
    ],
)
def test_attribute_levels(column: str, right: str | None, expected: str) -> None:
    assert _levels({}, {column: right})[column] == expected


@pytest.mark.parametrize("column", ["dob", "sex", "nationality", "country_of_birth"])
def test_missing_value_weighs_nothing(column: str) -> None:
    # One side missing scores exactly as both sides missing: the null level adds 0 to the
    # match weight, neither agreement nor disagreement.
    one_missing = _levels({}, {column: None})
    both_missing = _levels({column: None}, {column: None})

    assert one_missing[column] == "null"
    assert one_missing["match_weight"] == pytest.approx(both_missing["match_weight"], abs=1e-9)


# 40 background "Ana Lemos" with different DOBs and passports make the name the most
# common one. Two identical pairs without DOB differ only in how common the name is.
_BACKGROUND = [
    record(f"V-05{index:02d}", given_name="Ana", family_name="Lemos", sex="F", nationality="BRA",
           dob=date(1960, 1, 1) + timedelta(days=97 * index), passport_no=f"BR{index:07d}",
           passport_country="BRA")
    for index in range(10, 50)
]  # fmt: skip
_TF_PAIRS = [
    record("B-0501", given_name="Ana", family_name="Lemos", sex="F", nationality="BRA"),
    record("C-0501", given_name="Ana", family_name="Lemos", sex="F", nationality="BRA"),
    record("B-0502", given_name="Zorya", family_name="Quillfeather", sex="F", nationality="BRA"),
    record("C-0502", given_name="Zorya", family_name="Quillfeather", sex="F", nationality="BRA"),
]  # fmt: skip


def _tf_scores(adjustment: str) -> dict[tuple[str, str], dict[str, Any]]:
    settings = replace(LinkageSettings(), name_frequency_adjustment=adjustment)
    return pairs_scored(_BACKGROUND + _TF_PAIRS, settings)


def test_common_name_weight_hand_calculation() -> None:
    on, off = _tf_scores("down_only"), _tf_scores("off")
    common, rare = ("B-0501", "C-0501"), ("B-0502", "C-0502")

    # Identities are distinct (given, family, DOB): 40 background "Ana Lemos", one "Ana
    # Lemos" without DOB and one "Zorya Quillfeather" without DOB, 42 in all. For each
    # name part: chance agreement sum(n^2) / N^2 = (41^2 + 1) / 42^2, share of "Ana" (or
    # "Lemos") 41 / 42, factor = (41^2 + 1) / (42 * 41) = 1682 / 1722. Both parts: squared.
    factor = (1682 / 1722) ** 2
    assert on[common]["match_weight"] - off[common]["match_weight"] == pytest.approx(
        math.log2(factor), abs=1e-9
    )
    assert on[common]["match_probability"] <= off[common]["match_probability"]
    # The rare name would be boosted (factor 1682 / 42 per part) but the boost is capped.
    assert on[rare]["match_weight"] == pytest.approx(off[rare]["match_weight"], abs=1e-9)
    assert on[common]["match_weight"] < on[rare]["match_weight"]


def test_full_adjustment_boosts_rare_name() -> None:
    full, off = _tf_scores("full"), _tf_scores("off")
    rare = ("B-0502", "C-0502")

    # Uncapped, the rare name gains log2((1682 / 42)^2), about 10.6: what "down_only" stops.
    assert full[rare]["match_weight"] - off[rare]["match_weight"] == pytest.approx(
        2 * math.log2(1682 / 42), abs=1e-9
    )


def test_frequency_adjustment_setting_validated() -> None:
    with pytest.raises(LinkageSettingsError, match="name_frequency_adjustment='up'"):
        LinkageSettings(name_frequency_adjustment="up")
