"""Units of work on one SQLite database, in one process: they take turns, first come first
served, instead of polling for SQLite's write lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
