"""Engines: URL dialect mapping, SQLite pragmas (WAL, foreign keys, busy timeout)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, PoolResetState
from sqlalchemy.util import await_only

from codestream.config import mask_url_password
from codestream.errors import ConfigError, DatabaseUnreachable
from codestream.storage import transactions

BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    """Whether the database URL names SQLite."""
    return url.startswith("sqlite")


def async_url(url: str) -> str:
    """The URL with the async driver we use: aiosqlite or asyncpg."""
    return _with_driver(url, sqlite="sqlite+aiosqlite", postgres="postgresql+asyncpg")


def sync_url(url: str) -> str:
    """The URL with the sync driver we use (for migrations): sqlite3 or psycopg."""
    return _with_driver(url, sqlite="sqlite", postgres="postgresql+psycopg")


def _with_driver(url: str, *, sqlite: str, postgres: str) -> str:
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"storage: {url!r:.20}... is not a database URL") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=sqlite).render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername=postgres).render_as_string(hide_password=False)
    raise ConfigError(f"storage: unsupported database {backend!r}; use SQLite or PostgreSQL")


SQLITE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
"""The database file and the files SQLite keeps beside it: all hold the data."""


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file (mode 0700) so the first start just works, and make
    the database readable by its owner only.

    The file is created empty with mode 0600 before SQLite opens it: SQLite gives its `-wal` and
    `-shm` files the database file's mode, so they are 0600 too. An existing file (or companion)
    with a wider mode is narrowed to 0600.
    """
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE))
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if companion.stat().st_mode & 0o777 & ~SQLITE_FILE_MODE:
                companion.chmod(SQLITE_FILE_MODE)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver: our BEGIN IMMEDIATE is the only BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # FULL: a commit is on disk before we answer OK, even after a power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _begin_immediate(connection: sa.Connection) -> None:
    # The sync engine's transactions (migrations, admin commands) begin as a unit of work's do
    # (transactions.begin): writers take the lock up front.
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc


