"""Concurrent writers on PostgreSQL never fork the chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from immigrationos.audit.chain import chain_verify
from immigrationos.audit.models import AuditEvent
from immigrationos.audit.services import audit_record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL); SQLite has a single writer",
    ),
]

WRITERS = 8
EVENTS_PER_WRITER = 25


def _write(writer: int, errors: list[BaseException], start: threading.Barrier) -> None:
    # Each thread gets its own Django connection, so each is a separate PostgreSQL session.
    try:
        start.wait()
        for number in range(EVENTS_PER_WRITER):
            audit_record(
                request=None,
                action="parallel_write",
                object_ids=[f"W{writer}-{number}"],
            )
    except BaseException as exc:  # collected and re-raised in the test thread
        errors.append(exc)
    finally:
        connections.close_all()


def test_parallel_writers_keep_one_chain() -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)
    threads = [
        threading.Thread(target=_write, args=(writer, errors, start)) for writer in range(WRITERS)
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    report = chain_verify()

    assert errors == []
    total = WRITERS * EVENTS_PER_WRITER
    assert AuditEvent.objects.filter(action="parallel_write").count() == total
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert report.ok, report.reason
    assert report.checked == total
