"""Decode an extract's bytes strictly, split it into CSV rows and check its header."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from immigrationos.sources.contracts import SourceContract
from immigrationos.sources.errors import FileRejected, value_repr


@dataclass(frozen=True)
class CsvRow:
    """One parsed CSV record and the physical line it starts on (the header is line 1)."""

    line: int
    fields: list[str]


def csv_rows_read(*, text: str, file_name: str) -> tuple[list[str], list[CsvRow]]:
    """Return the header and the non-blank data rows of ``text``.

    Raises FileRejected when the file is empty, when a field is larger than the csv module's
    field size limit, or when a field contains a line break. No contract column can hold a
    line break, so one inside a field means an unbalanced double quote has joined physical
    lines, and no row boundary after it can be trusted: the whole file is rejected.
    """
    if text and text[-1] not in "\r\n":
        # A quoted field still open at the end of the file then ends with this line break,
        # so it is caught like any other joined line.
        text += "\n"
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[CsvRow] = []
    header: list[str] | None = None
    line_end = 0
    try:
        for fields in reader:
            line = line_end + 1
            line_end = reader.line_num
            _line_breaks_check(
                fields=fields,
                header=fields if header is None else header,
                file_name=file_name,
                lines=(line, line_end),
                text=text,
            )
            if header is None:
                header = fields
            elif fields:
                rows.append(CsvRow(line, fields))
    except csv.Error as exc:
        message = _csv_error_message(exc, file_name=file_name, line=reader.line_num)
        raise FileRejected(message) from exc
    if header is None:
        raise FileRejected(f"{file_name}: the file is empty; expected a header line")
    return header, rows


def _line_breaks_check(
    *,
    fields: list[str],
    header: list[str],
    file_name: str,
    lines: tuple[int, int],
    text: str,
) -> None:
    joined = "".join(fields)
    if "\n" not in joined and "\r" not in joined:
        return
    index = next(i for i, value in enumerate(fields) if "\n" in value or "\r" in value)
    column = (
        value_repr(header[index]) if index < len(header) else f"{index + 1} (beyond the header)"
    )
    first, last = lines
    # StringIO with newline="" splits lines exactly as the csv module counts them.
    physical_lines = io.StringIO(text, newline="").readlines()
    if _quote_open_at_end("".join(physical_lines[first - 1 :])):
        raise FileRejected(
            f"{file_name}: line {first}, column {column}: a double quote opens a field that is "
            f"still open at the end of the file (line {len(physical_lines)}); fix the quoting "
            "and send the file again"
        )
    raise FileRejected(
        f"{file_name}: lines {first}-{last}, column {column}: a field contains a line break, "
        "which no column allows; an unbalanced double quote probably joined lines "
        f"{first}-{last}; fix the quoting and send the file again"
    )


def _quote_open_at_end(tail: str) -> bool:
    """Return True when the first CSV record of ``tail`` is still open at its end."""
    try:
        next(csv.reader(io.StringIO(tail, newline=""), strict=True), None)
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_error_message(exc: csv.Error, *, file_name: str, line: int) -> str:
    if str(exc).startswith("field larger than field limit"):
        return (
            f"{file_name}: line {line}: a field is too large: it is longer than the CSV reader's "
            f"limit of {csv.field_size_limit():,} characters, and no column allows more than a "
            "few hundred; check the export of that line"
        )
    return f"{file_name}: line {line}: not readable as CSV ({exc}); fix the quoting of that line"


def extract_decode(*, data: bytes, file_name: str, source: str, encoding: str) -> str:
    """Return the text of ``data`` without a UTF-8 byte-order mark.

    Raises FileRejected naming the line, the byte offset in the file and the byte value when
    ``data`` is not valid in ``encoding``. Bytes are never replaced or dropped, because a
    replaced letter in a name silently breaks matching for the whole feed.
    """
    offset = 0
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        offset = len(codecs.BOM_UTF8)
    try:
        return data.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        example = "utf-16" if utf16 else "cp1252"
        raise FileRejected(
            f"{file_name}: line {line}, byte offset {exc.start + offset}: byte "
            f"0x{data[exc.start]:02X} is not valid {encoding}. If the file was exported in "
            f"another encoding, declare it in sources.yaml, for example "
            f"`{source}: {{encoding: {example}}}`"
        ) from exc


# A garbled header can have hundreds of unknown names; a message lists this many.
_UNKNOWN_SHOWN_MAX = 10


def header_check(*, header: list[str], contract: SourceContract, file_name: str) -> None:
    """Raise FileRejected naming every missing required, unknown or repeated column."""
    problems = []
    missing = [name for name in contract.required_columns if name not in header]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    unknown = [name for name in header if name not in contract.column_names]
    if unknown:
        unknown_list = ", ".join(value_repr(name) for name in unknown[:_UNKNOWN_SHOWN_MAX])
        if len(unknown) > _UNKNOWN_SHOWN_MAX:
            unknown_list += f" and {len(unknown) - _UNKNOWN_SHOWN_MAX:,} more"
        problems.append(
            f"unknown columns: {unknown_list} "
            f"(expected names from: {', '.join(contract.column_names)})"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"repeated columns: {', '.join(value_repr(name) for name in repeated)}")
    if problems:
        raise FileRejected(
            f"{file_name}: header does not match the {contract.name} contract: "
            + "; ".join(problems)
            + ". Fix the header line of the extract."
        )