def _rollback_if_open(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    # Replaces the pool's rollback-on-return: units of work end their own transactions on the
    # driver (transactions.py), and on SQLite a rollback-on-return was a hand-off to aiosqlite's
    # thread for every returned connection. A transaction still open (a unit of work cut off
    # mid-way) is rolled back; the check reads the driver's state without I/O.
    driver = dbapi_connection.driver_connection
    if state.asyncio_safe and driver is not None and transactions.in_transaction(driver):
        await_only(transactions.rollback(driver))


def install_sqlite_hooks(engine: sa.Engine) -> None:
    """Apply our pragmas and transaction mode to every connection of a sync SQLite engine."""
    sa.event.listen(engine, "connect", _configure_sqlite)
    sa.event.listen(engine, "begin", _begin_immediate)


def json_text(value: Any) -> str:
    """JSON columns' serializer: orjson (an outbox row's card is serialized on the bot's hot
    path; orjson is ~10x the standard library's speed), as text."""
    return orjson.dumps(value).decode()


def create_engine(url: str, *, pool_size: int | None = 5) -> AsyncEngine:
    """An async engine for the configured database.

    `pool_size` None: no pool, a new connection for each use (for an app driven from more than
    one event loop, where no connection may outlive the loop that opened it).
    """
    ensure_sqlite_dir(url)
    options: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": orjson.loads}
    if pool_size is None:
        options["poolclass"] = NullPool
    if is_sqlite(url):
        if pool_size is not None:
            options.update(pool_size=pool_size, max_overflow=0)
        # No BEGIN from SQLAlchemy: units of work begin their own (transactions.py).
        engine = create_async_engine(async_url(url), pool_reset_on_return=None, **options)
        sa.event.listen(engine.sync_engine, "connect", _configure_sqlite)
        sa.event.listen(engine.sync_engine, "reset", _rollback_if_open)
        return engine
    if pool_size is not None:
        options.update(pool_size=pool_size, max_overflow=pool_size)
    # Units of work begin and end their transactions on the driver (transactions.py), so
    # SQLAlchemy is told to leave transactions alone.
    engine = create_async_engine(
        async_url(url),
        async_creator=asyncpg_connector(url),
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
        **options,
    )
    sa.event.listen(engine.sync_engine, "reset", _rollback_if_open)
    sa.event.listen(engine.sync_engine, "connect", _mark_used)
    sa.event.listen(engine.sync_engine, "checkin", _mark_used)
    sa.event.listen(engine.sync_engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


def asyncpg_connector(url: str) -> Callable[[], Awaitable[Any]]:
    """A function opening a new asyncpg connection to the PostgreSQL database at `url`."""
    # The configured URL is libpq's (psql, psycopg and the migrations read it the same way).
    # asyncpg reads that form from a DSN (sslmode, sslrootcert, options, application_name, ...),
    # where SQLAlchemy would pass each query parameter on as a keyword asyncpg may not take;
    # libpq's connect_timeout is asyncpg's `timeout`.
    parsed = make_url(_with_driver(url, sqlite="sqlite", postgres="postgresql"))
    query = dict(parsed.query)
    timeout = query.pop("connect_timeout", None)
    dsn = parsed.set(query=query).render_as_string(hide_password=False)
    options: dict[str, Any] = {}
    if isinstance(timeout, str):
        try:
            options["timeout"] = float(timeout)
        except ValueError:
            raise ConfigError(
                f"storage: connect_timeout={timeout!r} in the database URL is not a number of"
                " seconds"
            ) from None

    async def connect() -> Any:
        return await asyncpg.connect(dsn=dsn, **options)

    return connect


PING_AFTER_IDLE_S = 0.5
"""A pooled PostgreSQL connection idle for longer is pinged before use (see _ping_if_idle)."""
_LAST_USED = "codestream_last_used"


def _mark_used(_dbapi_connection: Any, record: Any) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _ping_if_idle(dialect: sa.Dialect) -> Callable[[Any, Any, Any], None]:
    """A pool checkout listener: pessimistic disconnect handling (a server restart must not fail
    the next requests), but only for connections idle a while.

    SQLAlchemy's pool_pre_ping pinged at every checkout, one round trip per unit of work, which
    under load was a fifth of a bot turn's storage time. A connection returned moments ago was
    just used. (HikariCP skips its alive check for connections used in the last 500 ms the same
    way.) The ping itself is the dialect's, as pool_pre_ping's.
    """

    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) <= PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool drops this connection and checks out a new one.
            raise sa.exc.DisconnectionError("a pooled connection did not answer a ping") from exc

    return ping


def unreachable(url: str, exc: BaseException) -> DatabaseUnreachable:
    """The one-line error for a database we cannot connect to: where, the driver's first line of
    why, and the setting that names the database (no password in any of them)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = mask_url_password(lines[0][:200]) if lines else type(exc).__name__
    if is_sqlite(url):
        path = make_url(url).database or url
        return DatabaseUnreachable(
            f"cannot open the database {path}: {reason}",
            "check that storage.sqlite.path (or $CS_DATABASE_URL) names a file this user may "
            "read and write",
        )
    return DatabaseUnreachable(
        f"cannot connect to the database at {mask_url_password(url)}: {reason}",
        "check that the database server runs and that storage.postgres.url (or "
        "$CS_DATABASE_URL) names it, with the right user and password",
    )


@contextlib.contextmanager
def sync_connection(url: str) -> Iterator[sa.Connection]:
    """A sync connection for migrations and admin commands; a failure to connect raises
    `DatabaseUnreachable` (one line, no traceback worth showing), errors after it pass through."""
    engine = create_sync_engine(url)
    try:
        try:
            connection = engine.connect()
        except (sa.exc.DBAPIError, OSError) as exc:
            raise unreachable(url, exc) from None
        with connection:
            yield connection
    finally:
        engine.dispose()


def create_sync_engine(url: str) -> sa.Engine:
    """A sync engine, for migrations and admin commands."""
    ensure_sqlite_dir(url)
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    if is_sqlite(url):
        install_sqlite_hooks(engine)
    return engine
