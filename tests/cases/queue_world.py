"""Two offices with their officers and supervisors, and a helper to add cases, for the work
queue tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from immigrationos.cases.models import Case, Office, Person

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
# A Monday.
TODAY = date(2026, 12, 7)
_PERSON_NUMBERS = itertools.count(1)


@dataclass
class QueueWorld:
    """Users of NYC (two officers, two supervisors), of LOS (one of each), and an analyst."""

    officer1: Any
    officer2: Any
    super1: Any
    super2: Any
    la_officer: Any
    la_super: Any
    analyst: Any


def user_make(username: str, role: str, office: str | None = "NYC") -> Any:
    from django.contrib.auth import get_user_model

    from immigrationos.access.roles import user_role_assign

    user = get_user_model().objects.create_user(username=username, password="pw-tests-1")
    user_role_assign(user=user, role=role, office_code=office)
    return user


def queue_world_build() -> QueueWorld:
    Office.objects.get_or_create(code="NYC", defaults={"name": "New York City"})
    Office.objects.get_or_create(code="LOS", defaults={"name": "Los Angeles"})
    return QueueWorld(
        officer1=user_make("officer1", "officer"),
        officer2=user_make("officer2", "officer"),
        super1=user_make("super1", "supervisor"),
        super2=user_make("super2", "supervisor"),
        la_officer=user_make("la-officer", "officer", "LOS"),
        la_super=user_make("la-super", "supervisor", "LOS"),
        analyst=user_make("analyst1", "analyst", None),
    )


def case_make(
    *,
    office: str = "NYC",
    state: str = "lead",
    tier: int = 1,
    due_on: date | None = None,
    assignee: Any = None,
    priority_review: bool = False,
    given_name: str = "",
) -> Case:
    """Create a person and an open (or ``state``) case for them."""
    number = next(_PERSON_NUMBERS)
    person = Person.objects.create(
        person_id=f"QP-{number}",
        given_name=given_name or f"Given{number}",
        family_name="Queueperson",
        status="overstay",
        min_link_probability=0.999,
    )
    closed = {"closed_reason": "deprioritised", "closed_at": NOW} if state == "closed" else {}
    return Case.objects.create(
        person=person,
        office_id=office,
        tier=tier,
        state=state,
        opened_at=NOW,
        updated_at=NOW,
        state_entered_at=NOW,
        due_on=due_on,
        assignee=assignee,
        assigned_at=NOW if assignee is not None else None,
        priority_review=priority_review,
        **closed,
    )
