"""`codestream worker` as a real process: SIGKILL mid-batch loses nothing; SIGTERM exits cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.shares.delivery_flow import Flow

from codestream.config import new_document
from codestream.delivery.retry import deadline_at
from codestream.domain.clock import system_clock
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation, OutboxItem
from codestream.domain.services.reply_threads import REPLY_KIND
from codestream.storage.outbox import outbox_item
from codestream.storage.tables import outbox
from codestream.storage.uow import SqlUnitOfWorkFactory
from delivery.delivery_world import CHANNELS
from teams_emulator import BotApp, Channel, RunningEmulator, Tenant, run_emulator, scene


def _config(
    emu: RunningEmulator, bot: BotApp, path: Path, delivery: dict[str, Any] | None = None
) -> Path:
    doc: dict[str, Any] = new_document("https://codestream.example.com")
    doc["integrations"] = {"msteams": {"microsoft.com": emu.msteams_block(bot)}}
    if delivery is not None:
        doc["delivery"] = delivery
    path.write_text(json.dumps(doc))
    return path


async def _start(config: Path, database_url: str) -> asyncio.subprocess.Process:
    env = dict(os.environ, CS_DATABASE_URL=database_url)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "codestream",
        "--config",
        str(config),
        "worker",
        "--lease-seconds",
        "2",
        "--idle-sleep",
        "0.05",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _until(check: Any, within: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + within
    while not await check():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
async def served() -> AsyncIterator[tuple[RunningEmulator, Tenant, list[Channel], BotApp]]:
    async with run_emulator() as emu:
        cast = scene(emu.emulator, users=["Alice Smith"], channels=CHANNELS)
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
        yield emu, cast.tenant, cast.channels, cast.bot


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_and_restarted_loses_nothing(
    served: tuple[RunningEmulator, Tenant, list[Channel], BotApp],
    engine: AsyncEngine,
    database_url: str,
    tmp_path: Path,
) -> None:
    emu, tenant, channels, bot = served
    uows = SqlUnitOfWorkFactory(engine)
    emu.emulator.faults.add("create_conversation", latency=0.03)  # slow Teams: sends overlap
    texts: dict[str, list[str]] = {c.id: [f"{c.id} card {i}" for i in range(12)] for c in channels}
    now = system_clock()
    async with uows() as uow:
        for i in range(12):
            for channel in channels:
                payload = {
                    "isGroup": True,
                    "channelData": {"channel": {"id": channel.id}},
                    "activity": {"type": "message", "text": texts[channel.id][i]},
                }
                await uow.outbox.enqueue(
                    NewOutboxItem(
                        "test",
                        tenant.id,
                        emu.service_url(tenant),
                        channel.id,
                        Operation.CREATE_CONVERSATION,
                        payload,
                    ),
                    now=now,
                    deadline_at=deadline_at(now),
                )
        await uow.commit()

    def arrived() -> Counter[str]:
        counts: Counter[str] = Counter()
        for channel in channels:
            for message in emu.emulator.world.conversations[channel.id].messages.values():
                counts[message.text] += 1
        return counts

    async def some_arrived() -> bool:
        return sum(arrived().values()) >= 8

    async def drained() -> bool:
        async with uows() as uow:
            depth = await uow.outbox.depth()
        return depth[DeliveryStatus.SENT] + depth[DeliveryStatus.FAILED] == 36

    config = _config(emu, bot, tmp_path / "config.json")
    first = await _start(config, database_url)
    await _until(some_arrived, 30)
    first.kill()  # SIGKILL, mid-batch
    await first.wait()
    async with uows() as uow:
        in_flight = (await uow.outbox.depth())[DeliveryStatus.SENDING]
    assert sum(arrived().values()) < 36, "the worker finished before it was killed"

    second = await _start(config, database_url)
    await _until(drained, 60)
    second.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(second.communicate(), 20)
    assert second.returncode == 0, output.decode()

    counts = arrived()
    assert set(counts) == {t for ts in texts.values() for t in ts}  # nothing lost
    duplicates = sum(n - 1 for n in counts.values())
    # The only window: rows the killed worker had claimed (sending) when it died.
    assert duplicates <= in_flight
    async with uows() as uow:
        depth = await uow.outbox.depth()
    assert depth[DeliveryStatus.SENT] == 36
    for channel in channels:  # first arrivals in the order enqueued
        seen: list[str] = []
        for message in emu.emulator.world.conversations[channel.id].messages.values():
            if message.text not in seen:
                seen.append(message.text)
        assert seen == texts[channel.id]


@pytest.mark.slow
async def test_a_worker_gives_up_on_a_reply_at_the_deadline_of_its_own_config(
    flow: Flow, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    w, emu = flow.world, flow.delivery.emu
    await flow.share()  # the card waits: no worker runs yet
    written = await w.client.post(
        f"/api/v1/codemarks/{w.codemark['id']}/replies",
        json={"text": "Capped at 5 attempts."},
        headers=w.alice.headers,
    )
    assert written.status_code == 201, written.text
    emu.emulator.faults.add("send_to_conversation", status=502)  # the reply never gets in

    async def reply() -> OutboxItem | None:
        async with engine.connect() as conn:
            query = sa.select(outbox).where(outbox.c.kind == REPLY_KIND)
            rows = (await conn.execute(query)).all()
        return outbox_item(rows[0]) if rows else None

    async def reply_finished() -> bool:
        found = await reply()
        return found is not None and found.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED)

    # The worker sends the card, then queues the reply written meanwhile: with its deadline.
    config = _config(emu, flow.delivery.bot, tmp_path / "config.json", {"deadlineHours": 0.001})
    process = await _start(config, database_url)
    try:
        await _until(reply_finished, 60)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, output.decode()
    failed = await reply()
    assert failed is not None and failed.status is DeliveryStatus.FAILED
    assert failed.deadline_at - failed.created_at == 3_600  # 0.001 hours
    assert failed.last_error is not None
    assert "deadline" in failed.last_error and "502" in failed.last_error
    refused = emu.emulator.transcript.query(route="send_to_conversation")
    assert len(refused) == failed.attempts and {c.status for c in refused} == {502}
    assert (await flow.status())["status"] == "sent"
    assert len(flow.cards()) == 1
