"""Helpers for audit tests: requests with an access context, and raw SQL tampering."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from immigrationos.audit import triggers
from immigrationos.audit.services import audit_record


def access_request(
    *,
    user: Any = None,
    role: str = "officer",
    offices: tuple[str, ...] = ("NYC",),
    purpose: str | None = "case_work",
    break_glass_id: str | None = None,
    address: str = "192.0.2.10",
) -> Any:
    """Return a GET request carrying ``request.access`` as the access middleware sets it."""
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user if user is not None else AnonymousUser()
    request.request_id = "req-test-0001"
    request.access = SimpleNamespace(
        username=getattr(user, "username", ""),
        role=role,
        office_codes=frozenset(offices),
        purpose=purpose,
        break_glass_id=break_glass_id,
    )
    return request


def events_write(count: int) -> None:
    for number in range(count):
        audit_record(
            request=None,
            action="test_event",
            object_type="person",
            object_ids=[f"P{number}"],
            details={"number": number},
        )


def tamper(*statements: str) -> None:
    """Run raw SQL on the audit table as a database owner would: triggers dropped first.

    Tests run inside a transaction, so the dropped triggers come back at its rollback.
    """
    triggers.triggers_drop(connection)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
