"""Database triggers that keep case notes append-only.

A note is evidence of what an officer knew and when, so the database rejects UPDATE and
DELETE of notes (and TRUNCATE on PostgreSQL) whatever the application does. A correction is
a new note.
"""

from __future__ import annotations

from typing import Any

from immigrationos.audit.triggers import vendor_statements_run

NOTE_TABLE = "cases_casenote"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER case_note_no_update BEFORE UPDATE ON {NOTE_TABLE}
    BEGIN SELECT RAISE(ABORT, 'case notes are append-only: UPDATE rejected'); END""",
    f"""CREATE TRIGGER case_note_no_delete BEFORE DELETE ON {NOTE_TABLE}
    BEGIN SELECT RAISE(ABORT, 'case notes are append-only: DELETE rejected'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS case_note_no_update",
    "DROP TRIGGER IF EXISTS case_note_no_delete",
]
_PG_CREATE = [
    """CREATE OR REPLACE FUNCTION case_note_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'case notes are append-only: % rejected', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"""CREATE TRIGGER case_note_no_change BEFORE UPDATE OR DELETE ON {NOTE_TABLE}
    FOR EACH ROW EXECUTE FUNCTION case_note_guard()""",
    f"""CREATE TRIGGER case_note_no_truncate BEFORE TRUNCATE ON {NOTE_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION case_note_guard()""",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS case_note_no_change ON {NOTE_TABLE}",
    f"DROP TRIGGER IF EXISTS case_note_no_truncate ON {NOTE_TABLE}",
    "DROP FUNCTION IF EXISTS case_note_guard()",
]


def note_triggers_create(connection: Any) -> None:
    """Create the triggers that reject changes to case notes."""
    vendor_statements_run(
        connection, sqlite=_SQLITE_CREATE, postgresql=_PG_CREATE, what="append-only note triggers"
    )


def note_triggers_drop(connection: Any) -> None:
    """Drop them; only migrations going backwards and the test flush call this."""
    vendor_statements_run(
        connection, sqlite=_SQLITE_DROP, postgresql=_PG_DROP, what="append-only note triggers"
    )
