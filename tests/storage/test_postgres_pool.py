"""PostgreSQL connections in the pool survive the server dropping them."""

from __future__ import annotations

import asyncio

import asyncpg
import psycopg
import pytest

from codestream.errors import ConfigError
from codestream.storage import engine as engines
from codestream.storage import transactions
from codestream.storage.uow import SqlUnitOfWork
from support.databases import PostgresSchema


async def test_a_connection_the_server_dropped_is_replaced_before_use(
    _postgres_schema: PostgresSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.05)
    _postgres_schema.truncate()
    engine = engines.create_engine(_postgres_schema.url, pool_size=1)
    try:
        async with engine.connect() as conn:
            pid = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar()
        # An administrator restarts the server, or a proxy closes idle connections.
        with psycopg.connect(_postgres_schema.base_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await asyncio.sleep(0.1)

        async with SqlUnitOfWork(engine) as uow:
            assert await uow.inbound.first_time("19:c|after-restart", now=1)
            await uow.commit()
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        await engine.dispose()


async def test_the_url_takes_libpq_parameters(_postgres_schema: PostgresSchema) -> None:
    # The same URL serves the migrations (psycopg, libpq) and the server (asyncpg).
    _postgres_schema.truncate()
    url = f"{_postgres_schema.url}&sslmode=disable&connect_timeout=5&application_name=cs-check"
    engine = engines.create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            settings = await conn.exec_driver_sql(
                "SELECT current_setting('application_name'), current_schema()"
            )
            assert settings.one() == ("cs-check", _postgres_schema.name)
    finally:
        await engine.dispose()


def test_a_connect_timeout_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ConfigError, match="connect_timeout='soon'"):
        engines.create_engine("postgresql://cs@db/codestream?connect_timeout=soon")


async def test_a_commit_after_a_failed_statement_is_an_error(
    _postgres_schema: PostgresSchema,
) -> None:
    _postgres_schema.truncate()
    engine = engines.create_engine(_postgres_schema.url, pool_size=1)
    try:
        with pytest.raises(RuntimeError, match="rolled it back"):
            async with SqlUnitOfWork(engine) as uow:
                assert await uow.inbound.first_time("19:c|lost", now=1)
                with pytest.raises(asyncpg.UndefinedTableError):
                    await transactions.driver_of(uow._conn).execute("SELECT * FROM nowhere")  # type: ignore[arg-type]
                await uow.commit()  # PostgreSQL answers ROLLBACK
        async with SqlUnitOfWork(engine) as uow:
            assert await uow.inbound.first_time("19:c|lost", now=2)
    finally:
        await engine.dispose()
