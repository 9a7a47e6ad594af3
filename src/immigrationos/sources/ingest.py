"""Ingest source extracts into the staging store: validate, normalise, quarantine, upsert.

``ingest_directory`` reads ``DIR/<source>.csv`` for every contract, with overrides from an
optional ``DIR/sources.yaml``; ``ingest_file`` ingests one file and is what tests and the
real-time path call. A file is rejected whole only when its bytes, its header or its quoting
break the contract, because then no row of it can be trusted. A bad row goes to
``quarantine``, and the rest of the file loads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from immigrationos.progress import Progress
from immigrationos.sources.config import CONFIG_FILE, SourceConfig, sources_config_load
from immigrationos.sources.contracts import CONTRACTS, IDENTITY_COLUMNS, SourceContract
from immigrationos.sources.errors import FileRejected, SourceConfigError, value_repr
from immigrationos.sources.reader import CsvRow, csv_rows_read, extract_decode, header_check
from immigrationos.sources.rows import Problem, RowChecker, RowOutcome
from immigrationos.sources.store import (
    Batch,
    BatchTables,
    attrs_json,
    batch_write,
    load_id_new,
    load_is_current,
    reason_prefix,
)

logger = logging.getLogger(__name__)

__all__ = ["FileReport", "IngestReport", "ingest_directory", "ingest_file"]


@dataclass
class FileReport:
    """The outcome of ingesting one extract file.

    ``rows_quarantined`` counts rows that were not loaded; ``fields_quarantined`` counts
    quarantined fields of rows that were loaded anyway (an invalid DOB is stored as NULL).
    """

    source: str
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    fields_quarantined: int = 0
    flags: int = 0
    records_new: int = 0
    records_replaced: int = 0
    records_unchanged: int = 0
    skipped: bool = False
    rejection: str | None = None
    load_id: str | None = None
    seconds: float = 0.0

    @property
    def rejected(self) -> bool:
        return self.rejection is not None


@dataclass
class IngestReport:
    """The outcome of ingesting a folder: one FileReport per extract found."""

    extracts_dir: Path
    files: list[FileReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Return False when the configuration was invalid or any file was rejected whole."""
        return not self.errors and not any(report.rejected for report in self.files)

    def render(self) -> str:
        """Return the report as printed by ``immigrationos ingest``."""
        rows_read = sum(report.rows_read for report in self.files)
        rate = rows_read / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"ingest {self.extracts_dir}: {len(self.files)} files, {rows_read:,} rows read "
            f"in {self.seconds:.1f} s ({rate:,.0f} rows/s)",
            f"{'file':<18}{'read':>10}{'loaded':>10}{'quarant.':>10}{'new':>10}"
            f"{'replaced':>10}{'unchanged':>10}{'flags':>8}  note",
        ]
        for report in self.files:
            note = ""
            if report.skipped:
                note = "already loaded, skipped"
            elif report.rejected:
                note = "REJECTED"
            if report.fields_quarantined:
                note += f" {report.fields_quarantined} fields quarantined on loaded rows"
            lines.append(
                f"{report.file:<18}{report.rows_read:>10,}{report.rows_loaded:>10,}"
                f"{report.rows_quarantined:>10,}{report.records_new:>10,}"
                f"{report.records_replaced:>10,}{report.records_unchanged:>10,}"
                f"{report.flags:>8,}  {note}"
            )
        lines += [f"missing (not loaded): {name}" for name in self.missing]
        lines += [f"ignored (no contract): {name}" for name in self.ignored]
        lines += [f"rejected: {report.rejection}" for report in self.files if report.rejected]
        lines += [f"error: {error}" for error in self.errors]
        return "\n".join(lines)


def ingest_directory(
    *,
    con: duckdb.DuckDBPyConnection,
    extracts_dir: Path,
    progress: Progress,
    today: date | None = None,
) -> IngestReport:
    """Ingest every ``<source>.csv`` in ``extracts_dir`` and return the report.

    Configuration errors in ``sources.yaml`` are returned in the report and nothing is loaded.
    ``today`` is the run date that no DOB may pass (default: the current date). Large folders
    are validated in worker processes, one file each; files are written in contract order.
    """
    started = time.perf_counter()
    report = IngestReport(extracts_dir=extracts_dir)
    if not extracts_dir.is_dir():
        report.errors.append(f"{extracts_dir} is not a folder: pass the folder of extracts")
        return report
    if not any((extracts_dir / contract.file).is_file() for contract in CONTRACTS.values()):
        nested = extracts_dir / "extracts"
        hint = (
            f"; `immigrationos synth --out` writes them to {nested}, so pass that folder"
            if nested.is_dir()
            else ""
        )
        expected = ", ".join(contract.file for contract in CONTRACTS.values())
        report.errors.append(f"{extracts_dir} contains none of {expected}{hint}")
        return report
    try:
        configs = sources_config_load(extracts_dir / CONFIG_FILE)
    except SourceConfigError as exc:
        report.errors.append(str(exc))
        return report

    pending: list[tuple[SourceContract, Path, SourceConfig]] = []
    for contract in CONTRACTS.values():
        path = extracts_dir / contract.file
        config = configs.get(contract.name, SourceConfig())
        if not path.is_file():
            report.missing.append(contract.file)
        elif _load_is_current(con=con, path=path, contract=contract, config=config):
            report.files.append(FileReport(contract.name, path.name, skipped=True))
        else:
            pending.append((contract, path, config))
    known = {contract.file for contract in CONTRACTS.values()}
    report.ignored = sorted(
        path.name for path in extracts_dir.glob("*.csv") if path.name not in known
    )

    jobs = [
        {"path": path, "contract": contract, "config": config, "today": today or date.today()}
        for contract, path, config in pending
    ]
    line_counts = [_line_count(path) for _, path, _ in pending]
    with progress.stage("ingest", total=sum(line_counts)) as handle:
        for prepared, line_count in zip(_files_prepare(jobs), line_counts, strict=True):
            report.files.append(_prepared_write(con=con, prepared=prepared))
            handle.advance(line_count)
    order = list(CONTRACTS)
    report.files.sort(key=lambda file_report: order.index(file_report.source))
    report.seconds = time.perf_counter() - started
    return report


