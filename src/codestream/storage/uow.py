"""The unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from codestream.storage.accounts import SqlTokens, SqlUsers
from codestream.storage.codemarks import SqlCodemarks, SqlPosts
from codestream.storage.msteams import SqlInboundActivities, SqlMsTeams
from codestream.storage.outbox import SqlOutbox, SqlShares
from codestream.storage.teams import SqlRepos, SqlTeams


class SqlUnitOfWork:
    """UnitOfWork on an async SQLAlchemy engine. Not committed means rolled back."""

    users: SqlUsers
    tokens: SqlTokens
    teams: SqlTeams
    repos: SqlRepos
    codemarks: SqlCodemarks
    posts: SqlPosts
    msteams: SqlMsTeams
    inbound: SqlInboundActivities
    outbox: SqlOutbox
    shares: SqlShares

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        conn = await self._engine.connect()
        await conn.begin()
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
        self.shares = SqlShares(conn)
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
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        """Make every change of this unit durable."""
        assert self._conn is not None, "commit() outside `async with`"
        await self._conn.commit()


class SqlUnitOfWorkFactory:
    """Opens SqlUnitOfWorks on one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
