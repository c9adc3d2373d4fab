"""Fixtures of the delivery tests (each runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.storage.uow import SqlUnitOfWorkFactory
from delivery.delivery_world import Delivery
from teams_emulator import ManualClock, run_emulator


@pytest.fixture
async def delivery(engine: AsyncEngine) -> AsyncIterator[Delivery]:
    clock = ManualClock(time.time())
    async with run_emulator(clock=clock) as emu:
        driver = emu.driver
        tenant = driver.create_tenant("Contoso")
        alice = driver.create_user(tenant, "Alice Smith")
        team = driver.create_team(tenant, "Engineering", [alice])
        channels = [await driver.create_channel(team, f"Channel {i}") for i in range(3)]
        bot = emu.emulator.add_bot(tenant=tenant, name="CodeStream")
        await driver.install_bot(bot, team, by=alice)
        async with httpx.AsyncClient() as http:
            yield Delivery(
                emu, clock, tenant, team, channels, bot, http, SqlUnitOfWorkFactory(engine)
            )
