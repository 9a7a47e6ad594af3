"""Unlawful presence and the re-entry bars it triggers, INA 212(a)(9)(B).

Unlawful presence accrues from the day after the authorised stay ends. INA 212(a)(9)(B)(iii)
excludes the days a person is under 18 and the days a bona fide asylum application is
pending. This module also excludes the days an adjustment, TPS or deferred action request is
pending and the days TPS, deferred action or parole is valid, as periods of stay authorised.

A departure after more than 180 days and less than one year of unlawful presence in one stay
bars admission for 3 years from the departure (INA 212(a)(9)(B)(i)(I)). A departure after
one year or more bars it for 10 years (INA 212(a)(9)(B)(i)(II)). Days are not added across
stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from immigrationos.status import rules as r
from immigrationos.status.dates import ONE_DAY, birthday, shift_years
from immigrationos.status.records import Benefit

ADULT_AGE = 18
THREE_YEAR_BAR_AFTER_DAYS = 180
TOLLING_FORMS = frozenset({"I-589", "I-485", "I-821", "I-821D"})
AUTHORISING_FORMS = frozenset({"I-821", "I-821D"})


@dataclass(frozen=True)
class Bar:
    """A re-entry bar: its kind (``3_year`` or ``10_year``), the last barred day and why.

    ``until`` is the day before the anniversary of the departure, so a person who left on
    2026-03-10 with a 3-year bar may be admitted again from 2029-03-10.
    """

    kind: str
    departed: date
    until: date
    unlawful_days: int
    leap_day_adjusted: bool


def excluded_spans(
    *, benefits: Iterable[Benefit], dob: date | None
) -> tuple[list[tuple[date, date]], bool]:
    """Return the spans of days that never count as unlawful presence.

    The second item is True when the person was born on 29 February and turns 18 in a
    common year, on 1 March (see ``dates.birthday``).
    """
    spans: list[tuple[date, date]] = []
    leap_adjusted = False
    if dob is not None:
        adult_from, leap_adjusted = birthday(dob=dob, age=ADULT_AGE)
        spans.append((dob, adult_from - ONE_DAY))
    for benefit in benefits:
        if benefit.form in TOLLING_FORMS and benefit.decision == "pending":
            spans.append((benefit.filed_date, date.max))
        elif benefit.form in TOLLING_FORMS and benefit.decision_date is not None:
            spans.append((benefit.filed_date, benefit.decision_date - ONE_DAY))
        if benefit.form in AUTHORISING_FORMS and benefit.decision == "approved":
            start = benefit.decision_date or benefit.filed_date
            spans.append((start, benefit.valid_until or date.max))
    return spans, leap_adjusted


def unlawful_days(*, first: date, last: date, excluded: Sequence[tuple[date, date]]) -> int:
    """Count the days from ``first`` to ``last`` (both included) outside every excluded span."""
    if last < first:
        return 0
    total = (last - first).days + 1
    cursor = first
    for start, end in sorted(excluded):
        start, end = max(start, cursor), min(end, last)
        if end < start:
            continue
        total -= (end - start).days + 1
        cursor = end + ONE_DAY
        if cursor > last:
            break
    return total


def bar_after_departure(*, first: date, departed: date, days: int) -> Bar | None:
    """Return the bar a departure on ``departed`` triggers after ``days`` of unlawful presence.

    One year is counted from ``first``, the first unlawful day, to its anniversary under the
    leap-day rule of ``dates.shift_years``: 365 days, or 366 when a 29 February falls inside.
    With excluded days in between, the same length is applied to the accrued days.
    """
    if days <= THREE_YEAR_BAR_AFTER_DAYS:
        return None
    anniversary, first_adjusted = shift_years(value=first, years=1)
    year_days = (anniversary - first).days
    kind, years = (r.BAR_10_YEAR, 10) if days >= year_days else (r.BAR_3_YEAR, 3)
    lifted, bar_adjusted = shift_years(value=departed, years=years)
    return Bar(kind, departed, lifted - ONE_DAY, days, bar_adjusted or first_adjusted)
