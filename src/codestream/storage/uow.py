"""The unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable
from types import TracebackType

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from codestream.storage import transactions
from codestream.storage.accounts import SqlTokens, SqlUsers
from codestream.storage.codemarks import SqlCodemarks, SqlPosts
from codestream.storage.engine import BUSY_TIMEOUT_MS
from codestream.storage.inbound import SqlInboundActivities
from codestream.storage.msteams import SqlMsTeams
from codestream.storage.notifications import SqlNotifications
from codestream.storage.notify import OUTBOX_CHANNEL
from codestream.storage.outbox import SqlOutbox
from codestream.storage.sendlog import SqlSendLog
from codestream.storage.shares import SqlShares
from codestream.storage.teams import SqlRepos, SqlTeams


class SqlUnitOfWork:
    """UnitOfWork on an async SQLAlchemy engine. Not committed means rolled back.

    `on_queued` is called after a commit that added outbox rows (to wake a delivery worker in
    this process); on PostgreSQL that commit also NOTIFYs the workers of other processes.
    A `read_only` unit takes no write lock (see `transactions.begin`) and can't write.
    """

    users: SqlUsers
    tokens: SqlTokens
    teams: SqlTeams
    repos: SqlRepos
    codemarks: SqlCodemarks
    posts: SqlPosts
    msteams: SqlMsTeams
    inbound: SqlInboundActivities
    outbox: SqlOutbox
    sends: SqlSendLog
    shares: SqlShares
    notifications: SqlNotifications

    def __init__(
        self,
        engine: AsyncEngine,
        on_queued: Callable[[], None] | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self._engine = engine
        self._on_queued = on_queued
        self._read_only = read_only
        self._conn: AsyncConnection | None = None
        self._turn: asyncio.Lock | None = None
        self._transaction: transactions.Driver | None = None  # in a transaction begun here

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._engine.dialect.name == "sqlite" and not self._read_only:
            turn = _sqlite_writer_lock(self._engine)
            try:
                await asyncio.wait_for(turn.acquire(), BUSY_TIMEOUT_MS / 1000)
            except TimeoutError:
                # What SQLite itself would say after its busy timeout.
                raise sa.exc.OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                ) from None
            self._turn = turn
        try:
            conn = await self._engine.connect()
            try:
                self._transaction = await transactions.begin(conn, read_only=self._read_only)
            except BaseException:
                await conn.close()
                raise
        except BaseException:
            self._release_turn()
            raise
        self._conn = conn
        self.users = SqlUsers(conn)
        self.tokens = SqlTokens(conn)
        self.teams = SqlTeams(conn)
        self.repos = SqlRepos(conn)
        self.codemarks = SqlCodemarks(conn)
        self.posts = SqlPosts(conn)
        self.msteams = SqlMsTeams(conn)
        self.inbound = SqlInboundActivities(conn)
        self.outbox = SqlOutbox(conn)
        self.sends = SqlSendLog(conn)
        self.shares = SqlShares(conn)
        self.notifications = SqlNotifications(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        transaction, self._transaction = self._transaction, None
        try:
            if transaction is not None:  # not committed
                await transactions.rollback(transaction)
        finally:
            try:
                await conn.close()
            finally:
                self._release_turn()

    def _release_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()

    async def commit(self) -> None:
        """Make every change of this unit durable."""
        assert self._conn is not None, "commit() outside `async with`"
        transaction, self._transaction = self._transaction, None
        assert transaction is not None, "commit() twice"
        queued = self.outbox.queued
        # On PostgreSQL the commit also wakes the workers of other processes (notify.py).
        notify = OUTBOX_CHANNEL if queued and isinstance(transaction, asyncpg.Connection) else None
        await transactions.commit(transaction, notify=notify)
        if self._on_queued is not None and queued:
            self._on_queued()


_SQLITE_WRITERS: weakref.WeakKeyDictionary[
    AsyncEngine, tuple[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def _sqlite_writer_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The lock this process's units of work on a SQLite engine take in turn.

    Every unit of work on SQLite begins with BEGIN IMMEDIATE (engine.py), so only one can be open
    at a time anyway; without this lock the others would poll for SQLite's write lock in its busy
    handler, sleeping up to 100 ms between tries. Waiting here instead is first come, first
    served and wakes the next one as soon as the lock is free. Other processes still meet in
    SQLite's busy handler.
    """
    loop = asyncio.get_running_loop()
    held = _SQLITE_WRITERS.get(engine)
    if held is None or held[0] is not loop:
        held = (loop, asyncio.Lock())
        _SQLITE_WRITERS[engine] = held
    return held[1]


class SqlUnitOfWorkFactory:
    """Opens SqlUnitOfWorks on one engine; `on_queued` as for SqlUnitOfWork."""

    def __init__(self, engine: AsyncEngine, on_queued: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.on_queued = on_queued

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.on_queued, read_only=read_only)
