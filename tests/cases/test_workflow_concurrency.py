"""Two people change the same case at the same moment on PostgreSQL: one wins, the
others get a conflict, and no update is lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, connections

from immigrationos.cases import workflow
from immigrationos.cases.errors import CaseVersionConflict
from immigrationos.cases.models import Case, CaseEvent, Office, Person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL); SQLite has a single writer",
    ),
]

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
EDITORS = 6


def _officer(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from immigrationos.access.roles import user_role_assign

    user = get_user_model().objects.create_user(username=username, password="x")
    user_role_assign(user=user, role="officer", office_code="NYC")
    return user


def test_simultaneous_edits_one_wins() -> None:
    office = Office.objects.create(code="NYC", name="New York City")
    person = Person.objects.create(person_id="P-1", min_link_probability=1.0)
    case = Case.objects.create(
        person=person, office=office, tier=1, opened_at=NOW, updated_at=NOW, state_entered_at=NOW
    )
    officers = [_officer(f"officer{n}") for n in range(EDITORS)]
    start = threading.Barrier(EDITORS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def edit(officer: Any, number: int) -> None:
        try:
            start.wait()
            # Half start vetting, half close the case: both from version 1.
            name, reason = (
                ("start_vetting", "") if number % 2 else ("close_identity_error", "two persons")
            )
            workflow.case_transition(
                case_id=case.pk, name=name, actor=officer, version=1, reason=reason
            )
            outcomes.append(name)
        except CaseVersionConflict:
            outcomes.append("conflict")
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=(officer, n)) for n, officer in enumerate(officers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    winners = [outcome for outcome in outcomes if outcome != "conflict"]
    assert len(winners) == 1
    assert outcomes.count("conflict") == EDITORS - 1
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == 2
    assert stored.state == ("vetting" if winners[0] == "start_vetting" else "closed")
    # Exactly one change is recorded, the winner's.
    assert CaseEvent.objects.filter(case=case).count() == 1
