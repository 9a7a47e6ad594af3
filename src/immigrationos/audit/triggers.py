"""Database triggers and privileges that keep audit rows append-only.

SQLite and PostgreSQL each get triggers that reject UPDATE of events and checkpoints,
DELETE of checkpoints, and DELETE of events above the latest checkpoint. PostgreSQL also
rejects TRUNCATE. The triggers stop the application and anyone without the right to drop
them. A database owner can drop them, but the hash chain and anchors then reveal the change.

Production on PostgreSQL uses two roles: an owner role that runs migrations (and retention
purges), and the application role that serves requests. Set IMMIGRATIONOS_DB_APP_ROLE to
the application role's name when migrating as the owner, and the migration grants that role
SELECT and INSERT on the audit tables and revokes UPDATE, DELETE and TRUNCATE
(`immigrationos audit restrict-role ROLE` does the same later). With one role for both, only
the triggers apply.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

EVENT_TABLE = "audit_auditevent"
CHECKPOINT_TABLE = "audit_auditcheckpoint"
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")

_PURGED = f"(SELECT COALESCE(MAX(through_seq), 0) FROM {CHECKPOINT_TABLE})"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {EVENT_TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE rejected'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {EVENT_TABLE}
    WHEN OLD.seq > {_PURGED}
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE rejected'); END""",
    f"""CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON {CHECKPOINT_TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE rejected'); END""",
    f"""CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON {CHECKPOINT_TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: DELETE rejected'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_update",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete",
]

_PG_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND OLD.seq <= {_PURGED} THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % rejected', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE OR REPLACE FUNCTION audit_append_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit rows in % are append-only: % rejected', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"""CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON {EVENT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_guard()""",
    f"""CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {EVENT_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only_guard()""",
    f"""CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON {CHECKPOINT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_append_only_guard()""",
    f"""CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON {CHECKPOINT_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only_guard()""",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_no_change ON {EVENT_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {EVENT_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_checkpoint_no_change ON {CHECKPOINT_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON {CHECKPOINT_TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_guard()",
    "DROP FUNCTION IF EXISTS audit_append_only_guard()",
]


def vendor_statements_run(
    connection: Any, *, sqlite: list[str], postgresql: list[str], what: str
) -> None:
    """Run the statements written for ``connection``'s database vendor.

    ``what`` names the statements in the error raised for any other vendor.
    """
    statements = {"sqlite": sqlite, "postgresql": postgresql}.get(connection.vendor)
    if statements is None:
        raise NotImplementedError(
            f"no {what} for database vendor {connection.vendor!r}; use SQLite or PostgreSQL"
        )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def triggers_create(connection: Any) -> None:
    """Create the append-only triggers on ``connection``'s database."""
    vendor_statements_run(
        connection, sqlite=_SQLITE_CREATE, postgresql=_PG_CREATE, what="append-only audit triggers"
    )


def triggers_drop(connection: Any) -> None:
    """Drop the append-only triggers; only migrations (going backwards) and tests call this."""
    vendor_statements_run(
        connection, sqlite=_SQLITE_DROP, postgresql=_PG_DROP, what="append-only audit triggers"
    )


def app_role_restrict(connection: Any, *, role: str) -> bool:
    """Grant ``role`` SELECT and INSERT on the audit tables and revoke UPDATE, DELETE and
    TRUNCATE. Return False, changing nothing, when ``role`` owns the tables, because an
    owner keeps every privilege whatever is revoked.

    Only PostgreSQL has roles; on SQLite this returns False.
    """
    if connection.vendor != "postgresql":
        return False
    if not _ROLE_NAME.match(role):
        raise ValueError(
            f"invalid database role name {role!r} in IMMIGRATIONOS_DB_APP_ROLE: expected "
            "letters, digits, '_' or '$', starting with a letter or '_'"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [EVENT_TABLE])
        owner_row = cursor.fetchone()
        if owner_row is None or owner_row[0] == role:
            logger.warning(
                "audit privileges unchanged: role %s owns %s, so it cannot be restricted",
                role,
                EVENT_TABLE,
            )
            return False
        for table in (EVENT_TABLE, CHECKPOINT_TABLE):
            cursor.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{role}"')
            cursor.execute(f'GRANT SELECT, INSERT ON {table} TO "{role}"')
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
            [EVENT_TABLE, CHECKPOINT_TABLE],
        )
        for sequence in cursor.fetchone() or ():
            if sequence:
                cursor.execute(f'GRANT USAGE ON SEQUENCE {sequence} TO "{role}"')
    logger.info("audit tables restricted to SELECT and INSERT for role %s", role)
    return True


def app_role_restrict_from_settings(connection: Any) -> bool:
    """Apply ``app_role_restrict`` for IMMIGRATIONOS_DB_APP_ROLE when it is set."""
    role = getattr(settings, "IMMIGRATIONOS_DB_APP_ROLE", "") or ""
    if not role:
        return False
    return app_role_restrict(connection, role=role)
