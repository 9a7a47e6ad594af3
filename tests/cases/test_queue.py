"""Work queue selectors, workload, saved filters, bulk actions and the escalation command."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cases.queue_world import NOW, TODAY, QueueWorld, case_make, queue_world_build
from immigrationos.cases import workflow
from immigrationos.cases.bulk_actions import (
    BULK_MAX_CASES,
    BulkTarget,
    bulk_targets_parse,
    cases_bulk_apply,
)
from immigrationos.cases.models import Case, CaseEvent, Notification, SavedFilter
from immigrationos.cases.queue import (
    QueueFilters,
    my_cases_get,
    office_queue_get,
    office_staff_get,
    overdue_working_days,
    queue_rows_build,
    workload_get,
)
from immigrationos.cases.saved_filters import (
    SavedFilterInvalid,
    saved_filter_delete,
    saved_filter_query_clean,
    saved_filter_save,
    saved_filters_get,
)
from immigrationos.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> QueueWorld:
    return queue_world_build()


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        (None, TODAY, 0),
        (date(2026, 12, 7), date(2026, 12, 7), 0),  # due today: not overdue yet
        (date(2026, 12, 4), date(2026, 12, 7), 1),  # Friday to Monday: the weekend is skipped
        (date(2026, 12, 1), date(2026, 12, 7), 4),  # Wed, Thu, Fri, Mon
        (date(2026, 12, 4), date(2026, 12, 5), 0),  # Saturday after a Friday due day
        (date(2026, 12, 24), date(2026, 12, 28), 1),  # Christmas Day is not a working day
    ],
)
def test_overdue_working_days(due: date | None, today: date, expected: int) -> None:
    assert overdue_working_days(due=due, today=today) == expected


def test_overdue_on_weekend_is_still_marked(world: QueueWorld) -> None:
    case = case_make(due_on=date(2026, 12, 4))
    [row] = queue_rows_build([case], today=date(2026, 12, 5))
    assert row.overdue is True
    assert row.overdue_working_days == 0


def test_my_cases_earliest_due_first(world: QueueWorld) -> None:
    later = case_make(assignee=world.officer1, due_on=date(2026, 12, 20))
    no_due = case_make(assignee=world.officer1, state="in_proceedings")
    sooner = case_make(assignee=world.officer1, due_on=date(2026, 12, 2))
    case_make(assignee=world.officer1, state="closed")
    case_make(assignee=world.officer2, due_on=date(2026, 12, 1))
    assert list(my_cases_get(user=world.officer1)) == [sooner, later, no_due]


def test_office_queue_filters(world: QueueWorld) -> None:
    lead = case_make(due_on=date(2026, 12, 10))
    overdue = case_make(due_on=date(2026, 12, 1), tier=2)
    flagged = case_make(state="vetting", due_on=date(2026, 12, 15), priority_review=True)
    case_make(assignee=world.officer1)  # assigned: not in the office queue
    case_make(state="closed")
    case_make(office="LOS")

    def ids(**filters: Any) -> list[int]:
        cases = office_queue_get(office_codes={"NYC"}, filters=QueueFilters(**filters), today=TODAY)
        return [case.pk for case in cases]

    assert ids() == [overdue.pk, lead.pk, flagged.pk]
    assert ids(state="vetting") == [flagged.pk]
    assert ids(tier=2) == [overdue.pk]
    assert ids(overdue=True) == [overdue.pk]
    assert ids(priority_review=True) == [flagged.pk]


def test_office_staff_are_the_offices_officers_and_supervisors(world: QueueWorld) -> None:
    names = [user.username for user in office_staff_get(office_codes={"NYC"})]
    assert names == ["officer1", "officer2", "super1", "super2"]


def test_workload_figures_on_a_known_set(world: QueueWorld) -> None:
    case_make(assignee=world.officer1, due_on=date(2026, 12, 1))  # overdue
    case_make(assignee=world.officer1, due_on=date(2026, 12, 20))
    case_make(assignee=world.officer1, state="vetting", due_on=date(2026, 12, 3))  # overdue
    case_make(assignee=world.officer1, state="closed")  # closed: not counted
    case_make(assignee=world.officer1, office="LOS", due_on=date(2026, 11, 1))  # other office
    case_make(assignee=world.super1, state="in_proceedings")
    case_make(due_on=date(2026, 11, 2))  # unassigned

    rows = {row.user.username: row for row in workload_get(office_codes={"NYC"}, today=TODAY)}

    assert set(rows) == {"officer1", "officer2", "super1", "super2"}
    officer1 = rows["officer1"]
    assert officer1.by_state == {"lead": 2, "vetting": 1}
    assert officer1.total == 3
    assert officer1.overdue == 2
    assert officer1.oldest_due == date(2026, 12, 1)
    assert officer1.state_counts(["lead", "vetting", "assigned"]) == [2, 1, 0]
    assert rows["officer2"].total == 0
    assert rows["officer2"].oldest_due is None
    assert rows["super1"].by_state == {"in_proceedings": 1}
    assert rows["super1"].overdue == 0


def test_saved_filters_belong_to_their_user(world: QueueWorld) -> None:
    mine = saved_filter_save(
        user=world.officer1, page="queue", name="Overdue vetting", query="?state=vetting&page=3"
    )
    saved_filter_save(user=world.officer2, page="queue", name="Overdue vetting", query="tier=1")
    saved_filter_save(user=world.officer1, page="cases", name="Tier 1", query="tier=1")

    assert mine.query == "state=vetting"
    assert [f.name for f in saved_filters_get(user=world.officer1, page="queue")] == [
        "Overdue vetting"
    ]
    assert [f.query for f in saved_filters_get(user=world.officer2, page="queue")] == ["tier=1"]
    # Saving under the same name replaces the query.
    again = saved_filter_save(user=world.officer1, page="queue", name="Overdue vetting", query="")
    assert again.pk == mine.pk
    assert SavedFilter.objects.get(pk=mine.pk).query == ""
    # Another user's filter is not deleted.
    assert saved_filter_delete(user=world.officer2, filter_id=mine.pk) is None
    assert SavedFilter.objects.filter(pk=mine.pk).exists()
    assert saved_filter_delete(user=world.officer1, filter_id=mine.pk) is not None
    assert not SavedFilter.objects.filter(pk=mine.pk).exists()


def test_saved_filter_rejects_bad_input(world: QueueWorld) -> None:
    with pytest.raises(SavedFilterInvalid, match="unknown page"):
        saved_filter_save(user=world.officer1, page="audit", name="x", query="")
    with pytest.raises(SavedFilterInvalid, match="name is missing"):
        saved_filter_save(user=world.officer1, page="queue", name="  ", query="")
    with pytest.raises(SavedFilterInvalid, match="at most 1000"):
        saved_filter_save(user=world.officer1, page="queue", name="long", query="q=" + "x" * 1200)


def test_saved_filter_query_is_re_encoded() -> None:
    assert saved_filter_query_clean("state=&tier=2&page=4&x=<b>") == "tier=2&x=%3Cb%3E"


def test_bulk_targets_parse() -> None:
    targets, invalid = bulk_targets_parse(["3:1", "4:2", "3:5", "x:1", "5"])
    assert targets == [BulkTarget(3, 1), BulkTarget(4, 2)]
    assert invalid == ["x:1", "5"]


def test_bulk_results_per_row_mix_done_refused_conflict(world: QueueWorld) -> None:
    done = case_make()
    closed = case_make(state="closed")
    stale = case_make()
    other_office = case_make(office="LOS")
    targets = [
        BulkTarget(done.pk, done.version),
        BulkTarget(closed.pk, closed.version),
        BulkTarget(stale.pk, stale.version + 1),  # a version the user never saw
        BulkTarget(other_office.pk, other_office.version),
        BulkTarget(999_999, 1),
    ]

    results = cases_bulk_apply(
        targets=targets,
        action="close_deprioritised",
        actor=world.super1,
        reason="below the office's current priorities",
        assignee=None,
        case_visible=lambda case_id: case_id != other_office.pk,
    )

    outcomes = {result.case_id: result.outcome for result in results}
    assert outcomes == {
        done.pk: "done",
        closed.pk: "refused",
        stale.pk: "conflict",
        other_office.pk: "not_found",
        999_999: "not_found",
    }
    by_id = {result.case_id: result for result in results}
    assert by_id[done.pk].state == "closed"
    assert by_id[closed.pk].messages != []
    assert "changed since you opened it" in by_id[stale.pk].messages[0]
    assert by_id[stale.pk].version == stale.version
    # The refused and conflicting cases are unchanged; the done one is closed.
    assert Case.objects.get(pk=done.pk).closed_reason == "deprioritised"
    assert Case.objects.get(pk=stale.pk).state == "lead"
    assert Case.objects.get(pk=other_office.pk).state == "lead"


def test_bulk_assign_and_flag(world: QueueWorld) -> None:
    first, second = case_make(), case_make(assignee=world.officer2)
    targets = [BulkTarget(first.pk, first.version), BulkTarget(second.pk, second.version)]
    assigned = cases_bulk_apply(
        targets=targets,
        action="assign",
        actor=world.super1,
        reason="",
        assignee=world.officer2,
        case_visible=lambda case_id: True,
    )
    assert [r.outcome for r in assigned] == ["done", "refused"]
    assert "already worked by officer2" in assigned[1].messages[0]
    assert Notification.objects.filter(user=world.officer2, kind="assigned").count() == 1

    second.refresh_from_db()
    # A missing reason rejects the whole request before any case, like a missing officer.
    with pytest.raises(ValueError, match="a reason is required"):
        cases_bulk_apply(
            targets=[BulkTarget(second.pk, second.version)],
            action="priority_review",
            actor=world.super1,
            reason=" ",
            assignee=None,
            case_visible=lambda case_id: True,
        )
    second.refresh_from_db()
    assert second.priority_review is False
    flagged = cases_bulk_apply(
        targets=[BulkTarget(second.pk, second.version)],
        action="priority_review",
        actor=world.super1,
        reason="tier looks too high for the record",
        assignee=None,
        case_visible=lambda case_id: True,
    )
    assert [r.outcome for r in flagged] == ["done"]
    assert Case.objects.get(pk=second.pk).priority_review is True


def test_bulk_refused_for_an_officer(world: QueueWorld) -> None:
    case = case_make()
    [result] = cases_bulk_apply(
        targets=[BulkTarget(case.pk, case.version)],
        action="close_deprioritised",
        actor=world.officer1,
        reason="not a priority",
        assignee=None,
        case_visible=lambda case_id: True,
    )
    assert result.outcome == "refused"
    assert Case.objects.get(pk=case.pk).state == "lead"


def test_bulk_rejects_a_batch_over_the_cap(world: QueueWorld) -> None:
    targets = [BulkTarget(n, 1) for n in range(1, BULK_MAX_CASES + 2)]
    with pytest.raises(ValueError, match=f"at most {BULK_MAX_CASES}"):
        cases_bulk_apply(
            targets=targets,
            action="close_deprioritised",
            actor=world.super1,
            reason="x",
            assignee=None,
            case_visible=lambda case_id: True,
        )
    with pytest.raises(ValueError, match="choose the officer"):
        cases_bulk_apply(
            targets=targets[:1],
            action="assign",
            actor=world.super1,
            reason="",
            assignee=None,
            case_visible=lambda case_id: True,
        )


def test_escalate_command_tells_the_right_office(
    world: QueueWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    nyc = case_make(assignee=world.officer1, due_on=date(2026, 12, 1))
    los = case_make(office="LOS", due_on=date(2026, 12, 2))
    case_make(due_on=date(2026, 12, 20))  # not due yet
    case_make(state="closed")

    assert main(["cases", "escalate", "--today", "2026-12-07"]) == 0
    assert "escalated 2 overdue cases (as of 2026-12-07)" in capsys.readouterr().out

    def notified(case: Case) -> set[str]:
        rows = Notification.objects.filter(kind="overdue", case=case)
        return set(rows.values_list("user__username", flat=True))

    assert notified(nyc) == {"super1", "super2", "officer1"}
    assert notified(los) == {"la-super"}
    # Once per state: a second run sends no notification.
    assert main(["cases", "escalate", "--today", "2026-12-08"]) == 0
    assert "escalated 0 overdue cases" in capsys.readouterr().out
    assert Notification.objects.filter(kind="overdue").count() == 4
    assert CaseEvent.objects.filter(kind="escalation").count() == 2


def test_escalation_skips_an_inactive_supervisor(world: QueueWorld) -> None:
    world.super2.is_active = False
    world.super2.save()
    case = case_make(due_on=date(2026, 12, 1))
    assert workflow.cases_escalate(today=TODAY, now=NOW) == 1
    users = Notification.objects.filter(case=case).values_list("user__username", flat=True)
    assert set(users) == {"super1"}
