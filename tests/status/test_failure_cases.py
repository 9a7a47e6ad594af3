"""Known failure kinds: twins, day/month order, two-digit years, leap days, unrecorded
departures and partial surnames."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from status_builders import arrival, benefit, court, departure, view

from immigrationos import staging
from immigrationos.sources.config import SourceConfig
from immigrationos.sources.contracts import CONTRACTS
from immigrationos.sources.ingest import ingest_file
from immigrationos.status import build_stays, record_from_row, status_history, status_on
from immigrationos.status.records import Arrival, Conviction, RecordView

AS_OF = date(2026, 12, 4)


def test_twin_with_departure_is_departed() -> None:
    # Elias: admitted 2026-03-02 until 2026-08-31, left Oslo-bound 2026-08-20 (local date).
    records = [
        arrival("A-0202", "2026-03-02", "2026-08-31"),
        view("visas", "V-0202", issue_date="2026-01-10", visa_class="B2"),
        view("departures", "D-0202", departure_ts="2026-08-20T18:05:00+02:00",
             departure_date="2026-08-20", mode="air", evidence_kind="carrier_manifest"),
    ]  # fmt: skip
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "departed"
    assert result.since == date(2026, 8, 20)
    assert result.overstay_days == 0
    assert "departures:D-0202" in result.evidence


def test_twin_without_departure_is_unconfirmed() -> None:
    # Oskar: until 2026-08-31, nothing after it: 2026-12-04 - 2026-08-31 = 95 days.
    records = [
        arrival("A-0201", "2026-03-02", "2026-08-31"),
        view("visas", "V-0201", issue_date="2026-01-10", visa_class="B2"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "potential_overstay_unconfirmed"
    assert result.overstay_days == 95
    assert "unconfirmed" in result.flags


def test_leap_year_overstay_counts_29_february() -> None:
    # Until 2028-02-27, departed 2028-03-02: 28 Feb, 29 Feb and 1 Mar are out of status.
    records = [arrival("A-1301", "2027-09-01", "2028-02-27"), departure("D-1301", "2028-03-02")]
    result = status_on(records=records, as_of=date(2028, 3, 10))
    assert result.status == "departed"
    assert result.overstay_days == 3


def test_leap_day_as_of_raises_nothing() -> None:
    records = [arrival("A-1301", "2027-09-01", "2028-02-27")]
    result = status_on(records=records, as_of=date(2028, 2, 29))
    # 2028-02-28 and 2028-02-29.
    assert result.overstay_days == 2
    assert [p.status for p in status_history(records=records, as_of=date(2028, 2, 29))] == [
        "in_status",
        "potential_overstay_unconfirmed",
    ]


def test_later_arrival_infers_unrecorded_departure() -> None:
    records = [
        arrival("A-1701", "2025-12-10", "2026-03-09"),
        arrival("A-1702", "2026-05-20", "2027-05-19", mode="land"),
    ]
    first, current = build_stays(records=records)
    assert first.end_kind == "departure_inferred"
    assert first.overstay_days is None
    # At most 2026-03-10..2026-05-19: 22 + 30 + 19 = 71 days.
    assert first.max_overstay_days == 71
    assert "departure_not_recorded" in first.flags
    assert current.end_kind == "open"

    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "in_status"
    assert result.valid_until == date(2027, 5, 19)
    assert result.overstay_days is None
    assert "prior_departure_not_recorded" in result.flags


def test_inferred_departure_period_is_never_overstay() -> None:
    records = [
        arrival("A-1701", "2025-12-10", "2026-03-09"),
        arrival("A-1702", "2026-05-20", "2027-05-19", mode="land"),
    ]
    periods = status_history(records=records, as_of=AS_OF)
    spans = [(p.start, p.end, p.status, p.rule_id) for p in periods]
    assert spans == [
        (date(2025, 12, 10), date(2026, 3, 9), "in_status", "admitted_until"),
        (date(2026, 3, 10), date(2026, 5, 19), "unknown", "departure_inferred"),
        (date(2026, 5, 20), None, "in_status", "admitted_until"),
    ]
    assert "departure_not_recorded" in periods[1].flags
    assert all(p.status not in {"overstay", "potential_overstay_unconfirmed"} for p in periods)


def test_stay_without_departure_is_unconfirmed() -> None:
    # 2026-04-14 to 2026-12-04: 16 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 4 = 234.
    result = status_on(records=[arrival("A-1703", "2026-01-15", "2026-04-14")], as_of=AS_OF)
    assert result.status == "potential_overstay_unconfirmed"
    assert result.overstay_days == 234
    assert "unconfirmed" in result.flags
    assert result.rule_id != "stay_expired_presence"


def test_departure_record_closes_open_stay() -> None:
    records = [arrival("A-1703", "2026-01-15", "2026-04-14"), departure("D-1703", "2026-04-10")]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "departed"
    assert result.overstay_days == 0


def test_final_order_from_partial_surname_court_record() -> None:
    # The matched person: arrival, removal order of 2025-11-03 (appeal waived) and a benefit.
    records = [
        arrival("A-0901", "2024-05-01", "2024-10-31"),
        court("O-0901", "2025-02-01", "removal", "2025-11-03", appeal="waived"),
        benefit("B-0901", "I-539", "2024-10-01", "denied", "2025-01-15", timely_filed=True),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "final_order"
    assert result.since == date(2025, 11, 3)
    assert "court:O-0901" in result.evidence
    history = status_history(records=records, as_of=AS_OF)
    assert history[-1].status == "final_order"
    assert history[-1].start == date(2025, 11, 3)


def test_other_person_without_order_has_none() -> None:
    result = status_on(records=[arrival("A-0902", "2026-06-01", "2026-11-30")], as_of=AS_OF)
    assert result.status != "final_order"
    assert not any(uid.startswith("court:") for uid in result.evidence)


def _ingest(
    con: duckdb.DuckDBPyConnection, folder: Path, source: str, csv_text: str,
    today: date = AS_OF,
) -> None:  # fmt: skip
    path = folder / f"{source}.csv"
    path.write_text(csv_text, encoding="utf-8")
    report = ingest_file(
        con=con, path=path, contract=CONTRACTS[source], config=SourceConfig(), today=today
    )
    assert not report.rejected, report


def _staged(con: duckdb.DuckDBPyConnection, *uids: str) -> list[RecordView]:
    cursor = con.execute(
        "SELECT record_uid, source, record_id, dob, event_date, attrs FROM records "
        "WHERE record_uid IN (SELECT unnest(?)) ORDER BY record_uid",
        [list(uids)],
    )
    names = [column[0] for column in cursor.description or []]
    return [record_from_row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = staging.connect(":memory:")
    yield connection
    connection.close()


ARRIVAL_HEADER = (
    "record_id,i94_number,given_name,family_name,dob,class_of_admission,admission_ts,port,"
    "port_tz,mode,admit_until\n"
)


def test_month_first_arrival_dates_drive_status(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # Case 10: the I-94 extract is month-first, so 11/06/1987 is 6 November and 08/31/2026
    # is the admit-until date: 2026-09-01..2026-12-04 = 95 days.
    _ingest(con, tmp_path, "arrivals", ARRIVAL_HEADER + (
        "A-1001,I94000001,Tariq,Benmoussa,11/06/1987,B2,2026-03-02T14:10:00,JFK,"
        "America/New_York,air,08/31/2026\n"
    ))  # fmt: skip
    (view_,) = _staged(con, "arrivals:A-1001")
    assert isinstance(view_, Arrival)
    assert view_.dob == date(1987, 11, 6)
    assert view_.admit_until == date(2026, 8, 31)
    result = status_on(records=[view_], as_of=AS_OF)
    assert result.status == "potential_overstay_unconfirmed"
    assert result.overstay_days == 95
    assert result.unlawful_presence_days == 95


def test_two_digit_birth_year_counts_adult_days(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # Case 11: 09-03-64 is 1964-03-09, not 2064. Read as 2064, every day would fall "under
    # 18" and no unlawful presence would count. The stay ended 2025-02-09 and the conviction
    # of 2025-06-01 confirms presence: 2025-02-10..2026-12-04 is 19 days of February 2025,
    # 306 days from March to December 2025 and 338 days of 2026 = 663 days.
    _ingest(con, tmp_path, "arrivals", ARRIVAL_HEADER + (
        "A-1101,I94000002,Rashid,Oyelaran,03/09/1964,B2,2024-08-10T09:00:00,JFK,"
        "America/New_York,air,02/09/2025\n"
    ))  # fmt: skip
    _ingest(con, tmp_path, "criminal", (
        "record_id,fbi_number,given_name,family_name,dob,offence_category,severity,"
        "conviction_date\n"
        "C-1101,FBI1101,Rashid,Oyelaran,09-03-64,theft,misdemeanor,2025-06-01\n"
    ))  # fmt: skip
    records = _staged(con, "arrivals:A-1101", "criminal:C-1101")
    conviction = next(rec for rec in records if isinstance(rec, Conviction))
    assert conviction.dob == date(1964, 3, 9)
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "overstay"
    expected = (AS_OF - date(2025, 2, 9)).days
    assert expected == 663
    assert result.overstay_days == expected
    assert result.unlawful_presence_days == expected


def test_invalid_leap_dob_keeps_record_for_status(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # Case 13: A-1302's DOB 1990-02-29 does not exist. The record is kept with no DOB, and
    # its status is still derived: until 2027-08-01, as of 2027-08-11 that is 10 days.
    _ingest(con, tmp_path, "arrivals", ARRIVAL_HEADER + (
        "A-1302,I94000003,Teodor,Ilievski,02/29/1990,B2,2027-02-01T10:00:00,JFK,"
        "America/New_York,air,08/01/2027\n"
    ), today=date(2027, 8, 11))  # fmt: skip
    (view_,) = _staged(con, "arrivals:A-1302")
    assert isinstance(view_, Arrival)
    assert view_.dob is None
    result = status_on(records=[view_], as_of=date(2027, 8, 11))
    assert result.overstay_days == 10


def test_leap_day_departure_read_at_port_zone(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # Case 13: A-1301 until 2028-02-27. The exit is stamped 2028-03-02T01:30Z, which is
    # 1 March at Los Angeles, so only 2028-02-28 and 2028-02-29 are out of status (with the
    # local date 2 March, as in the case, the count is 3: see the builder test above).
    _ingest(con, tmp_path, "arrivals", ARRIVAL_HEADER + (
        "A-1301,I94000004,Noor,Valdes-Ohlin,02/29/2004,B2,2027-09-01T10:00:00,JFK,"
        "America/New_York,air,02/27/2028\n"
    ), today=date(2028, 3, 10))  # fmt: skip
    _ingest(con, tmp_path, "departures", (
        "record_id,event_id,passport_no,departure_ts,port,port_tz,mode,evidence_kind\n"
        "D-1301,EV1301,PH6612094,2028-03-02T01:30:00+00:00,LAX,America/Los_Angeles,air,"
        "carrier_manifest\n"
    ), today=date(2028, 3, 10))  # fmt: skip
    records = _staged(con, "arrivals:A-1301", "departures:D-1301")
    arrival_view = next(rec for rec in records if isinstance(rec, Arrival))
    assert arrival_view.dob == date(2004, 2, 29)
    # 01:30 UTC on 2 March is 17:30 on 1 March in Los Angeles.
    result = status_on(records=records, as_of=date(2028, 3, 10))
    assert result.status == "departed"
    assert result.since == date(2028, 3, 1)
    assert result.overstay_days == 2
