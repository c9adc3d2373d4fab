"""Units of work's transactions, begun and ended on the database driver.

Through SQLAlchemy's async layer a transaction cost 250-450 us of CPU more than on the driver
(a greenlet hand-off and an execution context each for BEGIN and COMMIT), a third of a bot turn's
CPU in the groups of two or three that 1,000 activities a second make. So the async engines
(engine.py) leave transactions alone, and SqlUnitOfWork begins and ends its own here. Statements
through SQLAlchemy on the same connection run inside it all the same.

The engines' pool reset listener rolls back a transaction still open when a connection goes back
to the pool (a unit of work cut off mid-way). Plain BEGIN rather than asyncpg's Transaction
objects, so the driver keeps no state of its own that such a connection could carry over.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable
from typing import Any

import aiosqlite
import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

Driver = aiosqlite.Connection | asyncpg.Connection
"""A connection of the async drivers we use."""


def driver_of(conn: AsyncConnection) -> Driver:
    """The driver's connection under an open AsyncConnection."""
    assert conn.sync_connection is not None, "the connection is not open"
    driver = conn.sync_connection.connection.driver_connection
    assert isinstance(driver, aiosqlite.Connection | asyncpg.Connection)
    return driver


def in_transaction(driver: Driver) -> bool:
    """Whether the driver's connection is inside a transaction (read locally, no I/O)."""
    if isinstance(driver, asyncpg.Connection):
        return driver.is_in_transaction()
    return driver.in_transaction


def driver_in_transaction(conn: AsyncConnection) -> Driver:
    """The driver's connection under `conn`, which must be inside a unit of work's transaction:
    outside one, each statement would commit on its own (the engines leave transactions to
    units of work, see engine.py)."""
    driver = driver_of(conn)
    if not in_transaction(driver):
        raise RuntimeError("this statement runs inside a unit of work's transaction only")
    return driver


async def begin(conn: AsyncConnection, *, read_only: bool = False) -> Driver:
    """Begin a transaction on the driver under `conn`; that driver connection, for `commit` or
    `rollback`. BEGIN IMMEDIATE on SQLite (a writer takes the lock up front: a deferred BEGIN
    that later writes can fail with SQLITE_BUSY at once when another process writes, busy
    timeout or not), BEGIN on PostgreSQL. `read_only`: a deferred BEGIN on SQLite (a snapshot
    that takes no write lock, so it waits for no writer), BEGIN READ ONLY on PostgreSQL."""
    driver = driver_of(conn)
    if isinstance(driver, asyncpg.Connection):
        await driver.execute("BEGIN READ ONLY" if read_only else "BEGIN")
    else:
        statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        began = asyncio.ensure_future(_sqlite(driver.execute_fetchall(statement), statement))
        try:
            await asyncio.shield(began)
        except asyncio.CancelledError:
            # The BEGIN still runs in aiosqlite's thread. Undo it once it has, or the connection
            # would go back to the pool inside a transaction (the pool's check of the driver's
            # state, made before the BEGIN ran, would find none to roll back).
            with contextlib.suppress(Exception):
                await began
                await driver.rollback()
            raise
    return driver


async def commit(driver: Driver, *, notify: str | None = None) -> None:
    """Make the transaction's changes durable. `notify` (PostgreSQL): a channel to NOTIFY with
    the commit, sent in the same round trip; listeners hear it only if the commit succeeds."""
    if isinstance(driver, asyncpg.Connection):
        statement = "COMMIT" if notify is None else f"NOTIFY {notify}; COMMIT"
        try:
            status = await driver.execute(statement)
        except Exception:
            # The NOTIFY failed (the transaction had failed): its COMMIT never ran.
            if driver.is_in_transaction() and not driver.is_closed():
                with contextlib.suppress(Exception):
                    await driver.execute("ROLLBACK")
            raise
        # PostgreSQL answers a COMMIT of a transaction in which a statement failed with
        # ROLLBACK, and no error: that must not pass for a success.
        if status != "COMMIT":
            raise RuntimeError("the transaction had failed and PostgreSQL rolled it back")
    else:
        await _sqlite(driver.commit(), "COMMIT")


async def rollback(driver: Driver) -> None:
    """Undo the transaction's changes."""
    if isinstance(driver, asyncpg.Connection):
        # A statement cancelled through SQLAlchemy closes the connection; PostgreSQL ended the
        # transaction with it. A ROLLBACK would raise "connection is closed" over the
        # CancelledError the unit of work is ending with.
        if not driver.is_closed():
            await driver.execute("ROLLBACK")
    else:
        await _sqlite(driver.rollback(), "ROLLBACK")


async def _sqlite(call: Awaitable[Any], statement: str) -> Any:
    # SQLite's errors as SQLAlchemy's, as the same statement through SQLAlchemy would raise them
    # ("database is locked" is an OperationalError either way).
    try:
        return await call
    except sqlite3.Error as exc:
        raise sa.exc.OperationalError(statement, None, exc) from exc
