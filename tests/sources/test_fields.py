"""Normalisation of identity fields, one validator per column kind."""

from __future__ import annotations

import duckdb
import pytest
from ingest_helpers import IngestBytes, csv_bytes, quarantine_rows, record_get

from immigrationos.sources.contracts import Column
from immigrationos.sources.errors import FieldInvalid
from immigrationos.sources.fields import mojibake_repair, mojibake_suspected, validator_build


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("a_number", "A12345678", "012345678"),
        ("a_number", "a123456789", "123456789"),
        ("a_number", "12345678", "012345678"),
        ("a_number", "A-123-456-789", "123456789"),
        ("document", "pt 558-1230", "PT5581230"),
        ("country", "mex", "MEX"),
        ("sex", "f", "F"),
        ("bool", "Yes", True),
        ("bool", "0", False),
        ("port", "hnl", "HNL"),
    ],
)
def test_field_normalised(kind: str, value: str, expected: object) -> None:
    validate = validator_build(column=Column("field", kind), date_format=None)  # type: ignore[arg-type]

    assert validate(value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("a_number", "A1234567"),  # 7 digits
        ("a_number", "A1234567890"),  # 10 digits
        ("a_number", "B12345678"),
        ("document", "PT#5581"),
        ("country", "MX"),
        ("country", "M3X"),
        ("sex", "U"),
        ("bool", "maybe"),
        ("port", "XXX"),
        ("timezone", "Mars/Olympus"),
        ("datetime", "2024-06-01"),
        ("datetime", "2024-06-01T25:00:00"),
    ],
)
def test_field_invalid(kind: str, value: str) -> None:
    validate = validator_build(column=Column("field", kind), date_format=None)  # type: ignore[arg-type]

    with pytest.raises(FieldInvalid, match=f"field {value!r}"):
        validate(value)


def test_enum_canonical_case() -> None:
    validate = validator_build(
        column=Column("mode", "enum", choices=("air", "sea")), date_format=None
    )

    assert validate("AIR") == "air"
    with pytest.raises(FieldInvalid, match="mode 'bus' is not one of air, sea"):
        validate("bus")


@pytest.mark.parametrize(
    ("value", "suspected", "repaired"),
    [
        ("SofÃ\u00ada", True, "Sofía"),
        ("PeÃ±alver", True, "Peñalver"),
        ("JoÃ£o", True, "João"),
        ("Sofía", False, None),
        ("Ãlvaro", False, None),  # "Ã" before a plain letter is no UTF-8 sequence
    ],
)
def test_mojibake_detect_and_repair(value: str, suspected: bool, repaired: str | None) -> None:
    assert mojibake_suspected(value) is suspected
    assert mojibake_repair(value) == repaired


def test_identity_columns_staged(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    row = {
        "given_name": "  María José ",
        "family_name": "de la Cruz",
        "sex": "m",
        "nationality": "mex",
        "passport_no": "g 123-456",
        "passport_country": "Mex",
        "a_number": "A12345678",
    }
    ingest_bytes("arrivals", csv_bytes("arrivals", [row]))

    record = record_get(con, "arrivals:A-1")
    # Names keep their spelling and case; only surrounding blanks go.
    assert record["given_name"] == "María José"
    assert record["family_name"] == "de la Cruz"
    assert record["sex"] == "M"
    assert record["nationality"] == "MEX"
    assert record["passport_no"] == "G123456"
    assert record["passport_country"] == "MEX"
    assert record["a_number"] == "012345678"
    assert record["record_uid"] == "arrivals:A-1"
    assert record["line"] == 2


def test_attrs_hold_other_columns(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    row = {"record_id": "B-1", "timely_filed": "yes", "decision_date": "", "new_class": " H1B "}
    ingest_bytes("benefits", csv_bytes("benefits", [row]))

    attrs = record_get(con, "benefits:B-1")["attrs"]
    assert attrs["timely_filed"] is True
    assert attrs["decision_date"] is None
    assert attrs["filed_date"] == "2024-01-10"
    assert attrs["new_class"] == "H1B"
    assert attrs["receipt_number"] == "IOE0912345678"
    assert attrs["event_local_date"] == "2024-01-10"
    assert "given_name" not in attrs


def test_invalid_a_number_quarantines_row(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    report = ingest_bytes("arrivals", csv_bytes("arrivals", [{"a_number": "A1234567"}]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == "a_number"
    assert quarantined["value"] == "A1234567"
