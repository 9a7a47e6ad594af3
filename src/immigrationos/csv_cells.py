"""Neutralise CSV cells that a spreadsheet would run as formulas (CSV injection).

Every CSV the project writes for people to open (quarantine listings, reports, exports) passes
its cells through ``cell_neutralise``. A cell that starts, after any spaces, with ``=``,
``+``, ``-``, ``@``, a tab, a carriage return or a NUL gets a leading ``'``, which Excel,
LibreOffice and Google Sheets show as text. OWASP ASVS 5.0 (V1.2, injection prevention)
names these characters and this fix.

Pure Python, no Django, so the pure packages may import it.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\0")


def cell_neutralise(cell: object) -> object:
    """Return ``cell`` with an apostrophe before each part a spreadsheet would run.

    A part is the whole cell, and also each text after a ``;``, because a spreadsheet set to
    the semicolon as list separator splits an unquoted cell there. Leading spaces do not hide
    a formula. Numbers and other non-string values are returned unchanged: the csv module
    writes them as digits, which no spreadsheet treats as a formula, so ``-5`` stays a number.
    """
    if not isinstance(cell, str):
        return cell
    parts = cell.split(";")
    return ";".join("'" + part if _runs_as_formula(part) else part for part in parts)


def _runs_as_formula(text: str) -> bool:
    return text.lstrip(" \u00a0").startswith(FORMULA_PREFIXES)


def row_neutralise(row: Iterable[object]) -> list[object]:
    """Return ``row`` as a list with every cell passed through ``cell_neutralise``."""
    return [cell_neutralise(cell) for cell in row]
