"""Calendar-date arithmetic for status rules: no UTC shifts, no 365-day years.

Every date here is a local calendar date at the port or office. Day counts subtract
``date`` objects, so leap days count like any other day.
"""

from __future__ import annotations

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def shift_years(*, value: date, years: int) -> tuple[date, bool]:
    """Return ``value`` moved by ``years`` and whether 29 February was clamped.

    A 29 February that lands in a common year becomes 28 February. This is the one leap-day
    rule for anniversaries and bar end dates. The second item is then True, so callers can
    flag ``leap_day_adjusted``.
    """
    year = value.year + years
    try:
        return value.replace(year=year), False
    except ValueError:
        return date(year, 2, 28), True


def age_on(*, dob: date, on: date) -> int:
    """Return the age in whole years on ``on``, comparing month and day.

    A person born on 29 February turns a year older on 1 March in common years:
    born 2004-02-29, they are 17 on 2022-02-28 and 18 on 2022-03-01.
    """
    age = on.year - dob.year
    if (on.month, on.day) < (dob.month, dob.day):
        age -= 1
    return age


def days_after(*, last_authorised: date, until: date) -> int:
    """Count the days after ``last_authorised`` up to and including ``until``, at least 0.

    The last authorised day itself is lawful, so admitted until 2026-08-31 and counted on
    2026-12-04 gives 95.
    """
    return max(0, (until - last_authorised).days)
