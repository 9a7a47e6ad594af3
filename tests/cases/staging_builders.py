"""Hand-made staging rows for the operational load tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from immigrationos import staging

AS_OF = date(2026, 12, 4)
RUN_ID = "run-test-1"


def record(
    uid: str,
    *,
    given: str | None,
    family: str | None,
    dob: date | None = None,
    event: date | None = None,
    passport: str | None = None,
    a_number: str | None = None,
    nationality: str | None = None,
    **attrs: Any,
) -> dict[str, Any]:
    """Build one ``records`` row; ``uid`` is ``source:record_id``."""
    source, record_id = uid.split(":", 1)
    return {
        "record_uid": uid,
        "source": source,
        "record_id": record_id,
        "load_id": "load-1",
        "line": 2,
        "given_name": given,
        "family_name": family,
        "dob": dob,
        "dob_quality": None,
        "sex": None,
        "nationality": nationality,
        "country_of_birth": None,
        "passport_no": passport,
        "passport_country": nationality if passport else None,
        "a_number": a_number,
        "fbi_number": None,
        "event_date": event,
        "attrs": json.dumps(attrs, default=str),
        "row_hash": uid,
    }


def base_staging() -> dict[str, list[dict[str, Any]]]:
    """Return the staging rows of five persons.

    P1 Renée Dvořáková: unconfirmed overstay, tier 2, arrived at JFK -> lead case in NYC.
    P2 Jörg Strauß: confirmed overstay, tier 1, enforcement record in LOS -> case in LOS.
    P3 Greta Solvang-Ito: tier 1 but protected (asylum pending) -> no case.
    P4 Søren Ærø: tier 5, above the default maximum tier 3 -> no case; in a review item.
    P5 Małgorzata Łapińska: no tier -> no case.
    """
    records = [
        record(
            "visas:V-0601",
            given="Renée",
            family="Dvořáková",
            dob=date(1979, 6, 3),
            event=date(2025, 11, 1),
            passport="PC0661204",
            nationality="CZE",
        ),
        record(
            "arrivals:A-0601",
            given="RENEE",
            family="DVORAKOVA",
            dob=date(1979, 6, 3),
            event=date(2026, 1, 15),
            passport="PC0661204",
            nationality="CZE",
            port="JFK",
        ),
        record(
            "benefits:B-0601",
            given="Renee",
            family="Dvorákova",
            dob=date(1979, 6, 3),
            event=date(2026, 2, 1),
            nationality="CZE",
        ),
        record(
            "visas:V-0602",
            given="Jörg",
            family="Strauß",
            dob=date(1984, 10, 19),
            event=date(2024, 3, 1),
            passport="PD3390021",
            nationality="DEU",
        ),
        record(
            "arrivals:A-0602",
            given="JOERG",
            family="STRAUSS",
            dob=date(1984, 10, 19),
            event=date(2024, 4, 2),
            passport="PD3390021",
            nationality="DEU",
            port="MIA",
        ),
        record(
            "enforcement:E-0602",
            given=None,
            family=None,
            event=date(2026, 6, 1),
            a_number="A012345678",
            aor="LOS",
        ),
        record(
            "arrivals:A-1703",
            given="Greta",
            family="Solvang-Ito",
            dob=date(1995, 2, 17),
            event=date(2026, 1, 15),
            passport="PQ8812007",
            nationality="NOR",
            port="SEA",
        ),
        record(
            "visas:V-0604",
            given="Søren",
            family="Ærø",
            dob=date(1992, 4, 8),
            event=date(2025, 5, 5),
            passport="PF1200456",
            nationality="DNK",
        ),
        record(
            "visas:V-0603",
            given="Małgorzata",
            family="Łapińska",
            dob=date(1975, 1, 30),
            event=date(2025, 7, 7),
            passport="PE7700312",
            nationality="POL",
        ),
    ]
    links = {
        "visas:V-0601": ("P1", 0.999, "passport_exact"),
        "arrivals:A-0601": ("P1", 0.998, "passport_exact"),
        "benefits:B-0601": ("P1", 0.962, "splink"),
        "visas:V-0602": ("P2", 0.999, "passport_exact"),
        "arrivals:A-0602": ("P2", 0.999, "passport_exact"),
        "enforcement:E-0602": ("P2", 0.981, "a_number_exact"),
        "arrivals:A-1703": ("P3", 1.0, "singleton"),
        "visas:V-0604": ("P4", 1.0, "singleton"),
        "visas:V-0603": ("P5", 1.0, "singleton"),
    }
    person_records = [
        {"record_uid": uid, "person_id": pid, "match_probability": prob, "link_rule": rule}
        for uid, (pid, prob, rule) in links.items()
    ]
    person_status = [
        status_row(
            "P1",
            "potential_overstay_unconfirmed",
            rule="overstay_no_departure_recorded",
            evidence=["arrivals:A-0601"],
            flags=["departure_not_recorded"],
            overstay_days=234,
            citation="8 CFR 214.1(a)(3)",
        ),
        status_row(
            "P2",
            "overstay",
            rule="overstay_confirmed",
            evidence=["arrivals:A-0602"],
            flags=[],
            overstay_days=800,
            citation="INA 222(g)",
        ),
        status_row(
            "P3",
            "protected",
            rule="asylum_pending",
            evidence=["arrivals:A-1703"],
            flags=[],
            overstay_days=None,
            citation="8 CFR 208.7",
        ),
        status_row(
            "P4",
            "in_status",
            rule="admitted_until",
            evidence=["visas:V-0604"],
            flags=[],
            overstay_days=None,
            citation="8 CFR 214.1",
        ),
        status_row(
            "P5",
            "in_status",
            rule="admitted_until",
            evidence=["visas:V-0603"],
            flags=[],
            overstay_days=None,
            citation="8 CFR 214.1",
        ),
    ]
    status_periods = [
        {
            "person_id": "P1",
            "seq": 1,
            "start_date": date(2026, 1, 15),
            "end_date": date(2026, 4, 14),
            "status": "in_status",
            "rule_id": "admitted_until",
            "rule_citation": "8 CFR 214.1",
            "evidence": '["arrivals:A-0601"]',
            "flags": "[]",
        },
        {
            "person_id": "P1",
            "seq": 2,
            "start_date": date(2026, 4, 15),
            "end_date": None,
            "status": "potential_overstay_unconfirmed",
            "rule_id": "overstay_no_departure_recorded",
            "rule_citation": "8 CFR 214.1(a)(3)",
            "evidence": '["arrivals:A-0601"]',
            "flags": '["departure_not_recorded"]',
        },
    ]
    person_priority = [
        priority_row(
            "P1",
            tier=2,
            score=40,
            reasons=[
                {
                    "rule": "unconfirmed_overstay",
                    "reason": "Possible overstay, departure not recorded",
                    "points": 40,
                    "evidence": ["arrivals:A-0601"],
                }
            ],
        ),
        priority_row(
            "P2",
            tier=1,
            score=90,
            reasons=[
                {
                    "rule": "confirmed_overstay",
                    "reason": "Overstay of more than 180 days",
                    "points": 90,
                    "evidence": ["arrivals:A-0602", "enforcement:E-0602"],
                }
            ],
        ),
        priority_row(
            "P3", tier=1, score=0, protected=True, protection="asylum_pending", reasons=[]
        ),
        priority_row("P4", tier=5, score=5, reasons=[]),
        priority_row("P5", tier=None, score=0, reasons=[]),
    ]
    review_items = [
        {
            "review_id": "R1",
            "kind": "pair",
            "record_uids": '["visas:V-0604", "visas:V-0603"]',
            "person_ids": '["P4"]',
            "match_probability": 0.61,
            "reason": "names disagree",
        },
    ]
    pipeline_runs = [
        {
            "run_id": RUN_ID,
            "started_at": datetime(2026, 12, 4, 20, 0, tzinfo=UTC),
            "finished_at": datetime(2026, 12, 4, 20, 5, tzinfo=UTC),
            "as_of": AS_OF,
            "input_dir": "extracts",
            "timings": '{"ingest": 1.5, "link": 3.25}',
            "counts": '{"records": 9}',
        },
    ]
    return {
        "records": records,
        "person_records": person_records,
        "person_status": person_status,
        "status_periods": status_periods,
        "person_priority": person_priority,
        "review_items": review_items,
        "pipeline_runs": pipeline_runs,
    }


def status_row(
    person_id: str,
    status: str,
    *,
    rule: str,
    evidence: list[str],
    flags: list[str],
    overstay_days: int | None,
    citation: str,
) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "as_of": AS_OF,
        "status": status,
        "since": date(2026, 1, 15),
        "rule_id": rule,
        "rule_citation": citation,
        "explanation": f"{status} by rule {rule}",
        "evidence": json.dumps(evidence),
        "flags": json.dumps(flags),
        "overstay_days": overstay_days,
    }


def priority_row(
    person_id: str,
    *,
    tier: int | None,
    score: int,
    reasons: list[Any],
    protected: bool = False,
    protection: str | None = None,
) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "policy_version": "2026.1",
        "tier": tier,
        "score": score,
        "protected": protected,
        "protection": protection,
        "reasons": json.dumps(reasons),
    }


def staging_write(path: Path, tables: dict[str, list[dict[str, Any]]]) -> duckdb.DuckDBPyConnection:
    """Create a staging store at ``path`` holding ``tables`` and return it open."""
    con = staging.connect(path)
    for table, rows in tables.items():
        con.execute(f"DELETE FROM {table}")
        for row in rows:
            columns = ", ".join(f'"{name}"' for name in row)
            placeholders = ", ".join("?" for _ in row)
            con.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row.values())
            )
    return con
