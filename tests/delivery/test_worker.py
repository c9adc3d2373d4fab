"""The worker delivers the outbox to Teams, in order, paced, and records what happened."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.delivery.pacing import Limits
from codestream.delivery.pruning import ACTIVITY_KEYS_KEPT_MS, PRUNE_EVERY_MS
from codestream.delivery.recording import SentRecorder
from codestream.delivery.worker import WAKE_GATHER_S, DeliveryWorker
from codestream.domain.outbox import (
    FINISHED_KEPT_MS,
    DeliveryStatus,
    NewOutboxItem,
    Operation,
    OutboxItem,
)
from codestream.domain.ports import UnitOfWork
from codestream.storage.uow import SqlUnitOfWorkFactory
from delivery.delivery_world import CHANNELS, Delivery
from teams_emulator import run_emulator, scene

TEAMS_PER_CONVERSATION = ((1, 7), (2, 8), (30, 60), (3600, 1800))
"""Teams' limits per bot per conversation, as (seconds, calls) in a sliding window, written out
here rather than read from the pacer, so a pacer that waits too long cannot move its own bound."""
TEAMS_PER_TENANT = ((1, 50),)
"""Teams' limit per app per tenant: 50 calls a second."""


def _soonest_schedule(count: int) -> list[int]:
    """The whole seconds at which `count` calls to one conversation can go at the soonest: each
    call at the first second where every window, of both limits, still has room. (Every window
    is whole seconds long, so from 0 the soonest times are whole seconds.)"""
    windows = TEAMS_PER_CONVERSATION + TEAMS_PER_TENANT
    times: list[int] = []
    second = 0
    while len(times) < count:
        if all(sum(second - length < t <= second for t in times) < n for length, n in windows):
            times.append(second)
        else:
            second += 1
    return times


