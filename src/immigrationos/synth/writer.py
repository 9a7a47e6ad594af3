"""Write extracts in each source contract's layout, and the record-to-person truth."""

from __future__ import annotations

import csv
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TextIO

from immigrationos.sources.contracts import CONTRACTS, SourceContract

# Record id prefix and document-number column per source.
PREFIXES = {
    "visas": "VIS",
    "arrivals": "ARR",
    "departures": "DEP",
    "students": "STU",
    "benefits": "BEN",
    "court": "CRT",
    "criminal": "CRM",
    "enforcement": "ENF",
}
DOCUMENT_COLUMNS = {
    "visas": "visa_number",
    "arrivals": "i94_number",
    "departures": "event_id",
    "students": "sevis_id",
    "benefits": "receipt_number",
    "court": "case_number",
    "enforcement": "event_id",
}
Formatter = Callable[[object], str]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _date_formatter(pattern: str) -> Formatter:
    def format_date(value: object) -> str:
        if isinstance(value, date):
            return value.strftime(pattern)
        return _text(value)

    return format_date


def _formatters(contract: SourceContract) -> list[tuple[str, Formatter]]:
    formatters = []
    for column in contract.columns:
        if column.kind in ("date", "date_or_ds"):
            formatters.append((column.name, _date_formatter(column.date_format or "%Y-%m-%d")))
        else:
            formatters.append((column.name, _text))
    return formatters


def document_number(*, source: str, sequence: int, salt: int) -> str:
    """Return the source's document number for its ``sequence``-th record (unique per source)."""
    # Multiplying by an odd number not divisible by 5 permutes residues modulo 10**k, so
    # numbers stay unique while not counting up in file order.
    if source == "visas":
        return f"{(sequence * 7_777_777 + salt) % 10**8:08d}"
    if source == "arrivals":
        return f"{(sequence * 3_141_592_653 + salt) % 10**11:011d}"
    if source == "students":
        return f"N{(sequence * 2_718_281 + salt) % 10**10:010d}"
    if source == "benefits":
        return f"IOE{(sequence * 1_618_033 + salt) % 10**10:010d}"
    if source == "court":
        return f"EOIR-{(sequence * 9_876_541 + salt) % 10**8:08d}"
    prefix = "DX" if source == "departures" else "EV"
    return f"{prefix}{(sequence * 1_234_567 + salt) % 10**10:010d}"


class ExtractWriter:
    """Append records to the eight extracts and to truth/records.csv, numbering them."""

    def __init__(self, *, out_dir: Path, salt: int, stack: ExitStack) -> None:
        extracts = out_dir / "extracts"
        truth = out_dir / "truth"
        extracts.mkdir(parents=True, exist_ok=True)
        truth.mkdir(parents=True, exist_ok=True)
        self._salt = salt
        self._rows: dict[str, Callable[[list[str]], object]] = {}
        self._formatters = {name: _formatters(contract) for name, contract in CONTRACTS.items()}
        self.counts = dict.fromkeys(CONTRACTS, 0)
        for name, contract in CONTRACTS.items():
            handle = self._open(stack, extracts / contract.file)
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(contract.column_names)
            self._rows[name] = writer.writerow
        truth_writer = csv.writer(self._open(stack, truth / "records.csv"), lineterminator="\n")
        truth_writer.writerow(("source", "record_id", "person_id"))
        self._truth_row = truth_writer.writerow

    @staticmethod
    def _open(stack: ExitStack, path: Path) -> TextIO:
        return stack.enter_context(path.open("w", encoding="utf-8", newline="", buffering=1 << 20))

    def write(self, *, source: str, row: dict[str, object], person_id: str) -> str:
        """Number ``row``, write it to its extract and to the truth; return its record id."""
        self.counts[source] += 1
        sequence = self.counts[source]
        record_id = f"{PREFIXES[source]}-{sequence:07d}"
        row["record_id"] = record_id
        document = DOCUMENT_COLUMNS.get(source)
        if document is not None:
            row[document] = document_number(source=source, sequence=sequence, salt=self._salt)
        self._rows[source](
            [format_value(row.get(name)) for name, format_value in self._formatters[source]]
        )
        self._truth_row((source, record_id, person_id))
        return record_id
