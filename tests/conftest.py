"""Shared test setup: a private data folder and a small hand-made staging store.

pytest-django imports the Django settings before this file loads. IMMIGRATIONOS_HOME set
here therefore reaches only what is read at use time (staging paths, services). Tests use
pytest-django's own test database, so the operational SQLite path in the settings is unused.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
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


@pytest.fixture(autouse=True, scope="session")
def _audit_triggers_lifted_for_flush() -> Iterator[None]:
    """Let Django's flush after a transactional test empty the append-only tables.

    The audit and case note triggers reject DELETE and TRUNCATE, so the flush drops them
    first and recreates them after. Tests run only while the triggers are in place.
    """
    from django.core.management.commands import flush
    from django.db import connections

    from immigrationos.audit import triggers
    from immigrationos.cases import append_only

    original = flush.Command.handle

    def handle(self: Any, **options: Any) -> Any:
        connection = connections[options.get("database", "default")]
        triggers.triggers_drop(connection)
        append_only.note_triggers_drop(connection)
        try:
            return original(self, **options)
        finally:
            triggers.triggers_create(connection)
            append_only.note_triggers_create(connection)

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


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


RoleClient = Callable[..., Any]


@pytest.fixture
def role_client(db: None) -> RoleClient:
    """Return a factory: ``role_client(role, office="NYC", purpose=...)``.

    Each call returns a new django test Client signed in as a fresh user in the group of
    ``role`` and in ``office`` (None for no office), with ``purpose`` chosen (None for none;
    by default the role's first allowed purpose, case_work for officers).
    The username defaults to ``<role>-<n>``.
    For the partner role the client instead carries a new API token and an X-Purpose header
    on every request, because partners use only the API.
    """
    from django.contrib.auth import get_user_model
    from django.test import Client

    from immigrationos.access.context import purposes_for
    from immigrationos.access.policy import PARTNER, PURPOSE_SESSION_KEY
    from immigrationos.access.roles import user_role_assign
    from immigrationos.access.tokens import api_token_create

    numbers = itertools.count(1)

    def make(
        role: str,
        office: str | None = "NYC",
        purpose: str | None = "",
        username: str | None = None,
    ) -> Any:
        if purpose == "":
            # The role's first allowed purpose: case work for officers and supervisors.
            purpose = next(iter(purposes_for(role)))
        username = username or f"{role}-{next(numbers)}"
        user = get_user_model().objects.create_user(username=username, password="pw-tests-1")
        user_role_assign(user=user, role=role, office_code=office)
        if role == PARTNER:
            token = api_token_create(user=user, partner="test partner")
            headers = {"Authorization": f"Bearer {token}"}
            if purpose:
                headers["X-Purpose"] = purpose
            return Client(headers=headers)
        client = Client()
        client.force_login(user)
        if purpose:
            session = client.session
            session[PURPOSE_SESSION_KEY] = purpose
            session.save()
        return client

    return make


@pytest.fixture
def officer_client(role_client: RoleClient) -> Any:
    """Return a test client signed in as a fresh officer of NYC, with purpose case_work."""
    return role_client("officer", username="tester")
