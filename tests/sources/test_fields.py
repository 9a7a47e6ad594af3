"""Normalisation of identity fields, one validator per column kind."""

from __future__ import annotations

from datetime import datetime

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
        ("datetime", "20260301T233000", datetime(2026, 3, 1, 23, 30)),
        ("datetime", "2026-03-01 23:30", datetime(2026, 3, 1, 23, 30)),
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
        ("datetime", "2024-06-01T10:00:00.123456789"),  # nanoseconds
        ("datetime", "２０２４-06-01T10:00:00"),  # full-width digits
        ("datetime", "2024-06-01T10:00:00 UTC"),
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


@pytest.mark.parametrize(
    ("row", "column", "expected_reason"),
    [
        (
            {"given_name": "Ji\x00an"},
            "given_name",
            "given_name contains the control character U+0000 at character 3",
        ),
        (
            {"record_id": "V-\x001"},
            "record_id",
            "record_id contains the control character U+0000 at character 3",
        ),
        (
            {"given_name": "Bob\x07\x1b[31m"},
            "given_name",
            "given_name contains the control character U+0007 at character 4",
        ),
        (
            {"passport_no": "PT\x7f55"},
            "passport_no",
            "passport_no contains the control character U+007F at character 3",
        ),
        # C1 controls (U+0080..U+009F) are category Cc too.
        ({"post": "Pa\x85ris"}, "post", "post contains the control character U+0085"),
    ],
)
def test_control_character_quarantined(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    row: dict[str, str],
    column: str,
    expected_reason: str,
) -> None:
    report = ingest_bytes("visas", csv_bytes("visas", [row]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == column
    assert expected_reason in quarantined["reason"]
    # The reason shows control characters escaped, never raw.
    assert not any(
        ord(character) < 0x20 or 0x7F <= ord(character) <= 0x9F
        for character in quarantined["reason"]
    )


@pytest.mark.parametrize(
    ("column", "length", "chars_max"),
    [
        ("given_name", 201, 200),
        ("record_id", 101, 100),
        ("passport_no", 65, 64),
        ("post", 501, 500),
    ],
)
def test_field_too_long(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    column: str,
    length: int,
    chars_max: int,
) -> None:
    report = ingest_bytes("visas", csv_bytes("visas", [{column: "A" * length}]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == column
    assert (
        f"{column} is {length:,} characters long, above the maximum of {chars_max:,}"
        in (quarantined["reason"])
    )
    # Only the first 40 characters of the value are shown.
    assert "A" * 40 in quarantined["reason"]
    assert "A" * 41 not in quarantined["reason"]


@pytest.mark.parametrize(
    ("column", "length"),
    [("given_name", 200), ("record_id", 100), ("passport_no", 64), ("post", 500)],
)
def test_field_at_max_length(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes, column: str, length: int
) -> None:
    report = ingest_bytes("visas", csv_bytes("visas", [{column: "A" * length}]))

    assert report.rows_loaded == 1


def test_zero_width_name_empty(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    # U+200B and U+2060 are format characters (Cf): the given name shows as blank, so the
    # required column is empty. "Ana\u200b" keeps a visible letter and is not empty.
    rows = [
        {"record_id": "V-1", "given_name": "\u200b\u2060"},
        {"record_id": "V-2", "given_name": "Ana\u200b"},
    ]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    [quarantined] = quarantine_rows(con)
    assert quarantined["record_id"] == "V-1"
    assert quarantined["reason"].endswith("given_name is required but empty")
    assert record_get(con, "visas:V-2")["given_name"] == "Ana\u200b"