async def test_it_posts_each_queued_card_as_a_new_thread_and_records_its_id(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    first = await delivery.enqueue(channel, "card 1")
    second = await delivery.enqueue(channel, "card 2")
    worker = delivery.worker()
    await delivery.pump(worker)
    assert delivery.texts(channel) == ["card 1", "card 2"]
    sent = await delivery.item(first.id)
    assert sent.status is DeliveryStatus.SENT
    assert sent.attempts == 1
    assert sent.result_id is not None and sent.result_id.startswith(f"{channel.id};messageid=")
    assert (await delivery.item(second.id)).status is DeliveryStatus.SENT


async def test_it_paces_a_burst_to_one_channel_to_teams_limits_without_a_single_429(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    for i in range(70):
        await delivery.enqueue(channel, f"card {i}")
    started = delivery.clock()
    await delivery.pump(delivery.worker())
    elapsed = delivery.clock() - started
    assert delivery.texts(channel) == [f"card {i}" for i in range(70)]
    assert [r.status for r in delivery.requests()].count(429) == 0
    # 7 at 0 s and 1 at 1 s (8 per 2 s), again from 2 s...: 60 calls by 14 s fill the 30 s
    # window; the 61st to 67th go at 30 s, the 68th at 31 s, the 69th and 70th at 32 s.
    bound = _soonest_schedule(70)[-1]
    assert bound == 32
    assert bound <= elapsed <= bound + 0.1


async def test_it_updates_a_card_it_posted(delivery: Delivery) -> None:
    channel = delivery.channels[0]
    posted = await delivery.enqueue(channel, "first version")
    worker = delivery.worker()
    await delivery.pump(worker)
    thread = (await delivery.item(posted.id)).result_id
    assert thread is not None
    activity_id = thread.split(";messageid=")[1]
    update = await delivery.enqueue_raw(
        channel,
        Operation.UPDATE,
        {"id": activity_id, "type": "message", "text": "second version"},
        conversation_id=thread,
    )
    await delivery.pump(worker)
    assert delivery.texts(channel) == ["second version"]
    updated = await delivery.item(update.id)
    assert updated.status is DeliveryStatus.SENT and updated.result_id == activity_id


async def test_a_bad_request_fails_at_once_with_the_reason(delivery: Delivery) -> None:
    channel = delivery.channels[0]
    bad = await delivery.enqueue_raw(
        channel, Operation.SEND, {"type": "nonsense"}, conversation_id=channel.id
    )
    after = await delivery.enqueue(channel, "next card")
    await delivery.pump(delivery.worker())
    failed = await delivery.item(bad.id)
    assert failed.status is DeliveryStatus.FAILED
    assert failed.attempts == 1
    assert failed.last_error is not None and "400" in failed.last_error
    assert (await delivery.item(after.id)).status is DeliveryStatus.SENT


async def test_it_forgets_activity_ids_a_day_old_so_the_dedupe_log_does_not_grow_forever(
    delivery: Delivery,
) -> None:
    now = delivery.now_ms()
    async with delivery.uows() as uow:
        await uow.inbound.first_times(["19:c|old"], now=now - ACTIVITY_KEYS_KEPT_MS - 1)
        await uow.inbound.first_times(["19:c|today"], now=now - 3_600_000)
        await uow.commit()

    await delivery.worker().run_once()  # its first look at the outbox prunes

    async with delivery.uows() as uow:
        assert await uow.inbound.first_times(["19:c|old", "19:c|today"], now=now) == {"19:c|old"}


async def test_it_deletes_its_answers_and_shares_cards_a_week_after_delivery(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    answer = await delivery.enqueue_raw(
        channel, Operation.SEND, {"type": "message", "text": "an answer"}
    )
    card = await delivery.enqueue(channel, "a card")
    async with delivery.uows() as uow:  # the card is a share's: give it a share id
        await uow.outbox.enqueue(
            NewOutboxItem(
                kind="share",
                tenant_id=delivery.tenant.id,
                service_url=delivery.service_url,
                conversation_id=channel.id,
                operation=Operation.SEND,
                payload={"type": "message", "text": "a shared card"},
                share_id="share1",
            ),
            now=delivery.now_ms(),
            deadline_at=delivery.now_ms() + 1000,
        )
        await uow.commit()
    worker = delivery.worker()
    await delivery.pump(worker)
    assert (await delivery.item(answer.id)).status is DeliveryStatus.SENT

    delivery.clock.advance((FINISHED_KEPT_MS - PRUNE_EVERY_MS) / 1000)
    await worker.run_once()  # six days and 23 hours later: everything stays
    assert (await delivery.item(answer.id)).status is DeliveryStatus.SENT

    delivery.clock.advance(2 * PRUNE_EVERY_MS / 1000)
    await worker.run_once()
    async with delivery.uows() as uow:
        assert await uow.outbox.get(answer.id) is None
        assert await uow.outbox.get(card.id) is None  # a test card without a share
        share_rows = await uow.outbox.list_for_share("share1")
    assert share_rows == []  # the share keeps its card's outcome on its own row


async def test_a_flood_of_commits_wakes_it_once_per_gathering_window_not_once_per_commit(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    worker = delivery.worker()
    uows = SqlUnitOfWorkFactory(delivery.uows.engine, on_queued=worker.wake)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop, idle_sleep=30.0))
    await asyncio.sleep(0.1)  # its first look: nothing to send
    looks_before = worker.stats.looks
    started = time.monotonic()
    for n in range(100):  # 100 replies into one channel, each its own commit
        async with uows() as uow:
            await uow.outbox.enqueue(
                NewOutboxItem(
                    kind="bot_reply",
                    tenant_id=delivery.tenant.id,
                    service_url=delivery.service_url,
                    conversation_id=channel.id,
                    operation=Operation.SEND,
                    payload={"type": "message", "text": f"answer {n}"},
                ),
                now=delivery.now_ms(),
                deadline_at=delivery.now_ms() + 3_600_000,
            )
            await uow.commit()
    elapsed = time.monotonic() - started
    await asyncio.sleep(3 * WAKE_GATHER_S)
    stop.set()
    await running
    looks = worker.stats.looks - looks_before
    # The clock stands still, so Teams' pacing let the first 7 go; the rest wait their turn.
    sent = len(delivery.texts(channel))
    assert sent == 7
    # Woken 100 times. A look that sent something is followed by another at once (one message
    # per conversation a look); otherwise it looked at most once per gathering window.
    assert looks <= sent + elapsed / WAKE_GATHER_S + 2, (looks, elapsed)


async def test_cards_answered_together_are_recorded_even_if_one_cards_hook_fails(
    delivery: Delivery,
) -> None:
    good = await delivery.enqueue(delivery.channels[0], "good card")
    bad = await delivery.enqueue(delivery.channels[1], "bad card")

    async def hook(uow: UnitOfWork, item: OutboxItem, result: Any) -> None:
        if item.payload.get("text") == "bad card":
            raise RuntimeError("the sent-hook broke")

    worker = delivery.worker(on_sent=hook)
    with pytest.raises(RuntimeError, match="the sent-hook broke"):
        await worker.run_once()
    # Both calls reached Teams; the good card is recorded though it shared a transaction with
    # the bad one, which stays on its way (its lease runs out, then it is sent again).
    assert delivery.texts(delivery.channels[0]) == ["good card"]
    assert delivery.texts(delivery.channels[1]) == ["bad card"]
    assert (await delivery.item(good.id)).status is DeliveryStatus.SENT
    assert (await delivery.item(bad.id)).status is DeliveryStatus.SENDING


async def test_a_send_that_stops_waiting_for_its_record_does_not_strand_the_others(
    delivery: Delivery,
) -> None:
    # Two answers recorded together; the first one's sender is cancelled (its worker stopping)
    # while the shared transaction runs. The second must still learn it was recorded.
    rows = [await delivery.enqueue(channel, "card") for channel in delivery.channels[:2]]
    async with delivery.uows() as uow:
        now = delivery.now_ms()
        claimed = await uow.outbox.claim(
            [row.id for row in rows], worker_id="w1", now=now, lease_until=now + 60_000
        )
        await uow.commit()
    recorder = SentRecorder(delivery.uows, "w1", delivery.now_ms, None)
    first = asyncio.create_task(recorder.record(claimed[0], (), {"id": "m0"}))
    second = asyncio.create_task(recorder.record(claimed[1], (), {"id": "m1"}))
    await asyncio.sleep(0)  # both answers wait for the one transaction
    first.cancel()
    await asyncio.wait_for(second, 10)
    assert (await delivery.item(rows[1].id)).status is DeliveryStatus.SENT
    assert (await delivery.item(rows[0].id)).status is DeliveryStatus.SENT  # committed with it


async def test_the_hours_window_holds_though_hourly_counts_are_not_read_every_claim(
    delivery: Delivery,
) -> None:
    # An hour's limit of 100 instead of Teams' 1,800, so the hour fills in a test's time: the
    # worker reads a conversation's hourly count only when its shorter windows could have
    # brought it near the limit since the last read, and must still stop at the hundredth call.
    hour = ((1_000, 7), (2_000, 8), (30_000, 60), (3_600_000, 100))
    channel = delivery.channels[0]
    for i in range(105):
        await delivery.enqueue(channel, f"card {i}")
    await delivery.pump(delivery.worker(limits=Limits(conversation=hour)))
    assert delivery.texts(channel) == [f"card {i}" for i in range(105)]
    times = [request.time for request in delivery.requests() if request.status == 201]
    assert len(times) == 105
    assert times[99] - times[0] < 3_600  # the first hundred as fast as the short windows allow
    assert times[100] - times[0] >= 3_600  # the hundred-and-first waits for the hour
    assert all(later - earlier >= 3_600 for earlier, later in zip(times, times[100:], strict=False))


async def test_a_call_claimed_ahead_waits_for_its_window_in_real_time(engine: AsyncEngine) -> None:
    # On the system clock the worker claims the rows whose windows open within CLAIM_AHEAD_MS
    # and holds each call until then: Teams (the emulator, on real time) must see the windows
    # kept exactly as when every call was claimed at its moment.
    async with run_emulator() as emu:
        cast = scene(emu.emulator, users=["Alice Smith"], channels=CHANNELS)
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
        async with httpx.AsyncClient() as http:
            world = Delivery.of(emu, time.time, cast, http, SqlUnitOfWorkFactory(engine))  # type: ignore[arg-type]
            channel = world.channels[0]
            for i in range(10):
                await world.enqueue(channel, f"card {i}")
            worker = DeliveryWorker(world.uows, world.connector(), worker_id="live")
            stop = asyncio.Event()
            running = asyncio.create_task(worker.run_forever(stop, idle_sleep=0.05))
            for _ in range(300):
                if len(world.texts(channel)) == 10:
                    break
                await asyncio.sleep(0.05)
            stop.set()
            await running
    assert world.texts(channel) == [f"card {i}" for i in range(10)]
    calls = world.requests()
    assert [c.status for c in calls].count(429) == 0
    times = [c.time for c in calls if c.status == 201]
    # 7 a second, 8 in two: seven at once, the eighth a second later, the ninth and tenth two.
    assert times[6] - times[0] < 1.0
    assert times[7] - times[0] >= 1.0
    assert times[8] - times[0] >= 2.0
    assert worker.stats.claimed == 10