def ingest_file(
    *,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: SourceContract,
    config: SourceConfig,
    today: date | None = None,
) -> FileReport:
    """Validate one extract and write it to the staging tables; return what happened.

    A file is skipped when the latest load of its source had the same SHA-256 and the same
    configuration fingerprint. A file with undecodable bytes, a header that breaks the
    contract or broken quoting is rejected whole and nothing of it is written.
    """
    if _load_is_current(con=con, path=path, contract=contract, config=config):
        return FileReport(source=contract.name, file=path.name, skipped=True)
    prepared = _file_prepare(
        path=path, contract=contract, config=config, today=today or date.today()
    )
    return _prepared_write(con=con, prepared=prepared)


@dataclass
class _PreparedFile:
    report: FileReport
    sha256: str
    fingerprint: str
    tables: BatchTables | None


def _load_is_current(
    *, con: duckdb.DuckDBPyConnection, path: Path, contract: SourceContract, config: SourceConfig
) -> bool:
    return load_is_current(
        con=con,
        source=contract.name,
        sha256=_file_sha256(path),
        fingerprint=config.fingerprint(contract),
    )


# Below this many bytes, starting worker processes costs more than it saves.
_PARALLEL_MIN_BYTES = 8 << 20


def _files_prepare(jobs: list[dict[str, Any]]) -> Iterator[_PreparedFile]:
    """Yield the prepared files in job order, validated in worker processes when large."""
    total_bytes = sum(job["path"].stat().st_size for job in jobs)
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2 or total_bytes < _PARALLEL_MIN_BYTES:
        for job in jobs:
            yield _file_prepare(**job)
        return
    # fork, not spawn: spawn re-imports the caller's __main__, which breaks scripts without a
    # main guard. The children only run pure-Python validation and never touch DuckDB, whose
    # threads in the parent are not copied.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_file_prepare, **job) for job in jobs]
        for future in futures:
            yield future.result()


def _file_prepare(
    *, path: Path, contract: SourceContract, config: SourceConfig, today: date
) -> _PreparedFile:
    """Validate one file without touching the store; runs in a worker process."""
    started = time.perf_counter()
    report = FileReport(source=contract.name, file=path.name)
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    fingerprint = config.fingerprint(contract)
    try:
        batch = _rows_validate(
            data=data,
            file_name=path.name,
            contract=contract,
            config=config,
            today=today,
            fingerprint=fingerprint,
            report=report,
        )
    except FileRejected as exc:
        report.rejection = str(exc)
        return _PreparedFile(report=report, sha256=sha256, fingerprint=fingerprint, tables=None)
    report.seconds = time.perf_counter() - started
    return _PreparedFile(
        report=report, sha256=sha256, fingerprint=fingerprint, tables=batch.tables()
    )


