"""Bot fixtures: our app and the Teams emulator, talking to each other over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from codestream.web.bot_endpoint import PATH
from support.bots import BotWorld, bot_config
from support.servers import free_port, serve_in_thread
from teams_emulator import run_emulator


@pytest.fixture
async def bot_world(database_url: str) -> AsyncIterator[BotWorld]:
    """Our app served on a real port, the emulator on another, the bot installed in a team."""
    async with run_emulator() as emu:
        driver = emu.driver
        tenant = driver.create_tenant("Contoso")
        alice = driver.create_user(tenant, "Alice Smith")
        bob = driver.create_user(tenant, "Bob Jones")
        team = driver.create_team(tenant, "Engineering", [alice, bob])
        channel = await driver.create_channel(team, "Releases")
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}{PATH}"
        bot = emu.emulator.add_bot(tenant=tenant, endpoint=endpoint, name="CodeStream")
        config = bot_config(emu, bot, database_url)
        app = create_app(config, hasher=Argon2Hasher(time_cost=1, memory_cost=8192))
        with serve_in_thread(app, port) as base:
            async with httpx.AsyncClient(base_url=base) as client:
                yield BotWorld(emu, bot, tenant, team, channel, alice, bob, endpoint, client)
