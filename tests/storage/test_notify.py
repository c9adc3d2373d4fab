"""PostgreSQL's notifications of queued outbox rows: heard by a listener in another process's
place, and heard again after the listener's connection was dropped."""

from __future__ import annotations

import asyncio
import uuid

import psycopg

from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.storage import engine as engines
from codestream.storage.notify import OutboxNotifications
from codestream.storage.uow import SqlUnitOfWorkFactory
from support.databases import PostgresSchema


async def test_a_listener_hears_queued_rows_and_again_after_losing_its_connection(
    _postgres_schema: PostgresSchema,
) -> None:
    _postgres_schema.truncate()
    name = f"cs_listen_{uuid.uuid4().hex[:8]}"
    listener = OutboxNotifications(
        f"{_postgres_schema.url}&application_name={name}", reconnect_after=0.05
    )
    wakes: asyncio.Queue[None] = asyncio.Queue()
    engine = engines.create_engine(_postgres_schema.url, pool_size=1)
    uows = SqlUnitOfWorkFactory(engine)  # no worker here: only the listener can hear it

    async def queue(text: str) -> None:
        async with uows() as uow:
            item = NewOutboxItem(
                "test", "t1", "https://smba.example/", "19:c", Operation.SEND, {"text": text}
            )
            await uow.outbox.enqueue(item, now=1, deadline_at=2)
            await uow.commit()

    async def woken() -> None:
        await asyncio.wait_for(wakes.get(), 10)

    listening = asyncio.create_task(listener.run(lambda: wakes.put_nowait(None)))
    try:
        await woken()  # it looks once as it starts listening: rows may have waited
        await queue("one")
        await woken()
        await queue("two")
        await woken()

        with psycopg.connect(_postgres_schema.base_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (name,),
            )
        await woken()  # back, it looks once: rows queued while it was deaf
        await queue("three")
        await woken()
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await engine.dispose()
