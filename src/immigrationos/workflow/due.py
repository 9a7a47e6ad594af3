"""Due dates of case states, in working days from the day a case entered its state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final

from immigrationos.privacy.workdays import working_days_add

# Working days each state may last before its next step is due. A state left out has no due
# date: proceedings move at the court's pace, and a closed case is done.
DUE_WORKING_DAYS_DEFAULT: Final[Mapping[str, int]] = {
    "lead": 5,
    "vetting": 10,
    "assigned": 20,
    "actioned": 10,
    "final_order": 10,
    "removal_pending": 30,
}


def due_on(*, state: str, entered: date, working_days: Mapping[str, int]) -> date | None:
    """Return the day the next step of a case that entered ``state`` on ``entered`` is due."""
    days = working_days.get(state)
    if days is None:
        return None
    return working_days_add(entered, days)


def is_overdue(*, due: date | None, today: date) -> bool:
    """Return whether a case is overdue: from the day after its due day."""
    return due is not None and today > due
