"""A hand-made FY2024 overstay cohort in a staging store, with its report worked out by hand.

FY2024 counts stays that ended 2023-10-01 to 2024-09-30. Statuses are derived on 2026-12-04.

| person | class, country, mode | last day of stay | how it ended | counted as |
|---|---|---|---|---|
| V1 | WT GBR air | 2024-05-29 (admitted 03-01 + 89) | left 2024-05-20 | visa_waiver in_time |
| V2 | WT DEU air | 2024-05-29 | left 2024-06-15 | visa_waiver out_of_country |
| V3 | WT FRA air | 2024-09-30 (admitted 07-03 + 89) | no departure | visa_waiver unconfirmed |
| V4 | WB JPN air | 2023-09-30 (admitted 07-03 + 89) | no departure | outside FY2024 |
| O1 | B2 IND air | 2023-10-01 | encounter 2024-02-01 | other confirmed |
| O2 | B2 BRA air | 2024-10-01 | no departure | outside FY2024 |
| O3 | B2 CHN air | 2024-01-31 | left 2024-01-20 | other in_time |
| C1 | B2 CAN air | 2024-07-09 | left 2024-08-01 | canada out_of_country |
| C2 | B2 CAN land | 2024-07-09 | no departure | land, left out |
| M1 | B1 MEX sea | 2024-04-30 | no departure | mexico unconfirmed |
| S1 | F1 IND air, D/S | 2024-08-29 (programme end 06-30 + 60) | no departure | students, unconf. |
| S2 | J1 DEU air, D/S | 2024-04-30 (programme end 03-31 + 30) | left 04-15 | students in_time |
| S3 | M1 VNM air | 2024-05-31 | left 2024-06-05 | students out_of_country |

Totals: 10 expected departures; out-of-country 3 (V2, C1, S3); in-country 4, of them
unconfirmed 3 (V3, M1, S1) and confirmed 1 (O1); total rate 7/10 = 70%, in-country 4/10 = 40%.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from immigrationos import staging
from immigrationos.progress import NullProgress
from immigrationos.status.derive import derive_all

AS_OF = date(2026, 12, 4)
_EVENT_KEYS = ("admission_date", "departure_date", "program_start", "event_date")


def _arrival(admitted: str, until: str, cls: str, mode: str = "air") -> dict[str, Any]:
    return {"admission_date": admitted, "admit_until": until, "class_of_admission": cls,
            "mode": mode}  # fmt: skip


def _departure(departed: str, mode: str = "air") -> dict[str, Any]:
    return {"departure_date": departed, "mode": mode, "evidence_kind": "carrier_manifest"}


def _student(cls: str, start: str, end: str) -> dict[str, Any]:
    return {"visa_class": cls, "program_start": start, "program_end": end,
            "student_status": "completed"}  # fmt: skip


# (person_id, nationality, record_uid, attrs)
COHORT_ROWS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("V1", "GBR", "arrivals:V1-A", _arrival("2024-03-01", "2024-05-29", "WT")),
    ("V1", "GBR", "departures:V1-D", _departure("2024-05-20")),
    ("V2", "DEU", "arrivals:V2-A", _arrival("2024-03-01", "2024-05-29", "WT")),
    ("V2", "DEU", "departures:V2-D", _departure("2024-06-15")),
    ("V3", "FRA", "arrivals:V3-A", _arrival("2024-07-03", "2024-10-01", "WT")),
    ("V4", "JPN", "arrivals:V4-A", _arrival("2023-07-03", "2023-10-01", "WB")),
    ("O1", "IND", "arrivals:O1-A", _arrival("2023-04-01", "2023-10-01", "B2")),
    ("O1", "IND", "enforcement:O1-E",
     {"kind": "encounter", "event_date": "2024-02-01", "aor": "NYC"}),
    ("O2", "BRA", "arrivals:O2-A", _arrival("2024-04-01", "2024-10-01", "B2")),
    ("O3", "CHN", "arrivals:O3-A", _arrival("2023-08-01", "2024-01-31", "B2")),
    ("O3", "CHN", "departures:O3-D", _departure("2024-01-20")),
    ("C1", "CAN", "arrivals:C1-A", _arrival("2024-01-10", "2024-07-09", "B2")),
    ("C1", "CAN", "departures:C1-D", _departure("2024-08-01")),
    ("C2", "CAN", "arrivals:C2-A", _arrival("2024-01-10", "2024-07-09", "B2", mode="land")),
    ("M1", "MEX", "arrivals:M1-A", _arrival("2023-11-01", "2024-04-30", "B1", mode="sea")),
    ("S1", "IND", "arrivals:S1-A", _arrival("2022-08-20", "D/S", "F1")),
    ("S1", "IND", "students:S1-S", _student("F1", "2022-08-25", "2024-06-30")),
    ("S2", "DEU", "arrivals:S2-A", _arrival("2023-04-01", "D/S", "J1")),
    ("S2", "DEU", "students:S2-S", _student("J1", "2023-04-03", "2024-03-31")),
    ("S2", "DEU", "departures:S2-D", _departure("2024-04-15")),
    ("S3", "VNM", "arrivals:S3-A", _arrival("2023-06-01", "2024-05-31", "M1")),
    ("S3", "VNM", "students:S3-S", _student("M1", "2023-06-05", "2024-05-01")),
    ("S3", "VNM", "departures:S3-D", _departure("2024-06-05")),
]  # fmt: skip


def cohort_store_write(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Write the cohort's records to a staging store at ``path``, derive, and return it."""
    con = staging.connect(path)
    for line, (person_id, nationality, uid, attrs) in enumerate(COHORT_ROWS, start=1):
        source, record_id = uid.split(":")
        # Ingest fills the event_date column, which takes precedence over the attrs.
        event = next(attrs[key] for key in _EVENT_KEYS if key in attrs)
        con.execute(
            "INSERT INTO records (record_uid, source, record_id, load_id, line, nationality, "
            "event_date, attrs, row_hash) VALUES (?, ?, ?, 'L1', ?, ?, ?, ?, 'h')",
            [uid, source, record_id, line, nationality, event, json.dumps(attrs)],
        )
        con.execute("INSERT INTO person_records VALUES (?, ?, 1.0, 'exact')", [uid, person_id])
    derive_all(con=con, as_of=AS_OF, progress=NullProgress(), workers=1)
    return con
