"""Units of work's transactions, begun and ended on the database driver.

Through SQLAlchemy's async layer a transaction cost 250-450 us of CPU more than on the driver
(a greenlet hand-off and an execution context each for BEGIN and COMMIT), a third of a bot turn's
CPU in the groups of two or three that 1,000 activities a second make. So the async engines
(engine.py) leave transactions alone, and SqlUnitOfWork begins and ends its own here. Statements
through SQLAlchemy on the same connection run inside it all the same.

The engines' pool reset listeners roll back a transaction still open when a connection goes back
to the pool (a unit of work cut off mid-way). Plain BEGIN rather than asyncpg's Transaction
objects, so the driver keeps no state of its own that such a connection could carry over.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import aiosqlite
import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


class DriverTransaction(Protocol):
    """An open transaction; exactly one of commit or rollback ends it."""

    async def commit(self) -> None:
        """Make its changes durable."""
        ...

    async def rollback(self) -> None:
        """Undo its changes."""
        ...


def driver_of(conn: AsyncConnection) -> Any:
    """The driver's connection (aiosqlite or asyncpg) under an open AsyncConnection."""
    assert conn.sync_connection is not None, "the connection is not open"
    return conn.sync_connection.connection.driver_connection


def postgres_in_transaction(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under `conn`, which must be inside a unit of work's transaction:
    outside one, each statement would commit on its own (AUTOCOMMIT, see engine.py)."""
    driver = driver_of(conn)
    assert isinstance(driver, asyncpg.Connection)
    if not driver.is_in_transaction():
        raise RuntimeError("this statement runs inside a unit of work's transaction only")
    return driver


async def begin(conn: AsyncConnection) -> DriverTransaction:
    """Begin a transaction on the driver under `conn`: BEGIN IMMEDIATE on SQLite (a writer takes
    the lock up front: a deferred BEGIN that later writes can fail with SQLITE_BUSY at once when
    another process writes, busy timeout or not), BEGIN on PostgreSQL."""
    driver = driver_of(conn)
    if isinstance(driver, asyncpg.Connection):
        await driver.execute("BEGIN")
        return _PostgresTransaction(driver)
    assert isinstance(driver, aiosqlite.Connection)
    await _sqlite(driver.execute_fetchall("BEGIN IMMEDIATE"), "BEGIN IMMEDIATE")
    return _SqliteTransaction(driver)


class _PostgresTransaction:
    def __init__(self, driver: asyncpg.Connection) -> None:
        self._driver = driver

    async def commit(self) -> None:
        # PostgreSQL answers a COMMIT of a transaction in which a statement failed with
        # ROLLBACK, and no error: that must not pass for a success.
        if await self._driver.execute("COMMIT") != "COMMIT":
            raise RuntimeError("the transaction had failed and PostgreSQL rolled it back")

    async def rollback(self) -> None:
        await self._driver.execute("ROLLBACK")


class _SqliteTransaction:
    def __init__(self, driver: aiosqlite.Connection) -> None:
        self._driver = driver

    async def commit(self) -> None:
        await _sqlite(self._driver.commit(), "COMMIT")

    async def rollback(self) -> None:
        await _sqlite(self._driver.rollback(), "ROLLBACK")


async def _sqlite(call: Any, statement: str) -> Any:
    # SQLite's errors as SQLAlchemy's, as the same statement through SQLAlchemy would raise them
    # ("database is locked" is an OperationalError either way).
    try:
        return await call
    except sqlite3.Error as exc:
        raise sa.exc.OperationalError(statement, None, exc) from exc
