"""Declared date formats, two-digit years, impossible dates, timestamps in port time zones."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from ingest_helpers import IngestBytes, csv_bytes, flags_of, quarantine_rows, record_get

from immigrationos.sources.config import SourceConfig


def test_day_first_and_month_first_sources(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # visas are DD/MM/YYYY and arrivals MM/DD/YYYY: the same string "06/11/1987" is
    # 6 November in visas and 11 June in arrivals.
    visas = [
        {"record_id": "V-1001", "dob": "06/11/1987", "passport_no": "PT5581230"},
        {"record_id": "V-1002", "dob": "13/05/1990", "passport_no": "PT7710045"},
        {"record_id": "V-1003", "dob": "05/13/1990", "passport_no": ""},
    ]
    arrivals = [
        {"record_id": "A-1001", "dob": "11/06/1987", "passport_no": "PT5581230"},
        {"record_id": "A-1002", "dob": "06/11/1987", "passport_no": "PT5581299"},
    ]
    ingest_bytes("visas", csv_bytes("visas", visas))
    ingest_bytes("arrivals", csv_bytes("arrivals", arrivals))

    dobs = dict(con.execute("SELECT record_id, dob::VARCHAR FROM records").fetchall())
    assert dobs["V-1001"] == "1987-11-06"
    assert dobs["A-1001"] == "1987-11-06"
    assert dobs["A-1002"] == "1987-06-11"
    assert dobs["V-1002"] == "1990-05-13"


def test_month_thirteen_never_swapped(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    rows = [
        {"record_id": "V-1001", "dob": "06/11/1987"},
        {"record_id": "V-1002", "dob": "13/05/1990"},
        {"record_id": "V-1003", "dob": "05/13/1990"},
    ]
    report = ingest_bytes("visas", csv_bytes("visas", rows))

    # V-1003 is the third data row, on line 4 after the header.
    [quarantined] = quarantine_rows(con)
    assert quarantined["reason"] == (
        "visas.csv row 3 (line 4): dob '05/13/1990' is not a valid DD/MM/YYYY date"
    )
    # Month 13 does not fit DD/MM/YYYY at all, so the row is rejected whole and never swapped.
    assert quarantined["record_id"] == "V-1003"
    staged = con.execute("SELECT count(*) FROM records WHERE record_id = 'V-1003'").fetchall()
    assert staged == [(0,)]
    assert report.rows_loaded == 2
    assert report.rows_quarantined == 1
    assert record_get(con, "visas:V-1002")["dob"] == date(1990, 5, 13)


@pytest.mark.parametrize(
    ("dob", "conviction_date", "expected"),
    [
        # 2064 is after the conviction, so 1964 (age 61) is the only century left.
        ("09-03-64", "2025-06-01", "1964-03-09"),
        # 1907 makes the person 117 at the conviction, above the limit of 110.
        ("21-11-07", "2025-06-01", "2007-11-21"),
        # 1900 is not a leap year, 2000 is.
        ("29-02-00", "2025-06-01", "2000-02-29"),
        # Born 2025 would be after a 1990 conviction; 1925 gives age 64.
        ("15-06-25", "1990-01-01", "1925-06-15"),
    ],
)
def test_two_digit_year_century(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    dob: str,
    conviction_date: str,
    expected: str,
) -> None:
    row = {"record_id": "C-1101", "dob": dob, "conviction_date": conviction_date}
    ingest_bytes("criminal", csv_bytes("criminal", [row]))

    record = record_get(con, "criminal:C-1101")
    assert record["dob"].isoformat() == expected
    assert record["dob_quality"] == "valid"


def test_two_digit_year_unresolved(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # 1920-08-15 (age 104) and 2020-08-15 (age 4) both fit a 2025-06-01 filing.
    config = SourceConfig(date_formats={"dob": "%d-%m-%y"})
    row = {"record_id": "B-1103", "dob": "15-08-20", "filed_date": "2025-06-01"}
    ingest_bytes("benefits", csv_bytes("benefits", [row]), config)

    record = record_get(con, "benefits:B-1103")
    assert record["dob"] is None
    assert record["dob_quality"] == "unresolved_century"
    assert record["attrs"]["dob_candidates"] == ["1920-08-15", "2020-08-15"]
    assert flags_of(con, "benefits:B-1103") == [("dob", "unresolved_century")]


def test_two_digit_year_no_century_fits(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # 29 February 1801, 1901 and 2001 do not exist.
    row = {"record_id": "C-1104", "dob": "29-02-01", "conviction_date": "2025-06-01"}
    ingest_bytes("criminal", csv_bytes("criminal", [row]))

    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == "dob"
    assert quarantined["reason"].startswith(
        "criminal.csv row 1 (line 2): dob '29-02-01' is not a valid DD-MM-YY date"
    )
    assert record_get(con, "criminal:C-1104")["dob_quality"] == "invalid"


@pytest.mark.parametrize(
    ("dob", "filed_date", "expected_reason"),
    [
        ("2030-01-01", "2025-06-01", "record 'B-9': dob 2030-01-01 is later than the run date"),
        (
            "2025-01-01",
            "2024-01-10",
            "record 'B-9': dob 2025-01-01 is later than its event date (filed_date 2024-01-10)",
        ),
    ],
)
def test_dob_after_event_rejects_row(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    dob: str,
    filed_date: str,
    expected_reason: str,
) -> None:
    row = {"record_id": "B-9", "dob": dob, "filed_date": filed_date}
    report = ingest_bytes("benefits", csv_bytes("benefits", [row]))

    assert report.rows_quarantined == 1
    assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    [quarantined] = quarantine_rows(con)
    assert expected_reason in quarantined["reason"]


def test_leap_day_dob(con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes) -> None:
    rows = [
        {"record_id": "A-1301", "dob": "02/29/2004", "passport_no": "PH6612094"},
        {"record_id": "A-1302", "dob": "02/29/1990", "passport_no": "PK1180344"},
    ]
    report = ingest_bytes("arrivals", csv_bytes("arrivals", rows))

    assert report.rows_loaded == 2
    assert record_get(con, "arrivals:A-1301")["dob"].isoformat() == "2004-02-29"
    invalid = record_get(con, "arrivals:A-1302")
    assert invalid["dob"] is None
    assert invalid["dob_quality"] == "invalid"
    assert invalid["passport_no"] == "PK1180344"
    assert flags_of(con, "arrivals:A-1302") == [("dob", "invalid")]
    [quarantined] = quarantine_rows(con)
    assert quarantined["file"] == "arrivals.csv"
    assert quarantined["row_number"] == 2
    assert quarantined["column"] == "dob"
    assert quarantined["reason"] == (
        "arrivals.csv row 2 (line 3): dob '02/29/1990' is not a valid MM/DD/YYYY date"
    )


@pytest.mark.parametrize(
    ("departure_ts", "port", "port_tz", "expected_ts", "expected_date"),
    [
        # 23:30 in Honolulu is 09:30 UTC the next day; the local date stays 1 June.
        (
            "2024-06-01T23:30:00",
            "HNL",
            "Pacific/Honolulu",
            "2024-06-01T23:30:00-10:00",
            "2024-06-01",
        ),
        # The same instant given in UTC keeps its offset, and its port date is still 1 June.
        (
            "2024-06-02T09:30:00+00:00",
            "HNL",
            "Pacific/Honolulu",
            "2024-06-02T09:30:00+00:00",
            "2024-06-01",
        ),
        # New York is on daylight time (UTC-4) in June.
        ("2024-06-01 08:00", "JFK", "America/New_York", "2024-06-01T08:00:00-04:00", "2024-06-01"),
        (
            "2024-01-15T00:10:00Z",
            "LAX",
            "America/Los_Angeles",
            "2024-01-15T00:10:00+00:00",
            "2024-01-14",
        ),
    ],
)
def test_departure_local_date(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    departure_ts: str,
    port: str,
    port_tz: str,
    expected_ts: str,
    expected_date: str,
) -> None:
    row = {"departure_ts": departure_ts, "port": port, "port_tz": port_tz}
    ingest_bytes("departures", csv_bytes("departures", [row]))

    record = record_get(con, "departures:D-1")
    assert record["attrs"]["departure_ts"] == expected_ts
    assert record["attrs"]["departure_date"] == expected_date
    assert record["event_date"].isoformat() == expected_date


def test_unknown_zone_quarantines_row(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    row = {"departure_ts": "2024-06-01T23:30:00", "port_tz": "Mars/Olympus"}
    report = ingest_bytes("departures", csv_bytes("departures", [row]))

    assert report.rows_quarantined == 1
    columns = [row["column"] for row in quarantine_rows(con)]
    assert columns == ["departure_ts", "port_tz"]


@pytest.mark.parametrize(
    ("admit_until", "expected"),
    [("D/S", "D/S"), ("d/s", "D/S"), ("09/04/2024", "2024-09-04"), ("", None)],
)
def test_admit_until_date_or_ds(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    admit_until: str,
    expected: str | None,
) -> None:
    ingest_bytes("arrivals", csv_bytes("arrivals", [{"admit_until": admit_until}]))

    assert record_get(con, "arrivals:A-1")["attrs"]["admit_until"] == expected


def test_admit_until_iso_rejected(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    report = ingest_bytes("arrivals", csv_bytes("arrivals", [{"admit_until": "2024-09-04"}]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["reason"].endswith("admit_until '2024-09-04' is not a valid MM/DD/YYYY date")


@pytest.mark.parametrize(
    ("admission_ts", "expected_reason"),
    [
        # Year 1 and year 9999 overflow on time zone conversion; both are outside 1900..2100.
        ("0001-01-01T00:30:00+01:00", "is outside the plausible years 1900..2100"),
        ("9999-12-31T23:00:00-05:00", "is outside the plausible years 1900..2100"),
        ("1899-12-31T23:00:00", "is outside the plausible years 1900..2100"),
        # Real offsets stop at +14:00 (Kiritimati) and -12:00.
        ("2024-03-05T10:00:00+14:30", "has a UTC offset beyond the valid range"),
        ("2024-03-05T10:00:00-15:00", "has a UTC offset beyond the valid range"),
        # Full-width digits look like a date but are not ASCII.
        ("２０２４-03-05T10:00:00", "is not an ISO 8601 timestamp"),
    ],
)
def test_admission_ts_out_of_range(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    admission_ts: str,
    expected_reason: str,
) -> None:
    report = ingest_bytes("arrivals", csv_bytes("arrivals", [{"admission_ts": admission_ts}]))

    assert report.rows_quarantined == 1
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == "admission_ts"
    assert expected_reason in quarantined["reason"]


def test_offset_fourteen_hours_valid(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # +14:00 itself is a real offset: 10:00+14:00 is 20:00 on 4 March in New York (UTC-5).
    row = {"admission_ts": "2024-03-05T10:00:00+14:00"}
    report = ingest_bytes("arrivals", csv_bytes("arrivals", [row]))

    assert report.rows_loaded == 1
    assert record_get(con, "arrivals:A-1")["event_date"] == date(2024, 3, 4)


@pytest.mark.parametrize(
    ("row", "column", "expected_reason"),
    [
        # 1899 is before the plausible years, so the row (not only the DOB) is in doubt.
        ({"dob": "1899-12-31"}, "dob", "dob '1899-12-31' is outside the plausible years"),
        ({"dob": "１９９０-01-02"}, "dob", "is not a valid YYYY-MM-DD date"),
        # Born 1 January 1913, the person is 111 on the 2024-01-10 filing: above 110.
        (
            {"dob": "1913-01-01"},
            "dob",
            "record 'B-1': dob 1913-01-01 makes the person older than 110 at its event date "
            "(filed_date 2024-01-10)",
        ),
        # RUN_DATE is 2026-12-04, so a filing on 5 December 2026 has not happened yet.
        (
            {"filed_date": "2026-12-05"},
            "filed_date",
            "record 'B-1': filed_date 2026-12-05 is later than the run date 2026-12-04",
        ),
        (
            {"decision": "approved", "decision_date": "2027-01-01"},
            "decision_date",
            "record 'B-1': decision_date 2027-01-01 is later than the run date 2026-12-04",
        ),
        (
            {"decision": "approved", "decision_date": "2024-01-09"},
            "decision_date",
            "record 'B-1': decision_date 2024-01-09 is before filed_date 2024-01-10",
        ),
        (
            {"valid_until": "2023-12-31"},
            "valid_until",
            "record 'B-1': valid_until 2023-12-31 is before filed_date 2024-01-10",
        ),
        ({"filed_date": "2101-01-01"}, "filed_date", "outside the plausible years 1900..2100"),
    ],
)
def test_benefit_dates_implausible(
    con: duckdb.DuckDBPyConnection,
    ingest_bytes: IngestBytes,
    row: dict[str, str],
    column: str,
    expected_reason: str,
) -> None:
    report = ingest_bytes("benefits", csv_bytes("benefits", [row]))

    assert report.rows_quarantined == 1
    assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    [quarantined] = quarantine_rows(con)
    assert quarantined["column"] == column
    assert expected_reason in quarantined["reason"]


def test_benefit_dates_at_limits_load(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # Aged exactly 110 on the filing date, decided on the filing day and on the run date:
    # every bound is inclusive.
    row = {
        "dob": "1914-01-10",
        "decision": "approved",
        "filed_date": "2024-01-10",
        "decision_date": "2026-12-04",
        "valid_until": "2024-01-10",
    }
    report = ingest_bytes("benefits", csv_bytes("benefits", [row]))

    assert report.rows_loaded == 1


def test_future_departure_local_date(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # 2026-12-05T09:30Z is 23:30 on 4 December in Honolulu, the run date: it loads. One hour
    # later the local date is 5 December, after the run date.
    rows = [
        {"record_id": "D-1", "departure_ts": "2026-12-05T09:30:00+00:00"},
        {"record_id": "D-2", "departure_ts": "2026-12-05T10:30:00+00:00"},
    ]
    for row in rows:
        row.update(port="HNL", port_tz="Pacific/Honolulu")
    report = ingest_bytes("departures", csv_bytes("departures", rows))

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    [quarantined] = quarantine_rows(con)
    assert quarantined["record_id"] == "D-2"
    assert (
        "departure_ts 2026-12-05 is later than the run date 2026-12-04" in (quarantined["reason"])
    )


def test_two_digit_year_not_before_1900(
    con: duckdb.DuckDBPyConnection, ingest_bytes: IngestBytes
) -> None:
    # 1996 is after the 1995 conviction, and 1896 (age 98) is before 1900: no century fits.
    row = {"record_id": "C-1", "dob": "15-06-96", "conviction_date": "1995-01-01"}
    ingest_bytes("criminal", csv_bytes("criminal", [row]))

    record = record_get(con, "criminal:C-1")
    assert record["dob"] is None
    assert record["dob_quality"] == "invalid"
