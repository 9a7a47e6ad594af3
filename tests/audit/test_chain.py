"""The hash chain: appends link up, and every kind of tampering is found by verify."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.audit_helpers import events_write, tamper
from immigrationos.audit.chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    chain_anchor,
    chain_append,
    chain_purge_through,
    chain_verify,
    event_hash,
)
from immigrationos.audit.errors import AuditPurgeError
from immigrationos.audit.models import AuditCheckpoint, AuditEvent
from immigrationos.audit.services import audit_event_fields

pytestmark = pytest.mark.django_db

TABLE = "audit_auditevent"


def test_append_links_each_event_to_previous() -> None:
    events_write(3)

    events = list(AuditEvent.objects.order_by("seq"))
    assert [event.seq for event in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert len({event.hash for event in events}) == 3


def test_stored_hash_matches_recomputed_after_reread() -> None:
    events_write(1)

    event = AuditEvent.objects.get()
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    assert event_hash(fields, GENESIS_HASH) == event.hash


def test_verify_whole_chain() -> None:
    events_write(5)

    report = chain_verify()

    assert report.ok
    assert report.checked == 5
    assert report.head_seq == 5
    assert report.head_hash == AuditEvent.objects.get(seq=5).hash


def test_verify_empty_chain() -> None:
    report = chain_verify()

    assert report.ok
    assert report.checked == 0
    assert report.head_hash == GENESIS_HASH


# Each case: SQL an attacker with owner rights runs, the seq verify must name first, and a
# word its reason must contain.
TAMPERING = [
    pytest.param(
        [f"UPDATE {TABLE} SET object_ids = '[\"P999\"]' WHERE seq = 3"],
        3,
        "edited",
        id="edit-field",
    ),
    pytest.param(
        [f"UPDATE {TABLE} SET outcome = 'ok', action = 'test_event' WHERE seq = 2"],
        None,
        "",
        id="no-op-edit-is-not-tampering",
    ),
    pytest.param([f"DELETE FROM {TABLE} WHERE seq = 3"], 4, "missing", id="delete-middle"),
    pytest.param([f"DELETE FROM {TABLE} WHERE seq = 1"], 2, "missing", id="delete-first"),
    pytest.param(
        [f"UPDATE {TABLE} SET seq = seq + 100 WHERE seq >= 3"],
        103,
        "missing",
        id="renumber-to-insert",
    ),
    pytest.param(
        [
            f"UPDATE {TABLE} SET seq = 100 WHERE seq = 2",
            f"UPDATE {TABLE} SET seq = 2 WHERE seq = 4",
            f"UPDATE {TABLE} SET seq = 4 WHERE seq = 100",
        ],
        2,
        "prev_hash",
        id="reorder-swap",
    ),
]


@pytest.mark.parametrize(("statements", "broken_seq", "reason_word"), TAMPERING)
def test_verify_finds_tampering(
    statements: list[str], broken_seq: int | None, reason_word: str
) -> None:
    events_write(5)

    tamper(*statements)
    report = chain_verify()

    if broken_seq is None:
        assert report.ok
        return
    assert not report.ok
    assert report.broken_seq == broken_seq
    assert reason_word in report.reason


def test_verify_finds_forged_insert_in_middle() -> None:
    # The attacker moves events 3 and 4 to seq 4 and 5 and inserts a forged event 3 whose
    # own hash is right. The moved event (now seq 4) still names event 2 as predecessor.
    events_write(4)
    second = AuditEvent.objects.get(seq=2)
    forged = audit_event_fields(request=None, action="test_event", object_ids=["P77"])
    forged["seq"] = 3
    forged_hash = event_hash(forged, second.hash)

    tamper(f"UPDATE {TABLE} SET seq = seq + 10 WHERE seq >= 3")
    AuditEvent(
        **forged,
        prev_hash=second.hash,
        hash=forged_hash,
    ).save()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET seq = seq - 9 WHERE seq >= 13")
    report = chain_verify()

    assert not report.ok
    assert report.broken_seq == 4
    assert "prev_hash" in report.reason


def test_verify_finds_forged_tail_event() -> None:
    events_write(2)
    forged = audit_event_fields(request=None, action="test_event", object_ids=["P77"])
    AuditEvent(**forged, seq=3, prev_hash=AuditEvent.objects.get(seq=2).hash, hash="f" * 64).save()

    report = chain_verify()

    assert not report.ok
    assert report.broken_seq == 3
    assert "edited" in report.reason


def test_anchor_detects_truncated_tail() -> None:
    events_write(4)
    anchor = chain_anchor()

    tamper(f"DELETE FROM {TABLE} WHERE seq >= 3")

    assert chain_verify().ok  # Without the anchor, a cut tail looks like a shorter chain.
    report = chain_verify(anchor=anchor)
    assert not report.ok
    assert report.broken_seq == 3
    assert "truncated" in report.reason


def test_anchor_detects_rewritten_chain() -> None:
    events_write(3)
    anchor = chain_anchor()

    tamper(f"UPDATE {TABLE} SET hash = '{'e' * 64}' WHERE seq = 3")
    report = chain_verify(anchor=anchor)

    assert not report.ok
    assert report.broken_seq == 3


def test_anchor_still_matches_after_more_events() -> None:
    events_write(2)
    anchor = chain_anchor()
    events_write(2)

    report = chain_verify(anchor=anchor)

    assert anchor["seq"] == 2
    assert report.ok
    assert report.head_seq == 4


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET action = 'x' WHERE seq = 2",
        f"DELETE FROM {TABLE} WHERE seq = 2",
        "DELETE FROM audit_auditcheckpoint",
        "UPDATE audit_auditcheckpoint SET through_seq = 3",
    ],
)
def test_triggers_reject_update_and_delete(statement: str) -> None:
    events_write(3)
    chain_purge_through(seq=1, purge_fields=audit_event_fields(request=None, action="x"))

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert AuditEvent.objects.get(seq=2).action == "test_event"
    assert AuditCheckpoint.objects.get().through_seq == 1


def test_orm_update_and_delete_rejected() -> None:
    events_write(2)

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()

    assert AuditEvent.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists only on PostgreSQL")
def test_truncate_rejected_on_postgresql() -> None:
    events_write(1)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")

    assert AuditEvent.objects.count() == 1


def test_purge_keeps_chain_verifiable() -> None:
    events_write(5)

    checkpoint = chain_purge_through(
        seq=3, purge_fields=audit_event_fields(request=None, action="audit_purge")
    )
    report = chain_verify()

    assert checkpoint.purged_count == 3
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5, 6]
    assert report.ok
    assert report.first_seq == 4
    purge = AuditEvent.objects.get(seq=6)
    assert purge.action == "audit_purge"
    assert purge.details["through_seq"] == 3


def test_delete_above_checkpoint_still_rejected() -> None:
    events_write(4)
    chain_purge_through(seq=2, purge_fields=audit_event_fields(request=None, action="x"))

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=3).delete()

    assert AuditEvent.objects.filter(seq=3).exists()


def test_purge_of_unknown_seq_rejected() -> None:
    events_write(2)

    with pytest.raises(AuditPurgeError, match="#9 not found"):
        chain_purge_through(seq=9, purge_fields=audit_event_fields(request=None, action="x"))


def test_forged_checkpoint_detected() -> None:
    # An attacker deletes the first events and writes a checkpoint to cover the gap, but no
    # purge event in the chain names that checkpoint.
    events_write(4)
    second = AuditEvent.objects.get(seq=2)
    tamper(
        f"DELETE FROM {TABLE} WHERE seq <= 2",
        "INSERT INTO audit_auditcheckpoint (through_seq, last_hash, purged_count, created_at)"
        f" VALUES (2, '{second.hash}', 2, '2026-01-01 00:00:00')",
    )

    report = chain_verify()

    assert not report.ok
    assert "checkpoint" in report.reason
    assert AuditCheckpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("address", "details"),
    [
        ("::ffff:192.0.2.1", {"count": 1}),
        ("2001:0db8:0000::0001", {"score": 0.1}),
        ("192.0.2.1", {"large": 1e20, "whole": 2.0, "nested": [{"small": 1e-05}]}),
    ],
)
def test_hash_survives_database_round_trip(address: str, details: dict[str, object]) -> None:
    fields = audit_event_fields(request=None, action="test_event", details=details)
    fields["client_address"] = address

    chain_append(fields)
    report = chain_verify()

    assert report.ok, report.reason
