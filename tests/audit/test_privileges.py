"""PostgreSQL: an application role that is not the owner can read and append audit rows
but not change or remove them, even with the triggers gone."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.audit_helpers import events_write
from immigrationos.audit import triggers
from immigrationos.audit.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles exist only on PostgreSQL"),
]

APP_ROLE = "immigrationos_test_app"


@pytest.fixture
def app_role() -> str:
    # Created inside the test's transaction, so the role is gone after the rollback.
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    return APP_ROLE


def _as_role(role: str, statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_app_role_cannot_change_audit_rows(app_role: str, statement: str) -> None:
    events_write(2)
    assert triggers.app_role_restrict(connection, role=app_role)
    triggers.triggers_drop(connection)

    with pytest.raises(DatabaseError, match="permission denied"):
        _as_role(app_role, statement)

    assert AuditEvent.objects.count() == 2


def test_app_role_can_read_and_append(app_role: str) -> None:
    events_write(1)
    triggers.app_role_restrict(connection, role=app_role)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {app_role}")
        events_write(1)
        count = AuditEvent.objects.count()

    assert count == 2


def test_owner_role_is_not_restricted() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]

    assert not triggers.app_role_restrict(connection, role=owner)


def test_invalid_role_name_rejected() -> None:
    with pytest.raises(ValueError, match="invalid database role name"):
        triggers.app_role_restrict(connection, role='x"; DROP TABLE audit_auditevent; --')


def test_restrict_role_command(app_role: str, capsys: pytest.CaptureFixture[str]) -> None:
    from immigrationos.cli import main

    code = main(["audit", "restrict-role", app_role])

    assert code == 0
    assert "only SELECT and INSERT" in capsys.readouterr().out
    with pytest.raises(DatabaseError, match="permission denied"):
        _as_role(app_role, "UPDATE audit_auditevent SET action = 'x'")
