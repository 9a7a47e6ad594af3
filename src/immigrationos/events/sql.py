"""Raw SQL for the statements every event runs, on SQLite and PostgreSQL.

The ORM spends more time building a query than the database spends running it, and an event
runs about twenty of them, so the statements on the per-event path are written out here.
Each returns plain values; JSON columns come back as text (SQLite) or parsed (PostgreSQL),
and ``json_value`` reads either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def json_value(value: Any) -> Any:
    """Return a JSON column's value parsed, whichever database returned it."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def json_placeholder() -> str:
    """Return the placeholder of a JSON parameter sent as text."""
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def json_text(value: Any) -> str:
    """Return ``value`` as compact JSON text, dates as ISO strings."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one SELECT and return its rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement and return the row count."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.rowcount)


def execute_many(sql: str, params: Iterable[Sequence[Any]]) -> None:
    """Run one statement for each parameter row."""
    batch = [list(row) for row in params]
    if batch:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)


def placeholders(count: int) -> str:
    """Return ``count`` comma-separated parameter placeholders."""
    return ", ".join(["%s"] * count)


def table(model: Any) -> str:
    """Return the quoted table name of ``model``."""
    return _table(model)
