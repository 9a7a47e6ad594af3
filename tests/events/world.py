"""A small operational store for event tests: four persons, their records, and their cases.

P1 Renée Dvořáková: admitted at JFK until 2026-04-14, no departure: open lead case in NYC.
P2 Jörg Strauß: admitted at MIA, ordered removed in absentia on 2025-06-01: case in LOS at
  its final order.
P3 Amara Okafor: admitted at ATL; her NYC case was closed as self-departed.
P4 Tomás Herrera: admitted at IAH, no case.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cases.staging_builders import RUN_ID, priority_row, record, staging_write, status_row

OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _arrival(uid: str, admitted: date, until: date, port: str, **identity: Any) -> dict[str, Any]:
    return record(
        uid,
        event=admitted,
        port=port,
        admission_date=admitted.isoformat(),
        class_of_admission="B2",
        admit_until=until.isoformat(),
        mode="air",
        **identity,
    )


RENEE = {"given": "Renée", "family": "Dvořáková", "dob": date(1979, 6, 3),
         "passport": "PC0661204", "nationality": "CZE"}  # fmt: skip
JORG = {"given": "Jörg", "family": "Strauß", "dob": date(1984, 10, 19),
        "passport": "PD3390021", "nationality": "DEU"}  # fmt: skip
AMARA = {"given": "Amara", "family": "Okafor", "dob": date(1990, 3, 12),
         "passport": "A04417731", "nationality": "NGA"}  # fmt: skip
TOMAS = {"given": "Tomás", "family": "Herrera", "dob": date(1988, 8, 30),
         "passport": "G77120455", "nationality": "MEX"}  # fmt: skip


def world_tables() -> dict[str, list[dict[str, Any]]]:
    records = [
        record("visas:V-1", event=date(2025, 11, 1), **RENEE),
        _arrival("arrivals:A-1", date(2026, 1, 15), date(2026, 4, 14), "JFK", **RENEE),
        _arrival("arrivals:A-2", date(2024, 4, 2), date(2024, 10, 1), "MIA", **JORG),
        record(
            "court:C-2",
            given=JORG["given"],
            family=JORG["family"],
            dob=JORG["dob"],
            a_number="A012345678",
            event=date(2025, 1, 10),
            nta_date="2025-01-10",
            decision="removal",
            decision_date="2025-06-01",
            in_absentia="true",
        ),
        _arrival("arrivals:A-3", date(2025, 2, 1), date(2025, 8, 1), "ATL", **AMARA),
        _arrival("arrivals:A-4", date(2026, 3, 1), date(2026, 9, 1), "IAH", **TOMAS),
    ]
    links = {
        "visas:V-1": "P1", "arrivals:A-1": "P1", "arrivals:A-2": "P2", "court:C-2": "P2",
        "arrivals:A-3": "P3", "arrivals:A-4": "P4",
    }  # fmt: skip
    person_records = [
        {"record_uid": uid, "person_id": pid, "match_probability": 0.999, "link_rule": "splink"}
        for uid, pid in links.items()
    ]
    statuses = {
        "P1": ("potential_overstay_unconfirmed", "overstay_no_departure_recorded"),
        "P2": ("final_order", "order_in_absentia"),
        "P3": ("potential_overstay_unconfirmed", "overstay_no_departure_recorded"),
        "P4": ("in_status", "admitted_until"),
    }
    person_status = [
        status_row(pid, status, rule=rule, evidence=[], flags=[], overstay_days=None, citation="")
        for pid, (status, rule) in statuses.items()
    ]
    person_priority = [
        priority_row("P1", tier=2, score=40, reasons=[]),
        priority_row("P2", tier=1, score=90, reasons=[]),
        priority_row("P3", tier=2, score=40, reasons=[]),
        priority_row("P4", tier=None, score=0, reasons=[]),
    ]
    pipeline_runs = [
        {
            "run_id": RUN_ID,
            "started_at": OPENED,
            "finished_at": OPENED,
            "as_of": date(2026, 12, 4),
            "input_dir": "extracts",
            "timings": "{}",
            "counts": json.dumps({"records": len(records)}),
        }
    ]
    return {
        "records": records,
        "person_records": person_records,
        "person_status": person_status,
        "person_priority": person_priority,
        "pipeline_runs": pipeline_runs,
    }


def world_load(tmp_path: Path) -> None:
    """Load the world into the test database, with P2's case in LOS and P3's case closed."""
    from immigrationos.cases.models import Case, CaseState, ClosedReason, Office
    from immigrationos.cases.services import operational_store_load
    from immigrationos.progress import NullProgress

    con = staging_write(tmp_path / "staging.duckdb", world_tables())
    try:
        operational_store_load(con=con, run_id=RUN_ID, progress=NullProgress())
    finally:
        con.close()
    Office.objects.get_or_create(code="LOS", defaults={"name": "Los Angeles"})
    Case.objects.filter(person_id="P2").update(office_id="LOS", state=CaseState.FINAL_ORDER)
    nyc, _ = Office.objects.get_or_create(code="NYC", defaults={"name": "New York City"})
    Case.objects.filter(person_id="P3").update(
        state=CaseState.CLOSED,
        closed_reason=ClosedReason.SELF_DEPARTED,
        closed_at=OPENED,
        office=nyc,
    )


def event(
    event_id: str,
    person: dict[str, Any],
    *,
    kind: str = "departure",
    timestamp: str = "2026-12-03T18:05:00-05:00",
    port: str = "JFK",
    mode: str = "air",
    evidence_kind: str = "boarding_confirmation",
    **extra: Any,
) -> dict[str, Any]:
    """Return one event of ``person`` (a dict like RENEE) as a source system sends it."""
    body: dict[str, Any] = {
        "event_id": event_id,
        "kind": kind,
        "timestamp": timestamp,
        "port": port,
        "mode": mode,
        "evidence_kind": evidence_kind if kind == "departure" else "admission",
        "given_name": person["given"],
        "family_name": person["family"],
        "dob": person["dob"].isoformat(),
        "nationality": person["nationality"],
        "passport_no": person["passport"],
        "passport_country": person["nationality"],
    }
    if mode in ("air", "sea"):
        body["carrier"] = "DL"
    if kind == "arrival":
        body.setdefault("class_of_admission", "B2")
        body.setdefault("admit_until", "2027-06-01")
    body.update(extra)
    return body
