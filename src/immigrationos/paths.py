"""Locations of the data folder and the stores inside it.

Every piece of state lives under one folder, ``IMMIGRATIONOS_HOME`` (default ``./var``).
Paths are computed when called, never at import, so tests can point the variable elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """Return the data folder, creating it if needed."""
    home = Path(os.environ.get("IMMIGRATIONOS_HOME", "var")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def staging_path() -> Path:
    """Return the DuckDB file of staged records and linkage, status and priority output."""
    return data_home() / "staging.duckdb"


def operational_sqlite_path() -> Path:
    """Return the SQLite file used as the operational store when DATABASE_URL is not set."""
    return data_home() / "operational.sqlite3"
