"""Leases: renewed while a slow call runs, taken over quickly from a dead worker, and never
overwritten by a worker that lost its lease. Two workers on one outbox, on the real clock."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from codestream.delivery.leases import DEFAULT_LEASE_MS
from codestream.delivery.worker import DeliveryWorker
from codestream.domain.clock import system_clock
from codestream.domain.outbox import DeliveryStatus
from delivery.delivery_world import Delivery

LEASE_MS = 1_000


def _worker(delivery: Delivery, name: str, lease_ms: int = LEASE_MS) -> DeliveryWorker:
    return DeliveryWorker(
        delivery.uows, delivery.connector(), worker_id=name, clock=system_clock, lease_ms=lease_ms
    )


@contextlib.asynccontextmanager
async def _looping(worker: DeliveryWorker) -> AsyncIterator[None]:
    """`worker` looking at the outbox every 50 ms, as a live worker does, until the block ends."""

    async def loop() -> None:
        while True:
            await worker.run_once()
            await asyncio.sleep(0.05)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _until_sending(delivery: Delivery, item_id: int) -> None:
    for _ in range(200):
        if (await delivery.item(item_id)).status is DeliveryStatus.SENDING:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the row was never claimed")


async def test_a_call_longer_than_the_lease_keeps_its_lease_and_is_sent_once(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    row = await delivery.enqueue(channel, "card")
    delivery.emu.emulator.faults.add("create_conversation", latency=3 * LEASE_MS / 1000, count=1)
    one, two = _worker(delivery, "one"), _worker(delivery, "two")
    call = asyncio.create_task(one.run_once())
    await _until_sending(delivery, row.id)
    async with _looping(two):  # the other worker looks all along the slow call
        await call
    assert delivery.texts(channel) == ["card"]
    assert len(delivery.requests()) == 1
    assert two.stats.claimed == 0
    assert (await delivery.item(row.id)).status is DeliveryStatus.SENT


async def test_a_dead_workers_conversation_resumes_within_one_lease_in_order(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    first = await delivery.enqueue(channel, "first")
    await delivery.enqueue(channel, "second")
    delivery.emu.emulator.faults.add("create_conversation", latency=60, count=1)
    one, two = _worker(delivery, "one"), _worker(delivery, "two")
    call = asyncio.create_task(one.run_once())
    await _until_sending(delivery, first.id)
    await asyncio.sleep(2 * LEASE_MS / 1000)  # alive past two leases: nobody takes its row
    call.cancel()  # the worker dies mid-call: no release, its lease simply stops being renewed
    with contextlib.suppress(asyncio.CancelledError):
        await call
    died = time.monotonic()
    async with _looping(two):
        while delivery.texts(channel)[-1:] != ["second"]:
            assert time.monotonic() - died < 10, delivery.texts(channel)
            await asyncio.sleep(0.02)
        resumed = time.monotonic() - died
    assert resumed < LEASE_MS / 1000 + 1.0, resumed
    assert delivery.texts(channel) == ["first", "second"]  # order kept across workers


async def test_a_worker_that_lost_its_lease_records_nothing(delivery: Delivery) -> None:
    channel = delivery.channels[0]
    row = await delivery.enqueue(channel, "card")
    faults = delivery.emu.emulator.faults
    # The stalled worker's call ends in a 503 after two leases; the next holder's call is slow.
    faults.add("create_conversation", latency=2 * LEASE_MS / 1000, status=503, count=1)
    faults.add("create_conversation", latency=4 * LEASE_MS / 1000, count=1)
    one, two = _worker(delivery, "one"), _worker(delivery, "two")

    async def stalled(held: list[int]) -> None:  # one's renewals never reach the database
        return None

    one._leases._renew = stalled  # type: ignore[method-assign]
    call = asyncio.create_task(one.run_once())
    await _until_sending(delivery, row.id)
    async with _looping(two):
        await call  # one's 503 arrives while two holds the row
        item = await delivery.item(row.id)
        assert item.status is DeliveryStatus.SENDING and item.claimed_by == "two"
        for _ in range(200):
            if (await delivery.item(row.id)).status is DeliveryStatus.SENT:
                break
            await asyncio.sleep(0.05)
    assert delivery.texts(channel) == ["card"]  # sent once: one's failure changed nothing
    assert (await delivery.item(row.id)).attempts == 1


def test_the_default_lease_is_short() -> None:
    assert DEFAULT_LEASE_MS == 15_000
