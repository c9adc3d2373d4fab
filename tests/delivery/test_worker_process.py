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
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import new_document
from codestream.delivery.retry import deadline_at
from codestream.domain.clock import system_clock
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage.uow import SqlUnitOfWorkFactory
from delivery.delivery_world import CHANNELS
from teams_emulator import BotApp, Channel, RunningEmulator, Tenant, run_emulator, scene


def _config(emu: RunningEmulator, bot: BotApp, path: Path) -> Path:
    doc: dict[str, Any] = new_document("https://codestream.example.com")
    doc["integrations"] = {"msteams": {"microsoft.com": emu.msteams_block(bot)}}
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
