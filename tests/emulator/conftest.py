"""Shared fixtures for the emulator's tests: a served emulator, a recording bot, a small world."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from teams_emulator import (
    BotApp,
    Channel,
    Emulator,
    ManualClock,
    RunningEmulator,
    Team,
    Tenant,
    User,
    run_emulator,
    scene,
)

BOT_ENDPOINT = "http://bot.test/api/messages"
SCOPE = "https://api.botframework.com/.default"


@dataclass
class RecordingBot:
    """An ASGI bot that records what Teams sends and answers 200 (or what `answer` returns)."""

    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], tuple[int, Any]] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        activity = json.loads(body)
        self.received.append(activity)
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        status, payload = self.answer(activity) if self.answer else (200, None)
        raw = b"" if payload is None else json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": raw})

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        """Received activities of one type."""
        return [a for a in self.received if a["type"] == kind]


@dataclass
class World:
    """A tenant with two users, a team with an extra channel, and a registered bot."""

    emu: RunningEmulator
    tenant: Tenant
    alice: User
    bob: User
    team: Team
    channel: Channel
    bot: BotApp
    recorder: RecordingBot
    http: httpx.AsyncClient

    async def token(self, bot: BotApp | None = None) -> str:
        """A connector access token from the emulator's token endpoint."""
        bot = bot or self.bot
        response = await self.http.post(
            self.emu.token_url(bot.home_tenant_id or "botframework.com"),
            data={
                "grant_type": "client_credentials",
                "client_id": bot.app_id,
                "client_secret": bot.secret,
                "scope": SCOPE,
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def auth(self) -> dict[str, str]:
        """Authorization header for connector calls."""
        return {"Authorization": f"Bearer {await self.token()}"}

    @property
    def service_url(self) -> str:
        """The serviceUrl of the tenant."""
        return self.emu.service_url(self.tenant)


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves; starts at the real time so JWT libraries agree with it."""
    import time

    return ManualClock(time.time())


IN_PROCESS_URL = "http://emulator.test"


@pytest.fixture
async def emu(clock: ManualClock) -> AsyncIterator[RunningEmulator]:
    """An emulator reached in-process through httpx's ASGI transport (fast, no socket)."""
    running = RunningEmulator.of(Emulator(clock=clock, base_url=IN_PROCESS_URL))
    yield running
    await running.driver.aclose()


@pytest.fixture
async def served(clock: ManualClock) -> AsyncIterator[RunningEmulator]:
    """An emulator served by uvicorn on a free port, with a manual clock."""
    async with run_emulator(clock=clock) as running:
        yield running


async def make_world(emu: RunningEmulator, *, install: bool = True) -> World:
    """Build the standard small world on a served emulator."""
    cast = scene(emu.emulator, bot_endpoint=BOT_ENDPOINT)
    recorder = RecordingBot()
    emu.driver.use_client(httpx.AsyncClient(transport=httpx.ASGITransport(app=recorder)))
    if install:
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
    if emu.base_url == IN_PROCESS_URL:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))
    else:
        http = httpx.AsyncClient()
    return World(
        emu, cast.tenant, cast.alice, cast.bob, cast.team, cast.channel, cast.bot, recorder, http
    )


@pytest.fixture
async def world(emu: RunningEmulator) -> AsyncIterator[World]:
    """The standard world with the bot installed in the team."""
    built = await make_world(emu)
    yield built
    await built.http.aclose()
