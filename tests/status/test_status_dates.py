from datetime import date

import pytest

from immigrationos.status.dates import age_on, days_after, shift_years


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        # Born on a leap day: still 17 on 28 February of a common year, 18 on 1 March.
        (date(2004, 2, 29), date(2022, 2, 28), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        # In a leap year the birthday itself exists.
        (date(2004, 2, 29), date(2024, 2, 29), 20),
        (date(2004, 2, 29), date(2024, 2, 28), 19),
        (date(1990, 6, 15), date(2008, 6, 14), 17),
        (date(1990, 6, 15), date(2008, 6, 15), 18),
    ],
)
def test_age_on_compares_month_and_day(dob: date, on: date, expected: int) -> None:
    assert age_on(dob=dob, on=on) == expected


@pytest.mark.parametrize(
    ("value", "years", "expected", "adjusted"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28), True),
        (date(2024, 2, 29), 4, date(2028, 2, 29), False),
        (date(2024, 2, 29), -10, date(2014, 2, 28), True),
        (date(2023, 3, 1), 10, date(2033, 3, 1), False),
    ],
)
def test_shift_years_clamps_leap_day(
    value: date, years: int, expected: date, adjusted: bool
) -> None:
    shifted, was_adjusted = shift_years(value=value, years=years)
    assert shifted == expected
    assert was_adjusted is adjusted


@pytest.mark.parametrize(
    ("last_authorised", "until", "expected"),
    [
        # 2026-08-31 to 2026-12-04: Sept 30 + Oct 31 + Nov 30 + Dec 4 = 95.
        (date(2026, 8, 31), date(2026, 12, 4), 95),
        # Across a leap day: 28 Feb, 29 Feb and 1 Mar 2028 = 3.
        (date(2028, 2, 27), date(2028, 3, 1), 3),
        (date(2026, 8, 31), date(2026, 8, 31), 0),
        (date(2026, 8, 31), date(2026, 8, 1), 0),
    ],
)
def test_days_after_counts_calendar_days(last_authorised: date, until: date, expected: int) -> None:
    assert days_after(last_authorised=last_authorised, until=until) == expected
