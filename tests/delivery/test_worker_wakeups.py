"""A `codestream worker` in its own process is woken by PostgreSQL's NOTIFY when another process
queues rows: it delivers them long before its poll would have looked."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import new_document
from codestream.delivery.retry import deadline_at
from codestream.domain.clock import system_clock
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.storage.uow import SqlUnitOfWorkFactory
from teams_emulator import BotApp, Channel, RunningEmulator, Tenant, run_emulator, scene

POLL_S = 30.0
"""The worker's poll in these tests: a row delivered sooner was not found by polling."""
WITHIN_S = 15.0
"""How long a test waits for a row: half the poll."""


@pytest.fixture
async def served() -> AsyncIterator[tuple[RunningEmulator, Tenant, Channel, BotApp]]:
    async with run_emulator() as emu:
        cast = scene(emu.emulator, users=["Alice Smith"], channels=["General"])
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
        yield emu, cast.tenant, cast.channels[0], cast.bot


@pytest.fixture
async def worker(
    served: tuple[RunningEmulator, Tenant, Channel, BotApp], database_url: str, tmp_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    emu, _tenant, _channel, bot = served
    doc: dict[str, Any] = new_document("https://codestream.example.com")
    doc["integrations"] = {"msteams": {"microsoft.com": emu.msteams_block(bot)}}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(doc))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "codestream", "--config", str(config), "worker", "--idle-sleep", str(POLL_S)),
        env=dict(os.environ, CS_DATABASE_URL=database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_worker_process_is_woken_by_a_commit_in_another_process(
    served: tuple[RunningEmulator, Tenant, Channel, BotApp],
    worker: asyncio.subprocess.Process,
    engine: AsyncEngine,
) -> None:
    emu, tenant, channel, _bot = served
    uows = SqlUnitOfWorkFactory(engine)  # this process: no worker, so nothing wakes locally
    messages = emu.emulator.world.conversations[channel.id].messages

    async def queue(text: str) -> None:
        now = system_clock()
        async with uows() as uow:
            await uow.outbox.enqueue(
                NewOutboxItem(
                    "test",
                    tenant.id,
                    emu.service_url(tenant),
                    channel.id,
                    Operation.SEND,
                    {"type": "message", "text": text},
                ),
                now=now,
                deadline_at=deadline_at(now),
            )
            await uow.commit()

    async def arrived(text: str) -> None:
        while text not in {m.text for m in messages.values()}:
            assert worker.returncode is None, "the worker exited"
            await asyncio.sleep(0.02)

    # The first may be found by the worker's first look, or by the look it takes once it
    # listens; every later one only by a notification (the worker sleeps POLL_S between polls).
    for i in range(4):
        await queue(f"message {i}")
        await asyncio.wait_for(arrived(f"message {i}"), WITHIN_S)
