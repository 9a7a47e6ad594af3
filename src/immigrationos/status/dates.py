"""Calendar-date arithmetic for status rules: no UTC shifts, no 365-day years.

Every date here is a local calendar date at the port or office. Day counts subtract
``date`` objects, so leap days count like any other day.

Leap-day rule: a date moved by whole years from 29 February lands on 28 February in a common
year (``shift_years``). The 28th, not 1 March, keeps an anniversary inside the same month and
never makes a bar or a period longer than the whole years it counts. A status whose
re-entry bar, unlawful-presence count or citizenship outcome rests on such a date carries
the flag ``leap_day_adjusted``. Ages are the exception: ``age_on`` and ``birthday`` compare
month and day, so a person born on 29 February turns a year older on 1 March.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def birthday(*, dob: date, age: int) -> tuple[date, bool]:
    """Return the first day a person born on ``dob`` is ``age`` years old, as ``age_on`` counts.

    Ages compare month and day, so a person born on 29 February reaches an age on 1 March of
    a common year, one day after the clamped anniversary of ``shift_years``. The second item
    is True when that happened, so callers can flag ``leap_day_adjusted``.
    """
    anniversary, adjusted = shift_years(value=dob, years=age)
    return (anniversary + ONE_DAY, True) if adjusted else (anniversary, False)


def days_after(*, last_authorised: date, until: date) -> int:
    """Count the days after ``last_authorised`` up to and including ``until``, at least 0.

    The last authorised day itself is lawful, so admitted until 2026-08-31 and counted on
    2026-12-04 gives 95.
    """
    return max(0, (until - last_authorised).days)


def local_date(*, timestamp: str, zone: str | None) -> date:
    """Return the calendar date of ``timestamp`` at a port in the IANA ``zone``.

    A timestamp with a UTC offset is converted to the zone, so 2026-08-20T22:30:00Z at
    Honolulu is 2026-08-20 local. A timestamp without an offset is already local time at
    the port and keeps its date. With no zone, the timestamp's own date part is used.
    Raises ValueError for a timestamp that is not ISO 8601 or a zone that does not exist.
    """
    stamp = datetime.fromisoformat(timestamp)
    if stamp.tzinfo is None or not zone:
        return stamp.date()
    try:
        port_zone = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"time zone {zone!r} is not an IANA zone name") from exc
    return stamp.astimezone(port_zone).date()
