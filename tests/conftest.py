"""Shared test setup: a private data folder and a small hand-made staging store.

pytest-django imports the Django settings before this file loads. IMMIGRATIONOS_HOME set
here therefore reaches only what is read at use time (staging paths, services). Tests use
pytest-django's own test database, so the operational SQLite path in the settings is unused.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

os.environ["IMMIGRATIONOS_HOME"] = tempfile.mkdtemp(prefix="immigrationos-tests-")

from cases.staging_builders import RUN_ID, base_staging, staging_write

# Under CI, property tests draw the same examples on every run, so a failure there is
# reproducible from the log and a run never fails on a lucky or unlucky draw alone.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # PBKDF2's work factor makes each sign-in take a noticeable fraction of a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_case_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMMIGRATIONOS_CASE_OPEN_MAX_TIER", raising=False)


@pytest.fixture
def staging_con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = staging_write(tmp_path / "staging.duckdb", base_staging())
    yield con
    con.close()


@pytest.fixture
def loaded(db: None, staging_con: duckdb.DuckDBPyConnection) -> Any:
    """Load the base staging store into the test database and return the load report."""
    from immigrationos.cases.services import operational_store_load
    from immigrationos.progress import NullProgress

    return operational_store_load(con=staging_con, run_id=RUN_ID, progress=NullProgress())


@pytest.fixture
def officer_client(db: None, client: Any) -> Any:
    """Return a test client signed in as a fresh user."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="tester", password="pw-for-tests-1")
    client.force_login(user)
    return client