def _prepared_write(*, con: duckdb.DuckDBPyConnection, prepared: _PreparedFile) -> FileReport:
    report = prepared.report
    if prepared.tables is None:
        logger.warning("file rejected: %s", report.rejection)
        return report
    report.load_id = load_id_new(
        con=con, source=report.source, sha256=prepared.sha256, fingerprint=prepared.fingerprint
    )
    counts = batch_write(
        con=con,
        tables=prepared.tables,
        load_id=report.load_id,
        source=report.source,
        file=report.file,
        sha256=prepared.sha256,
        rows_read=report.rows_read,
        rows_quarantined=report.rows_quarantined,
    )
    report.records_new = counts.new
    report.records_replaced = counts.replaced
    report.records_unchanged = counts.unchanged
    logger.info(
        "ingested %s as %s: %d rows read, %d loaded, %d quarantined",
        report.file,
        report.load_id,
        report.rows_read,
        report.rows_loaded,
        report.rows_quarantined,
    )
    return report


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rows_validate(
    *,
    data: bytes,
    file_name: str,
    contract: SourceContract,
    config: SourceConfig,
    today: date,
    fingerprint: str,
    report: FileReport,
) -> Batch:
    """Return the batch of records, quarantine rows and flags for the file's rows.

    Records and quarantine rows get their load id when the batch is written.
    """
    text = extract_decode(
        data=data, file_name=file_name, source=contract.name, encoding=config.encoding
    )
    header, rows = csv_rows_read(text=text, file_name=file_name)
    header_check(header=header, contract=contract, file_name=file_name)

    checker = RowChecker(contract=contract, config=config, header=header, today=today)
    batch = Batch()
    id_index = header.index(contract.id_column)
    record_ids = [_record_id(row, id_index) for row in rows]
    duplicates = _duplicate_first_lines(rows=rows, record_ids=record_ids)
    for row_number, (row, record_id) in enumerate(zip(rows, record_ids, strict=True), start=1):
        outcome = _row_check(
            checker=checker,
            fields=row.fields,
            width=len(header),
            record_id=record_id,
            duplicate_first_line=duplicates.get(record_id),
        )
        prefix = reason_prefix(file=file_name, row_number=row_number, line=row.line)
        if outcome.problems:
            raw = json.dumps(_raw_row(header, row.fields), ensure_ascii=False)
            for problem in outcome.problems:
                batch.quarantine["load_id"].append(None)
                for name, value in (
                    ("source", contract.name),
                    ("file", file_name),
                    ("line", row.line),
                    ("row_number", row_number),
                    ("record_id", record_id or None),
                    ("column", problem.column),
                    ("value", problem.value),
                    ("reason", prefix + problem.reason),
                    ("raw", raw),
                ):
                    batch.quarantine[name].append(value)
        if outcome.record is None:
            report.rows_quarantined += 1
            continue
        report.fields_quarantined += len(outcome.problems)
        _record_add(
            batch=batch,
            outcome=outcome,
            source=contract.name,
            record_id=record_id,
            line=row.line,
            fingerprint=fingerprint,
        )
        report.flags += len(outcome.flags)
    report.rows_read = len(rows)
    report.rows_loaded = len(rows) - report.rows_quarantined
    return batch


def _record_id(row: CsvRow, id_index: int) -> str:
    return row.fields[id_index].strip() if id_index < len(row.fields) else ""


def _duplicate_first_lines(*, rows: list[CsvRow], record_ids: list[str]) -> dict[str, int]:
    """Return the first line of every record_id that occurs more than once."""
    counts = Counter(record_ids)
    first_lines: dict[str, int] = {}
    for row, record_id in zip(rows, record_ids, strict=True):
        if record_id and counts[record_id] > 1 and record_id not in first_lines:
            first_lines[record_id] = row.line
    return first_lines


def _row_check(
    *,
    checker: RowChecker,
    fields: list[str],
    width: int,
    record_id: str,
    duplicate_first_line: int | None,
) -> RowOutcome:
    if len(fields) != width:
        outcome = RowOutcome(
            None,
            [
                Problem(
                    None,
                    None,
                    f"the row has {len(fields)} fields but the header has {width}; check for an "
                    "unquoted comma or a missing delimiter",
                )
            ],
        )
    else:
        outcome = checker.check(fields)
    if duplicate_first_line is None:
        return outcome
    # Every occurrence is quarantined: which version is right is for a person to decide, not
    # the order of rows in the file.
    duplicate = Problem(
        "record_id",
        record_id,
        f"record_id {value_repr(record_id)} appears more than once in this file (first on line "
        f"{duplicate_first_line}); no occurrence is loaded",
    )
    return RowOutcome(None, [*outcome.problems, duplicate])


def _record_add(
    *,
    batch: Batch,
    outcome: RowOutcome,
    source: str,
    record_id: str,
    line: int,
    fingerprint: str,
) -> None:
    record = outcome.record
    assert record is not None
    record_uid = f"{source}:{record_id}"
    attrs = attrs_json(record["attrs"])  # type: ignore[arg-type]
    identity = [str(record[name]) for name in IDENTITY_COLUMNS]
    row_hash = hashlib.sha256(
        "\x1f".join([fingerprint, *identity, str(record["dob_quality"]), attrs]).encode()
    ).hexdigest()
    record.update(
        record_uid=record_uid,
        source=source,
        load_id=None,
        line=line,
        attrs=attrs,
        row_hash=row_hash,
    )
    for name, column in batch.records.items():
        column.append(record[name])
    for flag in outcome.flags:
        batch.flags["record_uid"].append(record_uid)
        batch.flags["field"].append(flag.field)
        batch.flags["flag"].append(flag.flag)
        batch.flags["detail"].append(flag.detail)


def _raw_row(header: list[str], fields: list[str]) -> dict[str, object]:
    raw: dict[str, object] = dict(zip(header, fields, strict=False))
    if len(fields) > len(header):
        raw["_extra_fields"] = fields[len(header) :]
    return raw


def _line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return max(
            sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
        )
