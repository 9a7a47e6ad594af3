"""Working days: weekends and observed US federal holidays are skipped."""

from __future__ import annotations

from datetime import date

import pytest

from immigrationos.privacy.workdays import federal_holidays, is_working_day, working_days_add


def test_holidays_2026() -> None:
    # 2026: Independence Day is a Saturday, so Friday 3 July is observed.
    assert federal_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 5, 25),
        date(2026, 6, 19),
        date(2026, 7, 3),
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 11),
        date(2026, 11, 26),
        date(2026, 12, 25),
    }


def test_saturday_new_year_observed_previous_december() -> None:
    # 1 January 2022 was a Saturday; Friday 31 December 2021 was the observed holiday.
    assert date(2021, 12, 31) in federal_holidays(2021)
    assert date(2022, 1, 1) not in federal_holidays(2022)


def test_sunday_holiday_observed_monday() -> None:
    # Juneteenth 2022 fell on a Sunday, observed Monday 20 June.
    assert date(2022, 6, 20) in federal_holidays(2022)


def test_no_juneteenth_before_2021() -> None:
    assert date(2020, 6, 19) not in federal_holidays(2020)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Monday + 10 working days, no holiday: two full weeks later.
        (date(2026, 3, 2), 10, date(2026, 3, 16)),
        # Received on a Saturday: counting starts on Monday.
        (date(2026, 3, 7), 1, date(2026, 3, 9)),
        # Friday 18 December 2026: skips Christmas (Fri 25) and New Year's Day (Fri 1 Jan).
        (date(2026, 12, 18), 10, date(2027, 1, 5)),
        # Wednesday before Thanksgiving 2026 (Thu 26 November).
        (date(2026, 11, 25), 1, date(2026, 11, 27)),
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
    ],
)
def test_working_days_add(start: date, days: int, expected: date) -> None:
    assert working_days_add(start, days) == expected


def test_weekend_is_not_working_day() -> None:
    assert not is_working_day(date(2026, 12, 5))
    assert is_working_day(date(2026, 12, 4))


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError, match="-1"):
        working_days_add(date(2026, 1, 5), -1)
