"""Units of work in one process: on SQLite they take turns, first come first served, instead of
polling for SQLite's write lock; on both backends a transaction left open never outlives the
connection's return to the pool."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from codestream.storage import transactions
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWork


async def test_concurrent_units_of_work_on_sqlite_run_in_arrival_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/order.db"
    await asyncio.to_thread(upgrade_database, url)
    engine = create_engine(url)
    entered: list[int] = []

    async def write(n: int) -> None:
        async with SqlUnitOfWork(engine) as uow:
            entered.append(n)
            assert await uow.inbound.first_time(f"19:c|{n}", now=n)
            await asyncio.sleep(0)  # let the others pile up behind this one
            await uow.commit()

    try:
        await asyncio.gather(*(write(n) for n in range(30)))
        async with SqlUnitOfWork(engine) as uow:
            assert await uow.inbound.first_times([f"19:c|{n}" for n in range(31)], now=99) == {
                "19:c|30"
            }
    finally:
        await engine.dispose()

    assert entered == list(range(30))


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(
    database_url: str,
) -> None:
    engine = create_engine(database_url, pool_size=1)  # the next unit of work gets the same one
    try:
        async with engine.connect() as conn:  # a unit of work cut off before it ended
            await transactions.begin(conn)
            await transactions.driver_of(conn).execute(
                "INSERT INTO inbound_activities (key, received_at) VALUES ('19:c|left', 1)"
            )
        async with SqlUnitOfWork(engine) as uow:  # begins: no transaction was left open
            assert await uow.inbound.first_times(["19:c|left", "19:c|next"], now=2) == {
                "19:c|left",
                "19:c|next",
            }
            await uow.commit()
    finally:
        await engine.dispose()


async def test_a_unit_of_work_cancelled_mid_statement_ends_cancelled_and_writes_nothing(
    database_url: str,
) -> None:
    # A worker stopping (or a test ending its loop) cancels a claim while a statement runs; the
    # unit of work must end with the CancelledError, not with an error of its rollback, and its
    # writes must be gone.
    engine = create_engine(database_url, pool_size=1)
    slow = "SELECT pg_sleep(5)" if database_url.startswith("postgresql") else None
    started = asyncio.Event()

    async def write_then_wait() -> None:
        async with SqlUnitOfWork(engine) as uow:
            assert await uow.inbound.first_time("19:c|cut", now=1)
            started.set()
            if slow is not None:  # through SQLAlchemy, as the repositories' statements run
                assert uow._conn is not None
                await uow._conn.execute(sa.text(slow))
            else:
                await asyncio.sleep(5)

    try:
        task = asyncio.create_task(write_then_wait())
        await started.wait()
        await asyncio.sleep(0.1)  # inside the statement
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with SqlUnitOfWork(engine) as uow:
            assert await uow.inbound.first_times(["19:c|cut"], now=2) == {"19:c|cut"}
            await uow.commit()
    finally:
        await engine.dispose()
