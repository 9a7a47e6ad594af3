"""Formula neutralisation of CSV cells, shared by every CSV export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

import immigrationos
from immigrationos.csv_cells import cell_neutralise, row_neutralise


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://127.0.0.1/")', '\'=HYPERLINK("http://127.0.0.1/")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\0=1", "'\0=1"),
        ("Maria", "Maria"),
        ("a=b", "a=b"),
        # Leading spaces do not hide a formula from a spreadsheet that trims them.
        (" =1", "' =1"),
        ("\u00a0+1", "'\u00a0+1"),
        # A spreadsheet that splits at semicolons would see a formula after each one.
        ("Ana;=1+1", "Ana;'=1+1"),
        ("=1;-2", "'=1;'-2"),
        ("Ocampo-Ruhl;Maria", "Ocampo-Ruhl;Maria"),
        ("", ""),
        ("'=already", "'=already"),
    ],
)
def test_cell_neutralise_strings(cell: str, expected: str) -> None:
    assert cell_neutralise(cell) == expected


@pytest.mark.parametrize("cell", [-5, 3.5, None, 0])
def test_cell_neutralise_keeps_non_strings(cell: object) -> None:
    assert cell_neutralise(cell) is cell


def test_row_neutralise_round_trips_csv() -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row_neutralise(("=cmd|' /C calc'!A0", 7, "ok")))
    parsed = next(csv.reader(io.StringIO(out.getvalue())))
    assert parsed == ["'=cmd|' /C calc'!A0", "7", "ok"]


# The generator writes synthetic source extracts, which ingest reads back byte for byte, so
# its cells must stay as generated. Every other CSV is for people to open.
_SOURCE_ROOT = Path(immigrationos.__file__).parent
_EXTRACT_WRITERS = {"synth"}


def test_every_csv_writer_neutralises() -> None:
    writers = [
        path
        for path in sorted(_SOURCE_ROOT.glob("**/*.py"))
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
        and path.relative_to(_SOURCE_ROOT).parts[0] not in _EXTRACT_WRITERS
    ]
    assert writers, "no CSV writer found; the search pattern is out of date"
    for path in writers:
        assert "row_neutralise" in path.read_text(encoding="utf-8"), f"{path} writes raw CSV"
