"""bench/cards in its earlier layout, for comparison (`run.py --one-process`): the client, our app
(REST API, bot endpoint, its in-process delivery worker, over an ASGI transport) and the Teams
emulator all in one process on one event loop, so the emulator's and the client's work are
charged to the worker's latency. The same scenarios (`scenarios.py`), seeing the emulator in
memory (`teams.LocalTeams`, polling it every 5 ms on this loop).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from scenarios import CHANNELS, burst, latency, world

from codestream.config import config_from_document, new_document
from codestream.passwords import Argon2Hasher
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.web.app import create_app
from teams import LocalTeams
from teams_emulator import run_emulator, scene

BASE = "http://bench"


async def run(url: str, backend: str) -> list[dict[str, Any]]:
    """Both scenarios on one database."""
    async with run_emulator(transcript_limit=1_000_000) as emu:
        cast = scene(
            emu.emulator,
            users=["Ada"],
            channels=[f"ch{i}" for i in range(CHANNELS)],
            bot_endpoint=f"{BASE}/no-auth/provider-action/msteams",
        )
        doc = new_document("https://codestream.example.com")
        doc["apiServer"].update(selfRegistration=True)
        doc["integrations"] = {"msteams": {"bench": emu.msteams_block(cast.bot)}}
        config = config_from_document(doc, environ={"CS_DATABASE_URL": url})
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(url)
        hasher = Argon2Hasher(time_cost=1, memory_cost=8192)
        async with httpx.AsyncClient(timeout=30) as http:
            app = create_app(config, engine=engine, http=http, migrate=False, hasher=hasher)
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url=BASE, timeout=30) as client,
                app.router.lifespan_context(app),
            ):
                emu.driver.use_client(client)
                teams = LocalTeams(emu, cast, step=0.005)
                await teams.install()
                codemark_id = await world(teams, client, url)
                rows = [await burst(teams, client, codemark_id, backend)]
                rows.append(await latency(teams, client, codemark_id, backend))
        await engine.dispose()
        return rows
