"""Faults at Teams' side: outages, throttling, a token endpoint down, a removed bot, races."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import Config
from codestream.domain.outbox import DeliveryStatus
from codestream.storage.engine import create_engine
from codestream.storage.tables import (
    msteams_channel_connections,
    msteams_channels,
    msteams_teams,
    teams,
    users,
)
from codestream.storage.uow import SqlUnitOfWorkFactory
from delivery.delivery_world import Delivery


async def test_a_minute_of_503s_delays_messages_but_every_one_arrives_in_order(
    delivery: Delivery,
) -> None:
    delivery.emu.emulator.faults.add("create_conversation", status=503, duration=60)
    expected = {}
    for channel in delivery.channels:
        expected[channel.id] = [f"{channel.id} card {i}" for i in range(5)]
    for i in range(5):
        for channel in delivery.channels:
            await delivery.enqueue(channel, expected[channel.id][i])
    worker = delivery.worker()
    await worker.run_once()
    async with delivery.uows() as uow:
        depth = await uow.outbox.depth()
    assert depth[DeliveryStatus.RETRYING] == len(delivery.channels)
    await delivery.pump(worker)
    for channel in delivery.channels:
        assert delivery.texts(channel) == expected[channel.id]
    statuses = [r.status for r in delivery.requests()]
    assert statuses.count(503) >= 3 and statuses.count(201) == 15
    assert worker.stats.failed == 0


async def test_a_429_is_honoured_no_request_goes_before_retry_after(delivery: Delivery) -> None:
    channel = delivery.channels[0]
    delivery.emu.emulator.faults.add(
        "create_conversation", status=429, headers={"Retry-After": "7"}, count=1
    )
    first = await delivery.enqueue(channel, "card 1")
    await delivery.enqueue(channel, "card 2")
    worker = delivery.worker()
    await worker.run_once()
    waiting = await delivery.item(first.id)
    assert waiting.status is DeliveryStatus.RETRYING
    assert waiting.last_error is not None and "429" in waiting.last_error
    await delivery.pump(worker)
    calls = delivery.requests()
    throttled = [c for c in calls if c.status == 429]
    assert len(throttled) == 1
    later = [c.time for c in calls if c.seq > throttled[0].seq]
    assert later and min(later) >= throttled[0].time + 7
    assert delivery.texts(channel) == ["card 1", "card 2"]


async def test_the_token_endpoint_down_means_retrying_not_failed(delivery: Delivery) -> None:
    channel = delivery.channels[0]
    delivery.emu.emulator.faults.add("token", status=503, duration=120)
    item = await delivery.enqueue(channel, "card")
    worker = delivery.worker()
    await worker.run_once()
    waiting = await delivery.item(item.id)
    assert waiting.status is DeliveryStatus.RETRYING
    assert waiting.last_error is not None and "token endpoint" in waiting.last_error
    assert waiting.next_attempt_at > delivery.now_ms()
    await delivery.pump(worker)
    assert (await delivery.item(item.id)).status is DeliveryStatus.SENT
    assert delivery.texts(channel) == ["card"]
    assert worker.stats.failed == 0


async def test_a_message_is_failed_with_the_reason_after_the_deadline(delivery: Delivery) -> None:
    channel = delivery.channels[0]
    delivery.emu.emulator.faults.add("create_conversation", status=502)
    item = await delivery.enqueue(channel, "card", deadline_hours=0.05)  # 3 minutes
    started = delivery.clock()
    await delivery.pump(delivery.worker())
    failed = await delivery.item(item.id)
    assert failed.status is DeliveryStatus.FAILED
    assert failed.last_error is not None
    assert "deadline" in failed.last_error and "502" in failed.last_error
    assert failed.attempts > 3
    assert delivery.clock() - started == pytest.approx(180, abs=0.01)


async def _connect(engine: AsyncEngine, delivery: Delivery) -> None:
    now = delivery.now_ms()
    async with engine.begin() as conn:
        await conn.execute(
            users.insert().values(
                id="u1",
                email="alice@example.com",
                username="alice",
                password_hash="x",
                created_at=now,
                modified_at=now,
            )
        )
        await conn.execute(
            teams.insert().values(
                id="t1", name="Team", creator_id="u1", created_at=now, modified_at=now
            )
        )
        await conn.execute(
            msteams_teams.insert().values(
                id=delivery.team.id,
                tenant_id=delivery.tenant.id,
                name="Engineering",
                service_url=delivery.service_url,
                created_at=now,
                modified_at=now,
            )
        )
        for channel in delivery.channels:
            await conn.execute(
                msteams_channels.insert().values(
                    id=channel.id,
                    team_id=delivery.team.id,
                    tenant_id=delivery.tenant.id,
                    name=channel.id,
                    created_at=now,
                    modified_at=now,
                )
            )
            await conn.execute(
                msteams_channel_connections.insert().values(
                    channel_id=channel.id, team_id="t1", connected_by="u1", created_at=now
                )
            )


async def test_a_removed_bot_fails_fast_and_disconnects_the_channel(
    delivery: Delivery, engine: AsyncEngine
) -> None:
    await _connect(engine, delivery)
    channel, other = delivery.channels[0], delivery.channels[1]
    team, alice = delivery.team, delivery.emu.emulator.world.users
    await delivery.emu.driver.remove_bot(delivery.bot, team, by=next(iter(alice.values())))
    item = await delivery.enqueue(channel, "card")
    await delivery.worker().run_once()
    failed = await delivery.item(item.id)
    assert failed.status is DeliveryStatus.FAILED
    assert failed.attempts == 1
    assert failed.last_error is not None and "403" in failed.last_error
    table = msteams_channel_connections
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(table.c.channel_id, table.c.disconnected_at))).all()
    disconnected = {channel_id for channel_id, at in rows if at is not None}
    assert disconnected == {channel.id}
    assert other.id not in disconnected


async def _disconnected(engine: AsyncEngine) -> set[str]:
    table = msteams_channel_connections
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(table.c.channel_id, table.c.disconnected_at))).all()
    return {channel_id for channel_id, at in rows if at is not None}


async def test_a_deleted_channel_fails_at_once_and_is_disconnected(
    delivery: Delivery, engine: AsyncEngine
) -> None:
    await _connect(engine, delivery)
    channel, other = delivery.channels[0], delivery.channels[1]
    await delivery.emu.driver.delete_channel(channel)
    item = await delivery.enqueue(channel, "card")
    kept = await delivery.enqueue(other, "card for the channel still there")
    worker = delivery.worker()
    await worker.run_once()
    failed = await delivery.item(item.id)
    assert failed.status is DeliveryStatus.FAILED
    assert failed.attempts == 1
    assert failed.last_error is not None and "404" in failed.last_error
    assert "ConversationNotFound" in failed.last_error
    assert [r.status for r in delivery.requests() if channel.id in r.request_body.decode()] == [404]
    assert await _disconnected(engine) == {channel.id}
    async with delivery.uows() as uow:
        targets = [t.channel_id for t in await uow.shares.list_targets("t1")]
    assert channel.id not in targets and other.id in targets
    assert (await delivery.item(kept.id)).status is DeliveryStatus.SENT
    assert delivery.texts(other) == ["card for the channel still there"]


@pytest.mark.parametrize("status", [412, 504])
async def test_a_412_or_504_is_retried_and_the_card_arrives_once(
    delivery: Delivery, engine: AsyncEngine, status: int
) -> None:
    await _connect(engine, delivery)
    channel = delivery.channels[0]
    delivery.emu.emulator.faults.add("create_conversation", status=status, count=2)
    item = await delivery.enqueue(channel, "card")
    worker = delivery.worker()
    await worker.run_once()
    waiting = await delivery.item(item.id)
    assert waiting.status is DeliveryStatus.RETRYING
    assert waiting.last_error is not None and str(status) in waiting.last_error
    await delivery.pump(worker)
    sent = await delivery.item(item.id)
    assert sent.status is DeliveryStatus.SENT and sent.attempts == 3
    assert [r.status for r in delivery.requests()] == [status, status, 201]
    assert delivery.texts(channel) == ["card"]
    assert await _disconnected(engine) == set()


async def test_a_connection_dropped_mid_send_is_retried_and_the_card_arrives_once(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    # Teams closes the connection before answering, having stored nothing: the worker cannot
    # know, so it tries again; Teams then has the card once.
    delivery.emu.emulator.faults.add("create_conversation", drop=True, count=1)
    item = await delivery.enqueue(channel, "card")
    worker = delivery.worker()
    await worker.run_once()
    waiting = await delivery.item(item.id)
    assert waiting.status is DeliveryStatus.RETRYING
    assert waiting.last_error is not None
    await delivery.pump(worker)
    sent = await delivery.item(item.id)
    assert sent.status is DeliveryStatus.SENT and sent.attempts == 2
    calls = delivery.requests()
    assert [(c.status, c.error) for c in calls] == [
        (None, "connection dropped (injected)"),
        (201, None),
    ]
    assert delivery.texts(channel) == ["card"]
    assert worker.stats.failed == 0


async def test_two_workers_on_one_outbox_never_send_a_row_twice(
    delivery: Delivery, config: Config
) -> None:
    second_engine = create_engine(config.database_url)
    try:
        texts = []
        for i in range(12):
            for channel in delivery.channels:
                texts.append(f"{channel.id} {i}")
                await delivery.enqueue(channel, texts[-1])
        one = delivery.worker("one")
        two = delivery.worker("two")
        two._uow = SqlUnitOfWorkFactory(second_engine)  # its own pool of connections
        # One row per claim: while one worker holds a row, the other must take a different one.
        await delivery.pump(one, two, limit=1)
        accepted = [c for c in delivery.requests() if c.status == 201]
        assert len(accepted) == len(texts)
        for channel in delivery.channels:
            assert delivery.texts(channel) == [t for t in texts if t.startswith(channel.id)]
        assert one.stats.claimed > 0
        assert two.stats.claimed > 0
        assert one.stats.sent + two.stats.sent == len(texts)
    finally:
        await second_engine.dispose()
