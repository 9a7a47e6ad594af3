"""Read the quarantine: rows and fields that broke their source's contract."""

from __future__ import annotations

import csv
from dataclasses import astuple, dataclass, fields
from typing import TextIO

import duckdb

from immigrationos.csv_cells import row_neutralise


@dataclass(frozen=True)
class QuarantineEntry:
    """One quarantined row or field, with where it came from and why."""

    source: str
    file: str
    line: int | None
    record_id: str | None
    column: str | None
    value: str | None
    reason: str


def quarantine_list(
    *, con: duckdb.DuckDBPyConnection, source: str | None = None, limit: int | None = None
) -> tuple[int, list[QuarantineEntry]]:
    """Return the number of entries and the first ``limit`` of them, by source, file and line.

    ``source`` keeps only that source's entries.
    """
    where = "WHERE source = ?" if source else ""
    parameters: list[object] = [source] if source else []
    total = con.execute(f"SELECT count(*) FROM quarantine {where}", parameters).fetchall()[0][0]
    sql = (
        'SELECT source, file, line, record_id, "column", value, reason FROM quarantine '
        f'{where} ORDER BY source, file, line NULLS LAST, "column" NULLS FIRST'
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = con.execute(sql, parameters).fetchall()
    return int(total), [QuarantineEntry(*row) for row in rows]


def quarantine_csv_write(*, entries: list[QuarantineEntry], out: TextIO) -> None:
    """Write ``entries`` as CSV, with cells that a spreadsheet would run as formulas quoted.

    Such a cell gets a leading apostrophe, so a value like ``=HYPERLINK(...)`` from a bad
    extract shows as text when an analyst opens the file.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([field.name for field in fields(QuarantineEntry)])
    for entry in entries:
        writer.writerow(row_neutralise(astuple(entry)))
