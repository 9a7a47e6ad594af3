from datetime import date, timedelta

import pytest

from immigrationos.status.dates import age_on, birthday, days_after, local_date, shift_years


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


@pytest.mark.parametrize(
    ("dob", "age", "expected", "adjusted"),
    [
        # Born on a leap day: 18 on 1 March of a common year, as age_on counts.
        (date(2004, 2, 29), 18, date(2022, 3, 1), True),
        # 2024 is a leap year, so the 20th birthday exists.
        (date(2004, 2, 29), 20, date(2024, 2, 29), False),
        (date(1990, 6, 15), 18, date(2008, 6, 15), False),
    ],
)
def test_birthday_agrees_with_age_on(dob: date, age: int, expected: date, adjusted: bool) -> None:
    day, was_adjusted = birthday(dob=dob, age=age)
    assert day == expected
    assert was_adjusted is adjusted
    assert age_on(dob=dob, on=day) == age
    assert age_on(dob=dob, on=day - timedelta(days=1)) == age - 1


@pytest.mark.parametrize(
    ("timestamp", "zone", "expected"),
    [
        # 03:30 UTC on 21 August is 17:30 on 20 August in Honolulu (UTC-10).
        ("2026-08-21T03:30:00+00:00", "Pacific/Honolulu", date(2026, 8, 20)),
        # 23:30 local with no offset is read in the port's zone: the date stays.
        ("2026-08-20T23:30:00", "Pacific/Honolulu", date(2026, 8, 20)),
        # 23:30 in New York (UTC-4 in summer) is already 21 August in Oslo (UTC+2).
        ("2026-08-20T23:30:00-04:00", "Europe/Oslo", date(2026, 8, 21)),
        # Without a zone, the timestamp's own date is used.
        ("2026-08-20T18:05:00+02:00", None, date(2026, 8, 20)),
    ],
)
def test_local_date_at_port(timestamp: str, zone: str | None, expected: date) -> None:
    assert local_date(timestamp=timestamp, zone=zone) == expected


def test_local_date_rejects_unknown_zone() -> None:
    with pytest.raises(ValueError, match="'Mars/Olympus'"):
        local_date(timestamp="2026-08-20T10:00:00+00:00", zone="Mars/Olympus")
