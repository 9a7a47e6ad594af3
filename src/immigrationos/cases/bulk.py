"""Fast bulk writes for the operational load, on SQLite and PostgreSQL.

The ORM's ``bulk_create`` binds at most 999 parameters per statement on SQLite, which makes
500,000 rows take thousands of statements. These helpers write whole tables with one
prepared statement (SQLite ``executemany``) or one COPY into a temporary table
(PostgreSQL), then upsert from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

_DELETE_CHUNK = 900
# Below this many rows, SQLite keeps its secondary indexes during the insert.
_REINDEX_MIN_ROWS = 20_000
# SQLite's default page cache (2 MiB) makes index updates of a 500,000-row table re-read
# pages from disk; 256 MiB keeps them in memory for the length of one load.
_LOAD_CACHE_KIB = 262_144


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def bulk_write(
    *,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Insert ``rows`` into ``table``; on a ``conflict`` key clash, overwrite ``update``.

    JSON columns take JSON text. Must run inside a transaction.
    """
    if not rows:
        return
    column_list = ", ".join(_quote(column) for column in columns)
    on_conflict = ""
    if conflict:
        keys = ", ".join(_quote(column) for column in conflict)
        sets = ", ".join(f"{_quote(column)} = excluded.{_quote(column)}" for column in update)
        on_conflict = f" ON CONFLICT ({keys}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING")

    if connection.vendor == "postgresql":
        _copy_write(table=table, column_list=column_list, rows=rows, on_conflict=on_conflict)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {_quote(table)} ({column_list}) VALUES ({placeholders}){on_conflict}"
    with connection.cursor() as cursor:
        if len(rows) < _REINDEX_MIN_ROWS:
            cursor.executemany(sql, rows)
            return
        # Building an index once after the insert is much faster than updating it per row.
        # Primary keys stay (SQLite's automatic indexes have no SQL), so ON CONFLICT works;
        # a unique index dropped here is checked again when it is rebuilt.
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {_quote(name)}")
        cursor.executemany(sql, rows)
        for _name, index_sql in indexes:
            cursor.execute(index_sql)


def _copy_write(
    *, table: str, column_list: str, rows: Sequence[Sequence[Any]], on_conflict: str
) -> None:
    staging = _quote(f"_load_{table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        # Only the written columns, with their types and no constraints: an identity "id"
        # column would otherwise reject the rows that leave it out.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {column_list} FROM {_quote(table)} WITH NO DATA"
        )
        raw = cursor.cursor
        with raw.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {_quote(table)} ({column_list}) "
            f"SELECT {column_list} FROM {staging}{on_conflict}"
        )
        cursor.execute(f"DROP TABLE {staging}")


def bulk_delete(*, table: str, column: str, keys: Iterable[Any]) -> int:
    """Delete the rows of ``table`` whose ``column`` is in ``keys``; return how many went."""
    keys = list(keys)
    deleted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(keys), _DELETE_CHUNK):
            chunk = keys[start : start + _DELETE_CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {_quote(table)} WHERE {_quote(column)} IN ({placeholders})", chunk
            )
            deleted += max(cursor.rowcount, 0)
    return deleted


def column_values(*, table: str, column: str) -> set[object]:
    """Return every value of ``column`` in ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_quote(column)} FROM {_quote(table)}")
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def load_tuning() -> Iterator[None]:
    """Enlarge SQLite's page cache for a bulk load, then restore it; a no-op elsewhere."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")
