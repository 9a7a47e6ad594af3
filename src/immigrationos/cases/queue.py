"""Work queue selectors: a user's own cases, an office's unassigned cases, officers' workload
and the overrides waiting for review.

Every filter here runs on an indexed column of ``Case``: (office, state), (assignee, state)
and due_on, so a page stays fast on an office with tens of thousands of cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, F, Min, Q, QuerySet

from immigrationos.access.policy import OFFICER, SUPERVISOR
from immigrationos.cases.models import Case, CaseProposal, CaseState, GuardOverride
from immigrationos.privacy.workdays import is_working_day
from immigrationos.workflow.due import is_overdue
from immigrationos.workflow.transitions import CLOSED, OPEN_STATES

QUEUE_ROWS_PER_PAGE = 50
# The queue page lists at most this many waiting proposals, the oldest first.
PROPOSALS_WAITING_MAX = 50


@dataclass(frozen=True)
class QueueFilters:
    """Office queue filters; an empty value means no filter."""

    state: str = ""
    tier: int | None = None
    overdue: bool = False
    priority_review: bool = False


@dataclass(frozen=True)
class QueueRow:
    """A case as the queue shows it: whether it is overdue, and by how many working days."""

    case: Case
    overdue: bool
    overdue_working_days: int


def overdue_working_days(*, due: date | None, today: date) -> int:
    """Return the working days from the day after ``due`` through ``today``.

    A case due on Friday is overdue by 1 working day on the Monday after, and by 0 on the
    Saturday in between, although ``is_overdue`` already counts it overdue then. The count
    is 0 when the case has no due day or is not overdue.
    """
    if not is_overdue(due=due, today=today):
        return 0
    assert due is not None
    days = 0
    current = due + timedelta(days=1)
    while current <= today:
        if is_working_day(current):
            days += 1
        current += timedelta(days=1)
    return days


def queue_rows_build(cases: Iterable[Case], *, today: date) -> list[QueueRow]:
    """Pair each case with its overdue count in working days."""
    return [
        QueueRow(
            case=case,
            overdue=is_overdue(due=case.due_on, today=today),
            overdue_working_days=overdue_working_days(due=case.due_on, today=today),
        )
        for case in cases
    ]


def _by_due_day(cases: QuerySet[Case]) -> QuerySet[Case]:
    # Cases with no due day (proceedings move at the court's pace) come last.
    return cases.order_by(F("due_on").asc(nulls_last=True), "tier", "id")


def my_cases_get(*, user: User) -> QuerySet[Case]:
    """Return the open cases assigned to ``user``, the earliest due first."""
    cases = Case.objects.filter(assignee=user, state__in=OPEN_STATES).select_related(
        "person", "office"
    )
    return _by_due_day(cases)


def office_queue_get(
    *, office_codes: Iterable[str], filters: QueueFilters, today: date
) -> QuerySet[Case]:
    """Return the unassigned open cases of ``office_codes`` matching ``filters``, the earliest
    due first."""
    states = [filters.state] if filters.state else list(OPEN_STATES)
    cases = Case.objects.filter(
        office_id__in=sorted(office_codes), state__in=states, assignee__isnull=True
    )
    if filters.tier is not None:
        cases = cases.filter(tier=filters.tier)
    if filters.overdue:
        cases = cases.filter(due_on__lt=today)
    if filters.priority_review:
        cases = cases.filter(priority_review=True)
    return _by_due_day(cases.select_related("person", "office"))


def queue_state_choices() -> list[tuple[str, str]]:
    """Return the open states, the ones a queue filter offers."""
    return [(value, label) for value, label in CaseState.choices if value != CLOSED]


def office_staff_get(*, office_codes: Iterable[str]) -> list[User]:
    """Return the active officers and supervisors of ``office_codes``, by username: the users a
    supervisor may assign cases of those offices to."""
    users = User.objects.filter(
        office_membership__office_id__in=sorted(office_codes),
        groups__name__in=(OFFICER, SUPERVISOR),
        is_active=True,
    )
    return list(users.distinct().order_by("username"))


@dataclass
class WorkloadRow:
    """One officer's open cases in the offices shown: per state, overdue, and the oldest due."""

    user: User
    by_state: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    oldest_due: date | None = None

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def state_counts(self, states: Iterable[str]) -> list[int]:
        """Return the counts of ``states`` in that order, for a table row."""
        return [self.by_state.get(state, 0) for state in states]


def workload_get(*, office_codes: Iterable[str], today: date) -> list[WorkloadRow]:
    """Return each officer and supervisor of ``office_codes`` with their open cases of those
    offices, including those who have none.

    One grouped query over the (assignee, state) index; an officer's cases in an office
    outside ``office_codes`` are not counted.
    """
    codes = sorted(office_codes)
    rows = {user.pk: WorkloadRow(user=user) for user in office_staff_get(office_codes=codes)}
    grouped = (
        Case.objects.filter(assignee_id__in=list(rows), office_id__in=codes, state__in=OPEN_STATES)
        .values("assignee_id", "state")
        .annotate(
            cases=Count("id"),
            overdue=Count("id", filter=Q(due_on__lt=today)),
            oldest_due=Min("due_on"),
        )
    )
    for group in grouped:
        row = rows[group["assignee_id"]]
        row.by_state[group["state"]] = group["cases"]
        row.overdue += group["overdue"]
        oldest = group["oldest_due"]
        if oldest is not None and (row.oldest_due is None or oldest < row.oldest_due):
            row.oldest_due = oldest
    return list(rows.values())


def overrides_for_review_get(*, office_codes: Iterable[str] | None) -> QuerySet[GuardOverride]:
    """Return the overrides on cases of ``office_codes`` (every office when None), those not
    yet reviewed first, then the newest first."""
    overrides = GuardOverride.objects.select_related(
        "case", "case__office", "overridden_by", "reviewed_by"
    )
    if office_codes is not None:
        overrides = overrides.filter(case__office_id__in=sorted(office_codes))
    return overrides.order_by(F("reviewed_at").desc(nulls_first=True), "-overridden_at", "-id")


def proposals_waiting_get(
    *, office_codes: Iterable[str], user: User, whole_office: bool
) -> QuerySet[CaseProposal]:
    """Return the pending proposals on open cases of ``office_codes``, the oldest first.

    With ``whole_office`` (supervisors) every such case counts; otherwise only the cases
    ``user`` works and the unassigned ones.
    """
    proposals = CaseProposal.objects.filter(
        status=CaseProposal.Status.PENDING,
        case__office_id__in=sorted(office_codes),
        case__state__in=OPEN_STATES,
    )
    if not whole_office:
        proposals = proposals.filter(Q(case__assignee=user) | Q(case__assignee__isnull=True))
    return proposals.select_related("case", "case__person").order_by("created_at", "id")
