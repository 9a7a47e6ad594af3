"""Events and the batch pipeline: a load keeps newer events, and a run stages them for linkage."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cases.staging_builders import RUN_ID, staging_write
from events.world import RENEE, event, world_load, world_tables

pytestmark = pytest.mark.django_db

STRANGER = {"given": "Ilse", "family": "Vandermeer", "dob": RENEE["dob"].replace(year=1961),
            "passport": "NX9911223", "nationality": "NLD"}  # fmt: skip


def _receive(*items: object) -> list[object]:
    from immigrationos.events.services import events_receive

    return events_receive(items=list(items), channel="api")


def _load(con: duckdb.DuckDBPyConnection) -> None:
    from immigrationos.cases.services import operational_store_load
    from immigrationos.progress import NullProgress

    operational_store_load(con=con, run_id=RUN_ID, progress=NullProgress())


def test_load_keeps_events_that_arrived_after_staging(db: None, tmp_path: Path) -> None:
    from immigrationos.cases.models import Person, SourceRecord
    from immigrationos.events.models import MatchKey, RecordFeature

    world_load(tmp_path)
    _receive(event("EV-1", RENEE), event("EV-2", STRANGER))
    stranger = SourceRecord.objects.get(record_uid="departures:event:EV-2").person_id
    status = Person.objects.get(person_id="P1").status
    assert status == "departed"

    con = staging_write(tmp_path / "again.duckdb", world_tables())
    try:
        _load(con)
    finally:
        con.close()

    assert SourceRecord.objects.get(record_uid="departures:event:EV-1").person_id == "P1"
    assert Person.objects.filter(person_id=stranger).exists()
    # The staged status of P1 lacks the departure; the load derives it again with the event.
    assert Person.objects.get(person_id="P1").status == "departed"
    assert RecordFeature.objects.filter(record_uid="departures:event:EV-2").exists()
    assert MatchKey.objects.filter(record_uid="departures:event:EV-2").exists()


def test_events_are_staged_once_for_linkage(db: None, tmp_path: Path) -> None:
    from immigrationos.events.staging_export import events_stage

    world_load(tmp_path)
    _receive(event("EV-1", RENEE, timestamp="2026-12-03T23:30:00-05:00"), event("EV-2", STRANGER))
    con = staging_write(tmp_path / "stage.duckdb", world_tables())
    try:
        assert events_stage(con=con) == 2
        assert events_stage(con=con) == 0
        row = con.execute(
            "SELECT source, record_id, event_date, given_name, json_extract_string(attrs, "
            "'$.evidence_kind') FROM records WHERE record_uid = 'departures:event:EV-1'"
        ).fetchall()
    finally:
        con.close()
    [(source, record_id, event_date, given, evidence)] = row
    assert (source, record_id, given, evidence) == (
        "departures",
        "event:EV-1",
        "Renée",
        "boarding_confirmation",
    )
    # The date at the port, not the UTC date.
    assert str(event_date) == "2026-12-03"
