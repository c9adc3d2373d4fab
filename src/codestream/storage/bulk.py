"""Inserts beyond SQLAlchemy Core's portable ones: upserts, and bulk inserts for the bot's hot path.

Upserts (`upsert`, `dialect_insert`) are SQLAlchemy statements in the backend's dialect.
Bulk inserts are SQL in the driver's own dialect, one call per statement:

A group of bot turns (domain/services/msteams_turns.py) writes one activity key and one outbox row
per turn. Through SQLAlchemy Core every row's parameters go through its execution context. Written
for the driver instead, a statement's rows go to it as they are: to asyncpg on PostgreSQL, inside
the transaction the unit of work began on it; to aiosqlite on SQLite, where each statement through
SQLAlchemy took several hand-offs to its thread and here takes one. The SQL is written from the
table definitions in tables.py, which stay the one description of the schema; every value is a
bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.storage.transactions import driver_in_transaction


def _column_list(columns: Sequence[sa.Column[Any]]) -> str:
    return ", ".join(column.name for column in columns)


async def insert_many(
    conn: AsyncConnection, columns: Sequence[sa.Column[Any]], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT `rows` (values in the order of `columns`, all of one table) in one executemany.

    JSON values must already be JSON text (see engine.json_text).
    """
    if not rows:
        return
    table = columns[0].table.name
    driver = driver_in_transaction(conn)
    postgresql = isinstance(driver, asyncpg.Connection)
    marks = ", ".join(f"${n}" if postgresql else "?" for n in range(1, len(columns) + 1))
    sql = f"INSERT INTO {table} ({_column_list(columns)}) VALUES ({marks})"  # noqa: S608 - names from tables.py
    await driver.executemany(sql, rows)


async def insert_new_keys(
    conn: AsyncConnection, key: sa.Column[Any], stamp: sa.Column[Any], keys: Sequence[str], now: int
) -> set[str]:
    """INSERT (key, now) for every key not yet in the key's table (its primary key); the keys
    this call inserted. A key given twice is inserted once."""
    if not keys:
        return set()
    table = key.table.name
    head = f"INSERT INTO {table} ({key.name}, {stamp.name})"
    tail = f"ON CONFLICT ({key.name}) DO NOTHING RETURNING {key.name}"
    driver = driver_in_transaction(conn)
    if isinstance(driver, asyncpg.Connection):
        sql = f"{head} SELECT k, $1 FROM unnest($2::text[]) AS k {tail}"  # noqa: S608 - as above
        rows = await driver.fetch(sql, now, list(keys))
        return {row[0] for row in rows}
    sql = f"{head} VALUES {', '.join(['(?, ?)'] * len(keys))} {tail}"
    params = [value for k in keys for value in (k, now)]
    return {row[0] for row in await driver.execute_fetchall(sql, params)}


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """An INSERT in the connection's dialect (it has `on_conflict_do_*`)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


async def upsert(
    conn: AsyncConnection,
    table: sa.Table,
    values: dict[str, Any],
    keys: Sequence[str],
    *,
    kept: Sequence[str] = ("created_at",),
) -> None:
    """Insert a row, or update every column but the keys and `kept` when it exists."""
    statement = dialect_insert(conn, table).values(**values)
    changed = {
        name: statement.excluded[name] for name in values if name not in keys and name not in kept
    }
    await conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed))
