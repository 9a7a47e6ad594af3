"""Fixtures of the linkage tests."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pytest

from immigrationos import staging


@pytest.fixture
def con() -> Iterable[duckdb.DuckDBPyConnection]:
    connection = staging.connect(":memory:")
    yield connection
    connection.close()
