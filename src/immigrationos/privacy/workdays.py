"""Working days: weekdays that are not US federal legal public holidays.

The holidays are those of 5 U.S.C. 6103(a). A holiday on a Saturday is observed on the
Friday before and one on a Sunday on the Monday after (5 U.S.C. 6103(b) and Executive Order
11582), and federal offices close on the observed day, so that day is not a working day.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

_MONDAY, _THURSDAY, _SATURDAY, _SUNDAY = 0, 3, 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == _SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == _SUNDAY:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """Return the observed dates of the legal public holidays in ``year``."""
    fixed = [
        date(year, 1, 1),  # New Year's Day
        date(year, 6, 19),  # Juneteenth National Independence Day (from 2021)
        date(year, 7, 4),  # Independence Day
        date(year, 11, 11),  # Veterans Day
        date(year, 12, 25),  # Christmas Day
    ]
    if year < 2021:
        fixed.remove(date(year, 6, 19))
    floating = [
        _nth_weekday(year, 1, _MONDAY, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, _MONDAY, 3),  # Washington's Birthday
        _last_weekday(year, 5, _MONDAY),  # Memorial Day
        _nth_weekday(year, 9, _MONDAY, 1),  # Labor Day
        _nth_weekday(year, 10, _MONDAY, 2),  # Columbus Day
        _nth_weekday(year, 11, _THURSDAY, 4),  # Thanksgiving Day
    ]
    observed = {_observed(day) for day in fixed} | set(floating)
    # New Year's Day of the next year on a Saturday is observed on 31 December of this one.
    next_new_year = date(year + 1, 1, 1)
    if next_new_year.weekday() == _SATURDAY:
        observed.add(next_new_year - timedelta(days=1))
    return frozenset(day for day in observed if day.year == year)


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is a weekday and not an observed federal holiday."""
    return day.weekday() < _SATURDAY and day not in federal_holidays(day.year)


def working_days_add(start: date, days: int) -> date:
    """Return the date ``days`` working days after ``start``; ``start`` itself is not counted.

    For example, a request received on Friday 2026-12-18 with 10 working days to answer is
    due on 2027-01-05, skipping two weekends, Christmas Day (Friday 2026-12-25) and New
    Year's Day (Friday 2027-01-01).
    """
    if days < 0:
        raise ValueError(f"invalid number of working days {days!r}: expected 0 or more")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
