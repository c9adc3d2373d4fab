"""Fixtures of the delivery tests (each runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.shares.delivery_flow import flow  # noqa: F401  (the share flow, for the worker process)

from codestream.storage.uow import SqlUnitOfWorkFactory
from delivery.delivery_world import CHANNELS, Delivery
from teams_emulator import ManualClock, run_emulator, scene


@pytest.fixture
async def delivery(engine: AsyncEngine) -> AsyncIterator[Delivery]:
    clock = ManualClock(time.time())
    async with run_emulator(clock=clock) as emu:
        cast = scene(emu.emulator, users=["Alice Smith"], channels=CHANNELS)
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
        async with httpx.AsyncClient() as http:
            yield Delivery.of(emu, clock, cast, http, SqlUnitOfWorkFactory(engine))
