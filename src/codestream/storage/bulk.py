"""Bulk inserts for the bot's hot path, through the database driver in one call per statement.

A group of bot turns (domain/services/msteams_turns.py) writes one activity key and one outbox row
per turn. Through SQLAlchemy Core every row's parameters go through its execution context, and on
SQLite each statement takes several hand-offs to aiosqlite's thread; handed to the driver, a
statement is one call (one hand-off). On PostgreSQL the rows travel as one JSON parameter that
the server unpacks (`json_array_elements`): psycopg's executemany pipeline and its array
dumper spent more client CPU per row than the rest of the turn's storage. The SQL is written from
the table definitions in tables.py, which stay the one description of the schema; every value
is a bound parameter. It runs on the unit of work's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
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
    driver = await _driver(conn)
    if _postgresql(conn):
        # Row i of the JSON array is rows[i]; ids follow the array's order.
        values = ", ".join(
            f"(e.r->>{i})::{column.type.compile(dialect=conn.dialect)}"
            for i, column in enumerate(columns)
        )
        sql = (
            f"INSERT INTO {table} ({_column_list(columns)}) SELECT {values}"  # noqa: S608 - names from tables.py
            " FROM json_array_elements(%s::json) WITH ORDINALITY AS e(r, n) ORDER BY e.n"
        )
        async with driver.cursor() as cursor:
            await cursor.execute(sql, (orjson.dumps(rows).decode(),))
        return
    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table} ({_column_list(columns)}) VALUES ({marks})"  # noqa: S608 - as above
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
        sql = f"{head} SELECT k, %s FROM json_array_elements_text(%s::json) AS k {tail}"  # noqa: S608 - as above
        async with driver.cursor() as cursor:
            await cursor.execute(sql, (now, orjson.dumps(list(keys)).decode()))
            return {row[0] for row in await cursor.fetchall()}
    sql = f"{head} VALUES {', '.join(['(?, ?)'] * len(keys))} {tail}"
    params = [value for k in keys for value in (k, now)]
    return {row[0] for row in await driver.execute_fetchall(sql, params)}
