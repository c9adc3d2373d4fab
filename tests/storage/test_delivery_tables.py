"""The shared storage contract the bot and the delivery worker build on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage.uow import SqlUnitOfWork


async def test_it_remembers_an_activity_key_once_across_transactions(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.inbound.first_time("19:a|1", now=1)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert not await uow.inbound.first_time("19:a|1", now=2)
        assert await uow.inbound.first_time("19:a|2", now=2)


async def test_it_keeps_an_enqueued_message_only_when_committed(engine: AsyncEngine) -> None:
    item = NewOutboxItem(
        kind="bot_reply",
        tenant_id="t1",
        service_url="https://smba.trafficmanager.net/amer/t1/",
        conversation_id="19:c@thread.tacv2",
        operation=Operation.SEND,
        payload={"type": "message", "text": "hi"},
    )
    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue(item, now=10, deadline_at=100)
        # no commit: rolled back
    async with SqlUnitOfWork(engine) as uow:
        queued = await uow.outbox.enqueue(item, now=20, deadline_at=200)
        await uow.commit()
    assert queued.status is DeliveryStatus.QUEUED
    assert queued.payload == {"type": "message", "text": "hi"}
    assert queued.next_attempt_at == 20
    async with engine.connect() as conn:
        count = (await conn.exec_driver_sql("SELECT count(*) FROM outbox")).scalar()
    assert count == 1
