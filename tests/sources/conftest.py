"""Fixtures for ingest tests: an in-memory staging store and an ingest of bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from ingest_helpers import RUN_DATE, IngestBytes

from immigrationos import staging
from immigrationos.sources.config import SourceConfig
from immigrationos.sources.contracts import CONTRACTS
from immigrationos.sources.ingest import FileReport, ingest_file


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = staging.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def ingest_bytes(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> IngestBytes:
    """Write ``data`` as ``<source>.csv`` and ingest it; return the file report."""

    def ingest(source: str, data: bytes, config: SourceConfig | None = None) -> FileReport:
        path = tmp_path / f"{source}.csv"
        path.write_bytes(data)
        return ingest_file(
            con=con,
            path=path,
            contract=CONTRACTS[source],
            config=config or SourceConfig(),
            today=RUN_DATE,
        )

    return ingest
