"""Decode an extract's bytes strictly and check its header against the contract."""

from __future__ import annotations

import codecs

from immigrationos.sources.contracts import SourceContract
from immigrationos.sources.errors import FileRejected


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
        raise FileRejected(
            f"{file_name}: line {line}, byte offset {exc.start + offset}: byte "
            f"0x{data[exc.start]:02X} is not valid {encoding}. If the file was exported in a "
            f"legacy encoding, declare it in sources.yaml, for example "
            f"`{source}: {{encoding: cp1252}}`"
        ) from exc


def header_check(*, header: list[str], contract: SourceContract, file_name: str) -> None:
    """Raise FileRejected naming every missing required, unknown or repeated column."""
    problems = []
    missing = [name for name in contract.required_columns if name not in header]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    unknown = [name for name in header if name not in contract.column_names]
    if unknown:
        problems.append(
            f"unknown columns: {', '.join(repr(name) for name in unknown)} "
            f"(expected names from: {', '.join(contract.column_names)})"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"repeated columns: {', '.join(repr(name) for name in repeated)}")
    if problems:
        raise FileRejected(
            f"{file_name}: header does not match the {contract.name} contract: "
            + "; ".join(problems)
            + ". Fix the header line of the extract."
        )
