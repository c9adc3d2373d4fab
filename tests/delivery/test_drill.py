"""The multi-host drill: two `codestream serve` and two `codestream worker` processes on one
PostgreSQL, Teams' activities and the API's shares and replies spread over both servers; one
server and one worker are killed (SIGKILL) mid-run. Nothing is lost, duplicates stay inside the
documented window (messages on their way when the worker died), and the dead worker's
conversations are resumed once its leases (15 s) run out."""

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

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import config_from_document, new_document
from codestream.domain.outbox import DeliveryStatus
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.web.bot_endpoint import PATH
from codestream.wiring import build_runtime
from support.api import Api
from support.connected_channels import connect_channel
from support.databases import undelivered
from support.servers import free_port
from teams_emulator import run_emulator, scene

ROUNDS = 8
"""Rounds of (a channel message to the bot, a share, a reply); the kill comes after half."""
WITHIN_S = 60.0
"""How long the drill waits for the outbox to drain after the kill (leases are 15 s)."""


async def _start(config: Path, database_url: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "codestream", "--config", str(config), *args),
        env=dict(os.environ, CS_DATABASE_URL=database_url),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _ready(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while True:
            assert process.returncode is None, "the server exited"
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


@pytest.fixture
async def processes() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_servers_and_two_workers_lose_nothing_when_one_of_each_is_killed(
    database_url: str,
    engine: AsyncEngine,
    tmp_path: Path,
    processes: list[asyncio.subprocess.Process],
) -> None:
    uows = SqlUnitOfWorkFactory(engine)
    async with run_emulator() as emu, httpx.AsyncClient(timeout=30) as http:
        cast = scene(emu.emulator, users=["Alice Smith"], channels=["Reviews"])
        channel, bot, alice = cast.channels[0], cast.bot, cast.alice
        doc: dict[str, Any] = new_document("https://codestream.example.com")
        doc["integrations"] = {"msteams": {"microsoft.com": emu.msteams_block(bot)}}
        doc["delivery"] = {"inProcessWorker": False}  # the workers are processes of their own
        config_file = tmp_path / "config.json"
        config_file.write_text(json.dumps(doc))

        bases = []
        for _ in range(2):
            port = free_port()
            server = await _start(config_file, database_url, "serve", "--port", str(port))
            processes.append(server)
            bases.append(f"http://127.0.0.1:{port}")
        for base, server in zip(bases, processes, strict=True):
            await asyncio.wait_for(_ready(base, server), 60)
        for name in ("drill-a", "drill-b"):
            processes.append(await _start(config_file, database_url, "worker", "--id", name))
        servers, workers = processes[:2], processes[2:]
        clients = [httpx.AsyncClient(base_url=base, timeout=30) for base in bases]

        # Alice in CodeStream, her team's channel connected (the bot added through server 0).
        bot.endpoint = bases[0] + PATH
        await emu.driver.install_bot(bot, cast.team, by=alice)
        config = config_from_document(doc, environ={"CS_DATABASE_URL": database_url})
        operator = build_runtime(config, engine, http).services
        api = Api(clients[0], operator)
        member = await api.sign_up("alice")
        team = await api.create_team(member)
        await connect_channel(
            engine,
            team_id=team["id"],
            user_id=member.id,
            service_url=emu.service_url(cast.tenant),
            tenant_id=cast.tenant.id,
            msteams_team_id=cast.team.id,
            channel_id=channel.id,
            channel_name=channel.name,
        )
        emu.emulator.faults.add("create_conversation", latency=0.2)  # cards in flight at the kill

        titles: list[str] = []
        replies: list[str] = []
        asked = 0
        in_flight = 0
        alive = [0, 1]
        for i in range(ROUNDS):
            if i == ROUNDS // 2:
                servers[1].kill()  # SIGKILL: no goodbye, no rows handed back
                workers[1].kill()
                await servers[1].wait()
                await workers[1].wait()
                async with uows(read_only=True) as uow:
                    in_flight = (await uow.outbox.depth())[DeliveryStatus.SENDING]
                alive = [0]  # the bastion sends everything to the live server now
            n = alive[i % len(alive)]
            client = clients[n]
            bot.endpoint = bases[n] + PATH
            answered = await emu.driver.post_message(channel, alice, "status")
            assert answered is not None and answered.status == 200
            asked += 1
            title = f"Drill codemark {i}"
            created = await client.post(
                "/api/v1/codemarks",
                json={"teamId": team["id"], "type": "issue", "title": title, "text": "drill"},
                headers=member.headers,
            )
            assert created.status_code == 201, created.text
            codemark_id = created.json()["id"]
            shared = await client.post(
                f"/api/v1/codemarks/{codemark_id}/shares",
                json={"provider": "msteams", "channelIds": [channel.id]},
                headers=member.headers,
            )
            assert shared.status_code == 202, shared.text
            titles.append(title)
            text = f"Drill reply {i}"
            written = await client.post(
                f"/api/v1/codemarks/{codemark_id}/replies",
                json={"text": text},
                headers=member.headers,
            )
            assert written.status_code == 201, written.text
            replies.append(text)

        async def drained() -> None:
            while await undelivered(uows):
                assert workers[0].returncode is None, "the live worker exited"
                await asyncio.sleep(0.2)

        await asyncio.wait_for(drained(), WITHIN_S)  # the dead worker's rows resumed
        for client in clients:
            await client.aclose()

    arrived: Counter[str] = Counter()
    for message in emu.emulator.world.conversations[channel.id].messages.values():
        if message.sender_id == bot.mri:
            arrived[" ".join([message.text, _text_of(message.attachments)])] += 1
    # Nothing lost: every card, every reply posted under it, every answer to "status".
    for title in titles:
        assert any(title in text for text in arrived), title
    for text in replies:
        assert any(text in said for said in arrived), text
    answers = sum(n for said, n in arrived.items() if "Drill" not in said)  # all alike
    assert answers >= asked
    duplicates = sum(n - 1 for said, n in arrived.items() if "Drill" in said) + answers - asked
    assert duplicates <= in_flight  # only what was on its way to Teams when the worker died
    async with uows(read_only=True) as uow:
        assert (await uow.outbox.depth())[DeliveryStatus.FAILED] == 0


def _text_of(content: Any) -> str:
    """Every string in a message's content (its text or its card), joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return " ".join(_text_of(v) for v in content.values())
    if isinstance(content, list):
        return " ".join(_text_of(v) for v in content)
    return ""
