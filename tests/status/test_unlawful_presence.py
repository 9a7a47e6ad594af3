"""Unlawful presence and re-entry bars, one row per rule and edge, days worked out by hand."""

from datetime import date

import pytest
from status_builders import arrival, benefit, departure

from immigrationos.status import status_on
from immigrationos.status.presence import unlawful_days
from immigrationos.status.records import RecordView

AS_OF = date(2026, 12, 4)

CASES: list[tuple[str, list[RecordView], date, int | None, str | None, date | None]] = [
    # (name, records, as_of, unlawful_presence_days, bar, bar_until)
    # Until 2025-06-30, left 2026-01-15: 2025-07-01..2026-01-14 = 31 + 31 + 30 + 31 + 30 +
    # 31 + 14 = 198 days, more than 180: 3 years from 2026-01-15, last barred day 2029-01-14.
    (
        "three-year bar",
        [arrival("A1", "2025-01-01", "2025-06-30"), departure("D1", "2026-01-15")],
        AS_OF,
        198,
        "3_year",
        date(2029, 1, 14),
    ),
    # The same bar has lapsed on 2029-01-15.
    (
        "three-year bar lapsed",
        [arrival("A1", "2025-01-01", "2025-06-30"), departure("D1", "2026-01-15")],
        date(2029, 1, 15),
        198,
        None,
        None,
    ),
    # Until 2024-07-09, left 2025-08-01: 2024-07-10..2025-07-09 is one year (365 days), and
    # 2025-07-10..2025-07-31 adds 22: 387 days, a 10-year bar to 2035-07-31.
    (
        "ten-year bar",
        [arrival("A1", "2024-01-10", "2024-07-09"), departure("D1", "2025-08-01")],
        AS_OF,
        387,
        "10_year",
        date(2035, 7, 31),
    ),
    # Until 2026-01-31, left 2026-07-31: 2026-02-01..2026-07-30 = 28 + 31 + 30 + 31 + 30 +
    # 30 = 180 days, not more than 180: no bar.
    (
        "180 days triggers nothing",
        [arrival("A1", "2025-08-01", "2026-01-31"), departure("D1", "2026-07-31")],
        AS_OF,
        180,
        None,
        None,
    ),
    # Left one day later: 181 days, 3 years from 2026-08-01.
    (
        "181 days triggers three years",
        [arrival("A1", "2025-08-01", "2026-01-31"), departure("D1", "2026-08-01")],
        AS_OF,
        181,
        "3_year",
        date(2029, 7, 31),
    ),
    # Until 2025-03-31: 2025-04-01..2026-03-30 = 364 days, under one year.
    (
        "364 days is under a year",
        [arrival("A1", "2024-10-01", "2025-03-31"), departure("D1", "2026-03-31")],
        AS_OF,
        364,
        "3_year",
        date(2029, 3, 30),
    ),
    # 2025-04-01..2026-03-31 = 365 days, one year: 10 years from 2026-04-01.
    (
        "365 days is one year",
        [arrival("A1", "2024-10-01", "2025-03-31"), departure("D1", "2026-04-01")],
        AS_OF,
        365,
        "10_year",
        date(2036, 3, 31),
    ),
    # Born 2008-03-01, 18 on 2026-03-01. Until 2025-06-30, left 2026-09-01: only
    # 2026-03-01..2026-08-31 counts = 31 + 30 + 31 + 30 + 31 + 31 = 184 days.
    (
        "days under 18 not counted",
        [
            arrival("A1", "2025-01-01", "2025-06-30", dob="2008-03-01"),
            departure("D1", "2026-09-01"),
        ],
        AS_OF,
        184,
        "3_year",
        date(2029, 8, 31),
    ),
    # Until 2025-06-30; asylum pending 2025-09-01..2026-02-28 (denied 2026-03-01); left
    # 2026-06-01. Counted: July and August 2025 (62) and March to May 2026 (92) = 154.
    (
        "pending asylum not counted",
        [
            arrival("A1", "2025-01-01", "2025-06-30"),
            benefit("B1", "I-589", "2025-09-01", "denied", "2026-03-01"),
            departure("D1", "2026-06-01"),
        ],
        AS_OF,
        154,
        None,
        None,
    ),
    # Still here: 2026-09-01..2026-12-04 = 30 + 31 + 30 + 4 = 95 days, no departure, no bar.
    (
        "open overstay accrues without bar",
        [arrival("A1", "2026-03-02", "2026-08-31")],
        AS_OF,
        95,
        None,
        None,
    ),
    (
        "inside the stay",
        [arrival("A1", "2026-08-01", "2027-01-31")],
        AS_OF,
        0,
        None,
        None,
    ),
    # A timely extension still pending keeps the stay authorised: no count applies.
    (
        "timely extension pending",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit("B1", "I-539", "2026-10-20", timely_filed=True),
        ],
        AS_OF,
        None,
        None,
        None,
    ),
    # Stay ended 2025-08-31; TPS requested 2025-09-15 (pending until 2025-10-31) and valid
    # 2025-11-01..2027-11-01: only 2025-09-01..2025-09-14 = 14 days count.
    (
        "pending and valid tps not counted",
        [
            arrival("A1", "2025-03-02", "2025-08-31"),
            benefit("B1", "I-821", "2025-09-15", "approved", "2025-11-01",
                    valid_until="2027-11-01"),
        ],
        AS_OF,
        14,
        None,
        None,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("records", "as_of", "days", "bar", "bar_until"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_unlawful_presence_table(
    records: list[RecordView], as_of: date, days: int | None, bar: str | None,
    bar_until: date | None,
) -> None:  # fmt: skip
    result = status_on(records=records, as_of=as_of)
    assert result.unlawful_presence_days == days
    assert result.bar == bar
    assert result.bar_until == bar_until


def test_bar_from_29_february_is_leap_day_adjusted() -> None:
    # Until 2027-01-31, left 2028-02-29: 2027-02-01..2028-01-31 = 365 and 28 more = 393
    # days. 10 years from 2028-02-29 lands on 2038-02-28 (clamped), so the last barred day
    # is 2038-02-27.
    records = [arrival("A1", "2027-01-01", "2027-01-31"), departure("D1", "2028-02-29")]
    result = status_on(records=records, as_of=date(2028, 3, 10))
    assert result.unlawful_presence_days == 393
    assert result.bar == "10_year"
    assert result.bar_until == date(2038, 2, 27)
    assert "leap_day_adjusted" in result.flags


def test_leap_day_birthday_is_flagged() -> None:
    # Born 2008-02-29: 17 on 2026-02-28 and 18 on 2026-03-01, so after a stay that ended
    # 2025-12-31 only 2026-03-01..2026-03-31 = 31 days count.
    records = [arrival("A1", "2025-07-01", "2025-12-31", dob="2008-02-29")]
    result = status_on(records=records, as_of=date(2026, 3, 31))
    assert result.unlawful_presence_days == 31
    assert "leap_day_adjusted" in result.flags


def test_no_leap_flag_without_29_february() -> None:
    records = [arrival("A1", "2025-01-01", "2025-06-30"), departure("D1", "2026-01-15")]
    assert "leap_day_adjusted" not in status_on(records=records, as_of=AS_OF).flags


@pytest.mark.parametrize(
    ("excluded", "expected"),
    [
        # 2026-01-01..2026-01-31 is 31 days.
        ([], 31),
        # Overlapping spans 01-05..01-10 and 01-08..01-12 remove 01-05..01-12: 8 days.
        ([(date(2026, 1, 5), date(2026, 1, 10)), (date(2026, 1, 8), date(2026, 1, 12))], 23),
        # A span reaching past both ends removes everything.
        ([(date(2025, 12, 1), date(2026, 3, 1))], 0),
        # A span before the window removes nothing.
        ([(date(2025, 1, 1), date(2025, 12, 31))], 31),
    ],
)
def test_unlawful_days_subtracts_spans(excluded: list[tuple[date, date]], expected: int) -> None:
    assert unlawful_days(first=date(2026, 1, 1), last=date(2026, 1, 31), excluded=excluded) == (
        expected
    )
