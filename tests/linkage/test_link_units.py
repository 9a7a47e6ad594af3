"""Vetoes, pair decisions, blocking and model bounds on hand-made feature rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from linkage_records import record

from immigrationos.linkage.blocking import candidate_pairs_build
from immigrationos.linkage.decisions import DOB_EXACT, DOB_TRANSPOSED, pair_decide
from immigrationos.linkage.features import feature_rows_build, features_table
from immigrationos.linkage.model import INPUT_TABLE, input_table_create, parameters_bound
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.linkage.vetoes import veto_reason

NAME_EXACT = 10  # the "exact" level of the name comparison, counted from else = 0


def _features(**fields: Any) -> dict[str, Any]:
    row = record("V-9000", **fields)
    staged = (
        "visas:V-9000", "visas", row["given_name"], row["family_name"], row["dob"], None,
        row["sex"], row["nationality"], row["passport_no"], row["passport_country"],
        row["a_number"], row["fbi_number"],
    )  # fmt: skip
    return feature_rows_build(rows=[staged])[0]


BASE = {"given_name": "Oskar", "family_name": "Brandvik", "dob": "1997-09-14", "sex": "M"}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({}, {"dob": "2001-01-01"}, "dates of birth more than two years apart"),
        ({}, {"dob": "1998-09-14"}, None),
        (
            {"passport_no": "NX1", "passport_country": "NOR"},
            {"passport_no": "NX2000", "passport_country": "NOR", "sex": "F"},
            "different passports of the same country and different sex",
        ),
        ({}, {"given_name": "Elias"}, "different given names with the same family name"),
        ({}, {"given_name": "Oscar"}, None),
        ({"given_name": "Nikolay"}, {"given_name": "Mykola"}, None),
        ({"given_name": "Zhihui"}, {"given_name": "Chih-hui"}, None),
        ({}, {"given_name": "O."}, None),
        (
            {"passport_no": "NX7712041"},
            {"given_name": "Elias", "passport_no": "NX7712041"},
            None,
        ),
        ({"a_number": "A012345678"}, {"a_number": "A098765432"}, "different A-numbers"),
        ({"a_number": "A012345678"}, {"a_number": "A012345679"}, None),
        (
            {"family_name": "Núñez Ordóñez"},
            {"family_name": "Núñez Zúñiga"},
            "compound family names with different parts",
        ),
        ({"family_name": "Núñez Ordóñez"}, {"family_name": "Núñez"}, None),
        (
            {"family_name": "García Valenzuela"},
            {"family_name": "Valenzuela García"},
            "compound family names in the other order",
        ),
        ({"family_name": "García Valenzuela"}, {"family_name": "GARCIA VALENZUELA"}, None),
        (
            {"family_name": "García Valenzuela", "passport_no": "MD4357085"},
            {"family_name": "Valenzuela García", "passport_no": "MD4357085"},
            None,
        ),
        (
            {"passport_no": "CJ3612485", "passport_country": "COL"},
            {"passport_no": "CA4353961", "passport_country": "COL"},
            "different passports of the same country and no shared A-number",
        ),
        (
            {"passport_no": "CJ3612485", "passport_country": "COL"},
            {"passport_no": "CJ3612486", "passport_country": "COL"},
            None,
        ),
    ],
)
def test_veto_reason_table(
    left: dict[str, Any], right: dict[str, Any], expected: str | None
) -> None:
    reason = veto_reason(_features(**{**BASE, **left}), _features(**{**BASE, **right}))

    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert reason.startswith(expected)


@pytest.mark.parametrize(
    ("right", "gamma_dob", "outcome", "rule"),
    [
        # Same passport, same DOB: tier 1 whatever the score.
        ({"passport_no": "NX1"}, DOB_EXACT, "link", "exact_passport_dob"),
        # Transposed day and month with nothing else shared: at most review.
        ({"dob": "1997-09-14"}, DOB_TRANSPOSED, "review", "splink"),
        # The same transposition next to a shared A-number may link.
        ({"a_number": "123456789"}, DOB_TRANSPOSED, "link", "exact_a_number"),
        # No given name and no shared identifier: review.
        ({"given_name": None}, DOB_EXACT, "review", "splink"),
    ],
)
def test_pair_decide_table(right: dict[str, Any], gamma_dob: int, outcome: str, rule: str) -> None:
    left_fields = {**BASE, "passport_no": "NX1", "a_number": "123456789"}
    right_fields = {**BASE, **right}

    decision = pair_decide(
        left=_features(**left_fields),
        right=_features(**right_fields),
        probability=0.9999,
        gamma_name=NAME_EXACT,
        gamma_dob=gamma_dob,
        settings=LinkageSettings(),
    )

    assert decision.outcome == outcome
    assert decision.rule == rule


def test_blocking_skips_oversized_blocks() -> None:
    # Three records share one DOB and one name; a fourth shares only the DOB.
    names = [("V-1", "Ana", "Lemos"), ("V-2", "Ana", "Lemos"), ("V-3", "Ana", "Lemos"),
             ("V-4", "Zorya", "Quillfeather")]  # fmt: skip
    staged = [
        (f"visas:{record_id}", "visas", given, family, date(1990, 1, 1), *([None] * 7))
        for record_id, given, family in names
    ]
    work = duckdb.connect(":memory:")
    features = features_table(feature_rows=feature_rows_build(rows=staged))
    input_table_create(work=work, features=features, settings=LinkageSettings())

    summary = candidate_pairs_build(
        con=work, input_table=INPUT_TABLE, output_table="pairs_out", max_block_size=2
    )

    # Every key block of the three "Ana Lemos" has 3 records (> 2), so no pair survives;
    # V-4 shares a DOB but no name part with them.
    assert summary.candidate_pairs == 0
    assert summary.oversized_blocks > 0

    summary = candidate_pairs_build(
        con=work, input_table=INPUT_TABLE, output_table="pairs_out", max_block_size=3
    )

    # With room for three, the three namesakes pair with each other: 3 pairs.
    assert summary.candidate_pairs == 3


def test_parameters_bound_caps_common_name() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"label_for_charts": "null", "is_null_level": True},
                    {"label_for_charts": "exact common name", "m_probability": 0.5,
                     "u_probability": 0.0001},
                    {"label_for_charts": "exact", "m_probability": 0.4,
                     "u_probability": 0.0002},
                    {"label_for_charts": "else", "m_probability": 0.0,
                     "u_probability": 0.99},
                ],
            }
        ]
    }  # fmt: skip

    levels = parameters_bound(model)["comparisons"][0]["comparison_levels"]

    # exact: m/u = 2,000. Common name had 5,000, so its u rises to 0.5 / 2,000 = 0.00025.
    assert levels[1]["u_probability"] == pytest.approx(0.00025)
    assert levels[1]["m_probability"] == pytest.approx(0.5)
    # An m of zero would make "else" an absolute bar: floored at 1e-4.
    assert levels[3]["m_probability"] == pytest.approx(1e-4)


def test_features_table_layout() -> None:
    rows = feature_rows_build(
        rows=[
            (
                "visas:V-1",
                "visas",
                "Jörg",
                "von Strauß",
                None,
                None,
                "M",
                "deu",
                "pd-339",
                "DEU",
                "A 012-345-678",
                None,
            )
        ]
    )

    table = features_table(feature_rows=rows)

    assert isinstance(table, pa.Table)
    row = table.to_pylist()[0]
    assert row["given_c"] == "JORG"
    assert row["family_c"] == "STRAUSS"
    assert row["passport_no"] == "PD339"
    assert row["a_number"] == "012345678"
    assert row["nationality"] == "DEU"
    # No DOB but a passport: not thin.
    assert row["thin"] is False
