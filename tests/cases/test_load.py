"""The operational load: persons, records, cases and re-runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cases.staging_builders import RUN_ID, base_staging, priority_row, staging_write
from immigrationos.cases.errors import ConfigurationError
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    Person,
    PersonNameToken,
    PipelineRun,
    ReviewItem,
    SourceRecord,
    StatusPeriod,
)
from immigrationos.cases.services import operational_store_load
from immigrationos.progress import NullProgress

pytestmark = pytest.mark.django_db


def _reload(tmp_path: Path, tables: dict[str, list[dict[str, Any]]], run_id: str) -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)
    con = staging_write(tmp_path / "staging.duckdb", tables)
    try:
        return operational_store_load(con=con, run_id=run_id, progress=NullProgress())
    finally:
        con.close()


def test_load_creates_persons_and_records(loaded: Any) -> None:
    assert loaded.persons == 5
    assert loaded.records == 9
    assert Person.objects.count() == 5
    assert SourceRecord.objects.count() == 9
    assert SourceRecord.objects.filter(person_id="P1").count() == 3
    assert StatusPeriod.objects.filter(person_id="P1").count() == 2


def test_load_chooses_display_name_and_aliases(loaded: Any) -> None:
    # Arrivals outrank visas, but A-0601 writes the passport-zone form; the visa's spelling
    # folds to the same name and keeps the accents, so it is shown.
    person = Person.objects.get(person_id="P1")
    assert person.given_name == "Renée"
    assert person.family_name == "Dvořáková"
    assert person.name_source == "visas"
    assert sorted(person.aliases) == ["RENEE DVORAKOVA", "Renee Dvorákova"]
    assert person.passports == [{"country": "CZE", "number": "PC0661204"}]


def test_load_copies_status_and_priority(loaded: Any) -> None:
    person = Person.objects.get(person_id="P1")
    assert person.status == "potential_overstay_unconfirmed"
    assert person.status_rule_id == "overstay_no_departure_recorded"
    assert person.status_evidence == ["arrivals:A-0601"]
    assert person.status_flags == ["departure_not_recorded"]
    assert person.overstay_days == 234
    assert person.tier == 2
    assert person.priority_reasons[0]["evidence"] == ["arrivals:A-0601"]
    # The weakest link of P1 is B-0601 at 0.962.
    assert person.min_link_probability == pytest.approx(0.962)


def test_load_marks_identity_in_review(loaded: Any) -> None:
    # R1 names P4 and records of P4 and P5, so both are under review.
    in_review = set(
        Person.objects.filter(identity_in_review=True).values_list("person_id", flat=True)
    )
    assert in_review == {"P4", "P5"}
    assert ReviewItem.objects.get(review_id="R1").match_probability == pytest.approx(0.61)


def test_load_opens_cases_for_tiered_unprotected_only(loaded: Any) -> None:
    # P1 (tier 2) and P2 (tier 1) qualify; P3 is protected, P4 tier 5 > 3, P5 has no tier.
    cases = {case.person_id: case for case in Case.objects.all()}
    assert set(cases) == {"P1", "P2"}
    assert loaded.cases_opened == 2
    assert cases["P1"].state == "lead"
    assert cases["P1"].tier == 2
    assert cases["P2"].tier == 1


def test_protected_person_gets_no_case(loaded: Any) -> None:
    assert Person.objects.get(person_id="P3").protected is True
    assert not Case.objects.filter(person_id="P3").exists()


@pytest.mark.parametrize(
    ("person_id", "office"),
    [
        ("P1", "NYC"),  # no enforcement record; latest arrival at JFK -> New York City
        ("P2", "LOS"),  # the enforcement record's area of responsibility wins over MIA
    ],
)
def test_case_office_chosen(loaded: Any, person_id: str, office: str) -> None:
    assert Case.objects.get(person_id=person_id).office_id == office


def test_case_opened_with_pipeline_event(loaded: Any) -> None:
    event = CaseEvent.objects.get(case__person_id="P2")
    assert event.actor is None
    assert event.from_state == ""
    assert event.to_state == "lead"
    assert event.reason == f"opened by pipeline run {RUN_ID}: tier 1"


def test_reload_updates_tier_without_duplicating(loaded: Any, tmp_path: Path) -> None:
    tables = base_staging()
    tables["person_priority"][0] = priority_row("P1", tier=1, score=80, reasons=[])

    report = _reload(tmp_path / "second", tables, "run-test-2")

    assert report.cases_opened == 0
    assert report.cases_updated == 1
    assert Case.objects.filter(person_id="P1").count() == 1
    case = Case.objects.get(person_id="P1")
    assert case.tier == 1
    assert case.version == 2
    reasons = list(case.events.values_list("reason", flat=True))
    assert reasons[-1] == "tier changed from 2 to 1 by pipeline run run-test-2"
    assert Person.objects.count() == 5
    assert SourceRecord.objects.count() == 9
    assert PersonNameToken.objects.filter(person_id="P1").count() == len(
        set(PersonNameToken.objects.filter(person_id="P1").values_list("token", flat=True))
    )


def test_reload_same_data_changes_nothing(loaded: Any, tmp_path: Path) -> None:
    tokens_before = PersonNameToken.objects.count()
    report = _reload(tmp_path / "same", base_staging(), RUN_ID)
    assert report.cases_opened == 0
    assert report.cases_updated == 0
    assert Case.objects.count() == 2
    assert CaseEvent.objects.count() == 2
    assert PersonNameToken.objects.count() == tokens_before
    assert StatusPeriod.objects.count() == 2


def test_relink_removes_or_supersedes_persons(loaded: Any, tmp_path: Path) -> None:
    # The re-link merges P2 (who has a case) into P1 and drops P5 (no case) into P4.
    tables = base_staging()
    for link in tables["person_records"]:
        if link["person_id"] == "P2":
            link["person_id"] = "P1"
        if link["person_id"] == "P5":
            link["person_id"] = "P4"
    tables["person_status"] = [
        r for r in tables["person_status"] if r["person_id"] not in ("P2", "P5")
    ]
    tables["person_priority"] = [
        r for r in tables["person_priority"] if r["person_id"] not in ("P2", "P5")
    ]

    report = _reload(tmp_path / "relink", tables, "run-test-3")

    assert report.persons_removed == 1
    assert report.persons_superseded == 1
    assert not Person.objects.filter(person_id="P5").exists()
    assert Person.objects.get(person_id="P2").superseded is True
    assert Case.objects.filter(person_id="P2").count() == 1
    assert SourceRecord.objects.get(record_uid="visas:V-0602").person_id == "P1"
    assert SourceRecord.objects.get(record_uid="visas:V-0603").person_id == "P4"
    # The superseded person's case keeps its tier and gains no event until a reviewer acts.
    case = Case.objects.get(person_id="P2")
    assert case.tier == 1
    assert case.events.count() == 1


def test_load_records_pipeline_run(loaded: Any) -> None:
    run = PipelineRun.objects.get(run_id=RUN_ID)
    assert run.timings["ingest"] == pytest.approx(1.5)
    assert run.timings["link"] == pytest.approx(3.25)
    assert "load persons" in run.timings
    assert "load cases" in run.timings
    assert run.counts == {"records": 9}
    assert str(run.as_of) == "2026-12-04"


def test_max_tier_setting_read_at_use(
    db: None, staging_con: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the maximum at 5, P4 (tier 5) also gets a case; P3 stays protected.
    monkeypatch.setenv("IMMIGRATIONOS_CASE_OPEN_MAX_TIER", "5")
    operational_store_load(con=staging_con, run_id=RUN_ID, progress=NullProgress())
    assert set(Case.objects.values_list("person_id", flat=True)) == {"P1", "P2", "P4"}


@pytest.mark.parametrize("value", ["three", "0", "-1"])
def test_max_tier_setting_invalid(
    db: None, staging_con: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_CASE_OPEN_MAX_TIER", value)
    with pytest.raises(ConfigurationError, match=repr(value)):
        operational_store_load(con=staging_con, run_id=RUN_ID, progress=NullProgress())
    # The setting is checked before the load writes anything.
    assert Person.objects.count() == 0


def test_load_rebuilds_dropped_indexes(
    db: None, staging_con: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A threshold of 1 row sends even this small load through the drop-and-rebuild path.
    from django.db import connection

    from immigrationos.cases import bulk

    monkeypatch.setattr(bulk, "_REINDEX_MIN_ROWS", 1)
    with connection.cursor() as cursor:
        indexes_before = set(connection.introspection.get_constraints(cursor, "cases_sourcerecord"))

    operational_store_load(con=staging_con, run_id=RUN_ID, progress=NullProgress())

    with connection.cursor() as cursor:
        indexes_after = set(connection.introspection.get_constraints(cursor, "cases_sourcerecord"))
    assert SourceRecord.objects.count() == 9
    assert indexes_after == indexes_before
    assert "record_passport_idx" in indexes_after


def test_upheld_citizenship_claim_survives_a_reload(loaded: Any, tmp_path: Path) -> None:
    from django.contrib.auth import get_user_model

    from immigrationos.cases.models import CitizenshipClaim

    supervisor = get_user_model().objects.create_user(username="super", password="x")
    now = Case.objects.get(person_id="P2").opened_at
    CitizenshipClaim.objects.create(
        person_id="P2",
        status=CitizenshipClaim.Status.UPHELD,
        source="counsel",
        statement="born in Texas",
        recorded_by=supervisor,
        recorded_at=now,
        decided_by=supervisor,
        decided_at=now,
        evidence="Texas birth certificate, verified with the state registrar",
    )

    _reload(tmp_path / "second", base_staging(), "run-test-2")

    # The sources still rank P2 tier 1, but the supervisor's finding wins.
    person = Person.objects.get(person_id="P2")
    assert (person.protected, person.protection, person.tier) == (True, "citizen", None)
    case = Case.objects.get(person_id="P2")
    assert case.tier is None
    assert "person is protected (citizen)" in case.events.latest("id").reason
