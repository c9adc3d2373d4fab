"""Bulk inserts for the bot's hot path, through the database driver in one call per statement.

A group of bot turns (domain/services/msteams_turns.py) writes one activity key and one outbox row
per turn. Through SQLAlchemy Core every row's parameters go through its execution context, and on
SQLite each statement takes several hand-offs to aiosqlite's thread; handed to the driver, a
statement is one call (one hand-off). The SQL is written from the table definitions in
tables.py, which stay the one description of the schema; every value is a bound parameter. It runs
on the unit of work's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


async def _driver(conn: AsyncConnection) -> Any:
    """The driver's connection under this SQLAlchemy connection (aiosqlite or psycopg)."""
    return (await conn.get_raw_connection()).driver_connection


def _postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


def _column_list(columns: Sequence[sa.Column[Any]]) -> str:
    return ", ".join(column.name for column in columns)


async def insert_many(
    conn: AsyncConnection, columns: Sequence[sa.Column[Any]], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (values in the order of `columns`, all of one table) in one executemany.

    JSON values must already be JSON text (see engine.json_text).
    """
    if not rows:
        return
    table = columns[0].table.name
    marks = ", ".join(["%s" if _postgresql(conn) else "?"] * len(columns))
    sql = f"INSERT INTO {table} ({_column_list(columns)}) VALUES ({marks})"  # noqa: S608 - names from tables.py
    driver = await _driver(conn)
    if _postgresql(conn):
        async with driver.cursor() as cursor:
            await cursor.executemany(sql, rows)
    else:
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
    driver = await _driver(conn)
    if _postgresql(conn):
        sql = f"{head} SELECT k, %s FROM unnest(%s::text[]) AS k {tail}"  # noqa: S608 - as above
        async with driver.cursor() as cursor:
            await cursor.execute(sql, (now, list(keys)))
            return {row[0] for row in await cursor.fetchall()}
    sql = f"{head} VALUES {', '.join(['(?, ?)'] * len(keys))} {tail}"
    params = [value for k in keys for value in (k, now)]
    return {row[0] for row in await driver.execute_fetchall(sql, params)}
