"""Read the overstay report's admissions from the staging store (``status_stays``)."""

from __future__ import annotations

from datetime import date

import duckdb

from immigrationos.status.errors import StatusError
from immigrationos.status.report import (
    CohortAdmission,
    OverstayReport,
    fiscal_year_window,
    overstay_report,
)

# The country of an admission is the arrival record's nationality, else its passport's
# country, else the most frequent nationality among the person's other records.
_ADMISSIONS_SQL = """
WITH person_country AS (
    SELECT pr.person_id, mode(r.nationality) AS nationality
    FROM person_records AS pr JOIN records AS r USING (record_uid)
    WHERE r.nationality IS NOT NULL
    GROUP BY pr.person_id
)
SELECT s.person_id, s.arrival_uid, s.class_of_admission, s.mode,
       coalesce(nullif(a.nationality, ''), nullif(a.passport_country, ''),
                pc.nationality, 'unknown') AS country,
       s.stay_end, s.outcome
FROM status_stays AS s
LEFT JOIN records AS a ON a.record_uid = s.arrival_uid
LEFT JOIN person_country AS pc ON pc.person_id = s.person_id
WHERE s.stay_end BETWEEN ? AND ?
ORDER BY s.person_id, s.seq
"""


def overstay_admissions_read(*, con: duckdb.DuckDBPyConnection, fy: int) -> list[CohortAdmission]:
    """Return every admission whose stay ended in fiscal year ``fy``, land ones included."""
    first, last = fiscal_year_window(fy)
    rows = con.execute(_ADMISSIONS_SQL, [first, last]).fetchall()
    return [CohortAdmission(*row) for row in rows]


def overstay_report_build(*, con: duckdb.DuckDBPyConnection, fy: int) -> OverstayReport:
    """Build the report of fiscal year ``fy`` from the last ``derive`` run.

    Raises StatusError when no status has been derived yet, because the report states the
    as-of date of the statuses it counts.
    """
    if not 1900 < fy < 10_000:
        raise StatusError(f"invalid fiscal year {fy!r}: expected a year such as 2024")
    as_of_rows = con.execute("SELECT max(as_of) FROM person_status").fetchall()
    as_of: date | None = as_of_rows[0][0]
    if as_of is None:
        raise StatusError(
            "no derived status in the staging store: run `immigrationos derive` (or `run`) "
            "before the overstay report"
        )
    admissions = overstay_admissions_read(con=con, fy=fy)
    return overstay_report(admissions=admissions, fy=fy, as_of=as_of)
