"""Retention: dry run lists, a real run purges and audits, and the chain still verifies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.audit_helpers import events_write
from immigrationos.audit.chain import chain_verify
from immigrationos.audit.models import AuditCheckpoint, AuditEvent
from immigrationos.cases.models import Case, CaseState, Office, SourceRecord
from immigrationos.cli import main
from immigrationos.privacy.errors import RetentionError
from immigrationos.privacy.models import Disclosure, DisclosureKind
from immigrationos.privacy.retention import retention_plan, retention_run
from immigrationos.privacy.services import disclosure_record
from privacy.privacy_helpers import person_with_records

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 12, 4)


@pytest.fixture
def periods(settings: Any) -> None:
    settings.IMMIGRATIONOS_RETENTION_DAYS = {"visas": 365, "arrivals": 730}
    settings.IMMIGRATIONOS_AUDIT_RETENTION_DAYS = 30
    settings.IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS = 1827


@pytest.fixture
def records(periods: None) -> None:
    # Visas older than 365 days and arrivals older than 730 days are due; the court record
    # has no period, so it is kept.
    person_with_records(
        "P1",
        {
            "visas:old": ("visas", AS_OF - timedelta(days=400)),
            "visas:new": ("visas", AS_OF - timedelta(days=100)),
            "arrivals:old": ("arrivals", AS_OF - timedelta(days=800)),
            "arrivals:mid": ("arrivals", AS_OF - timedelta(days=400)),
            "court:old": ("court", AS_OF - timedelta(days=9000)),
            "visas:undated": ("visas", None),
        },
    )


def test_plan_lists_expired_records_per_source(records: None) -> None:
    plan = retention_plan(as_of=AS_OF)

    assert plan.records == {"arrivals": ["arrivals:old"], "visas": ["visas:old"]}
    assert plan.record_count() == 2
    assert SourceRecord.objects.count() == 6


def test_open_case_holds_records(records: None) -> None:
    office = Office.objects.create(code="NYC", name="New York")
    now = timezone.now()
    Case.objects.create(
        person_id="P1", office=office, state=CaseState.LEAD, opened_at=now, updated_at=now
    )

    plan = retention_plan(as_of=AS_OF)

    assert plan.records == {}
    assert plan.held_records == {"arrivals": 1, "visas": 1}


def test_dry_run_prints_and_changes_nothing(
    records: None, capsys: pytest.CaptureFixture[str]
) -> None:
    events_before = AuditEvent.objects.count()

    code = main(["retention", "--dry-run", "--as-of", AS_OF.isoformat()])

    out = capsys.readouterr().out
    assert code == 0
    assert "would purge 2 source records" in out
    assert "visas: 1: visas:old" in out
    assert "arrivals: 1: arrivals:old" in out
    assert SourceRecord.objects.count() == 6
    assert AuditEvent.objects.count() == events_before


def test_command_run_purges(records: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["retention", "--as-of", AS_OF.isoformat()])

    assert code == 0
    assert "purged 2 source records" in capsys.readouterr().out
    assert SourceRecord.objects.count() == 4
    assert AuditEvent.objects.filter(action="retention_purge").count() == 1


def _staging_with(uids: list[str]) -> None:
    from immigrationos import staging
    from immigrationos.paths import staging_path

    con = staging.connect(staging_path())
    for line, uid in enumerate(uids, start=1):
        source, record_id = uid.split(":")
        con.execute(
            "INSERT INTO records (record_uid, source, record_id, load_id, line, attrs, row_hash)"
            " VALUES (?, ?, ?, 'load-1', ?, '{}', 'hash')",
            [uid, source, record_id, line],
        )
        con.execute("INSERT INTO person_records VALUES (?, 'P1', 1.0, 'exact')", [uid])
    con.execute(
        "INSERT INTO pairs VALUES ('arrivals:mid', 'visas:old', 3.0, 0.99, 'link', 'splink', NULL)"
    )
    con.close()


def _staged_uids() -> list[str]:
    from immigrationos import staging
    from immigrationos.paths import staging_path

    con = staging.connect(staging_path())
    try:
        rows = con.execute("SELECT record_uid FROM records ORDER BY 1").fetchall()
        linked = con.execute("SELECT count(*) FROM person_records").fetchall()[0][0]
        pairs = con.execute("SELECT count(*) FROM pairs").fetchall()[0][0]
    finally:
        con.close()
    return [row[0] for row in rows] + [f"person_records={linked}", f"pairs={pairs}"]


def test_command_purges_staging_too(
    records: None,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    _staging_with(["visas:old", "visas:new", "arrivals:old", "arrivals:mid"])

    dry_code = main(["retention", "--dry-run", "--as-of", AS_OF.isoformat()])
    after_dry = _staged_uids()
    code = main(["retention", "--as-of", AS_OF.isoformat()])

    assert dry_code == 0
    assert len(after_dry) == 6
    assert code == 0
    assert "staging store: purged 2 records" in capsys.readouterr().out
    assert _staged_uids() == ["arrivals:mid", "visas:new", "person_records=2", "pairs=0"]


def test_run_purges_and_audits(records: None) -> None:
    retention_run(as_of=AS_OF)

    remaining = sorted(SourceRecord.objects.values_list("record_uid", flat=True))
    assert remaining == ["arrivals:mid", "court:old", "visas:new", "visas:undated"]
    event = AuditEvent.objects.get(action="retention_purge")
    assert sorted(event.object_ids) == ["arrivals:old", "visas:old"]
    assert event.details["records_per_source"] == {"arrivals": 1, "visas": 1}


def test_audit_purge_keeps_chain_verifiable(periods: None) -> None:
    events_write(3)
    old = timezone.now() - timedelta(days=60)
    # Backdate the first three events the way a long-running system would have them; the
    # hashes are recomputed so the chain stays whole.
    _backdate_chain(old)
    events_write(2)

    plan = retention_run(as_of=timezone.localdate())

    assert plan.audit_through_seq == 3
    assert not AuditEvent.objects.filter(seq__lte=3).exists()
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.through_seq == 3
    report = chain_verify()
    assert report.ok, report.reason
    assert report.first_seq == 4
    assert AuditEvent.objects.filter(action="audit_purge").count() == 1


def _backdate_chain(at: Any) -> None:
    from django.db import connection

    from immigrationos.audit import triggers
    from immigrationos.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash

    triggers.triggers_drop(connection)
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        event.at = at
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        event.prev_hash = prev
        event.hash = event_hash(fields, prev)
        event.save()
        prev = event.hash
    triggers.triggers_create(connection)


def _old_disclosure(record_uid: str, person_id: str, years_ago: int) -> Disclosure:
    disclosure = disclosure_record(
        recipient="DOJ",
        purpose="litigation",
        person_ids=[person_id],
        record_ids=[record_uid],
        kind=DisclosureKind.EXPORT,
        request=None,
    )
    Disclosure.objects.filter(pk=disclosure.pk).update(
        disclosed_at=timezone.now() - timedelta(days=365 * years_ago + 2)
    )
    return disclosure


def test_disclosure_kept_while_record_lives(periods: None) -> None:
    person_with_records("P1", {"visas:new": ("visas", AS_OF)})
    kept = _old_disclosure("visas:new", "P1", years_ago=6)

    plan = retention_plan(as_of=timezone.localdate())

    assert kept.pk not in plan.disclosure_ids


def test_disclosure_kept_five_years_after_record_gone(periods: None) -> None:
    recent = _old_disclosure("visas:gone", "P9", years_ago=4)
    expired = _old_disclosure("visas:gone2", "P8", years_ago=6)

    plan = retention_plan(as_of=timezone.localdate())
    retention_run(as_of=timezone.localdate())

    assert plan.disclosure_ids == [expired.pk]
    assert list(Disclosure.objects.values_list("pk", flat=True)) == [recent.pk]


def test_disclosure_kept_while_person_remains(periods: None) -> None:
    person_with_records("P1", {"visas:old": ("visas", AS_OF - timedelta(days=400))})
    Disclosure.objects.all().delete()
    disclosure = _old_disclosure("visas:old", "P1", years_ago=6)
    # The person is still in the store, so the accounting stays even once the record goes.
    plan = retention_plan(as_of=AS_OF)

    assert plan.records == {"visas": ["visas:old"]}
    assert disclosure.pk not in plan.disclosure_ids


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS", 365, "at least 1827"),
        ("IMMIGRATIONOS_AUDIT_RETENTION_DAYS", 0, "positive integer"),
        ("IMMIGRATIONOS_RETENTION_DAYS", {"visas": -1}, "'visas'"),
    ],
)
def test_invalid_periods_rejected(settings: Any, name: str, value: Any, message: str) -> None:
    settings.IMMIGRATIONOS_RETENTION_DAYS = {"visas": 365}
    settings.IMMIGRATIONOS_AUDIT_RETENTION_DAYS = 30
    settings.IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS = 1827
    setattr(settings, name, value)

    with pytest.raises(RetentionError, match=message):
        retention_plan(as_of=AS_OF)
