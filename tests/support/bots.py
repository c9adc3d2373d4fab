"""The bot's test world: our app and the Teams emulator, wired to each other."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from codestream.bot.handler import ActivityHandler
from codestream.config import Config, MsTeamsConfig, config_from_document, new_document
from codestream.domain.clock import Clock
from codestream.domain.services import Services
from codestream.passwords import Argon2Hasher, BlockingHasher, HashingCapacity
from codestream.storage.engine import create_engine
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.web.app import create_app
from codestream.web.bot_endpoint import PATH
from codestream.wiring import build_runtime
from support.servers import free_port, serve_in_thread
from teams_emulator import (
    BotApp,
    Channel,
    RunningEmulator,
    Team,
    Tenant,
    User,
    run_emulator,
    scene,
)
from teams_emulator import activities as act

BlockEdit = Callable[[dict[str, Any]], None]
"""Changes the msteams config block before the app is built (e.g. a cloud or `disabled`)."""


LIGHT_HASHER = Argon2Hasher(time_cost=1, memory_cost=8192)
"""Real argon2id, lighter parameters so sign-ups don't dominate the suite's time."""


@dataclass
class BotWorld:
    """The emulator with a tenant, a team, two users and our bot registered and installed."""

    emu: RunningEmulator
    bot: BotApp
    tenant: Tenant
    team: Team
    channel: Channel
    alice: User
    bob: User
    endpoint: str
    app_client: httpx.AsyncClient
    uows: SqlUnitOfWorkFactory
    """The app's database, read by the tests (its outbox) on their own connections."""
    operator: Services
    """The use cases on that database, as `codestream user create` reaches them."""

    @property
    def service_url(self) -> str:
        """The serviceUrl Teams uses for this tenant."""
        return self.emu.service_url(self.tenant)

    def activity(self, text: str = "hello", **fields: Any) -> dict[str, Any]:
        """A Teams-shaped channel message from Alice to the bot; `fields` override the frame."""
        activity = act.frame(
            "message",
            bot=self.bot,
            user=self.alice,
            conversation=act.channel_conversation(self.team, self.channel.id),
            channel_data={
                "tenant": {"id": self.tenant.id},
                "teamsTeamId": self.team.id,
                "teamsChannelId": self.channel.id,
            },
            service_url=self.service_url,
            now=self.emu.emulator.clock(),
            activity_id=f"1{uuid.uuid4().int % 10**12:012d}",
        )
        activity["text"] = text
        activity.update(fields)
        return activity

    def token(self, **mint: Any) -> str:
        """A channel token for our bot and this tenant's serviceUrl; `mint` knobs make bad ones."""
        return self.emu.emulator.channel_tokens.mint(self.bot.app_id, self.service_url, **mint)

    async def post(
        self,
        activity: Any = None,
        *,
        token: str | None = None,
        authorization: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST to our endpoint over HTTP. By default a fresh message signed with a valid token.

        `authorization` replaces the whole header ("" sends none); `content` replaces the body.
        """
        body = (
            content
            if content is not None
            else json.dumps(self.activity() if activity is None else activity).encode()
        )
        sent = {"Content-Type": "application/json; charset=utf-8"}
        if authorization is None:
            sent["Authorization"] = f"Bearer {self.token() if token is None else token}"
        elif authorization:
            sent["Authorization"] = authorization
        sent.update(headers or {})
        return await self.app_client.post(PATH, content=body, headers=sent)

    def key_fetches(self) -> int:
        """How many times our app has fetched the channel's JWK set from the emulator."""
        return len(self.emu.emulator.transcript.query(direction="bot_to_teams", route="keys"))


def bot_block(emu: RunningEmulator, bot: BotApp, edit: BlockEdit | None = None) -> MsTeamsConfig:
    """The msteams block of `bot_config`, as the service reads it (to wire a connector by hand)."""
    block = bot_config(emu, bot, "sqlite:///unused.db", edit).msteams
    assert block is not None
    return block


def bot_config(
    emu: RunningEmulator,
    bot: BotApp,
    database_url: str,
    edit: BlockEdit | None = None,
    *,
    public_url: str = "https://codestream.example.com",
    document: dict[str, Any] | None = None,
) -> Config:
    """A services config whose msteams block points at the emulator; `document` adds
    top-level blocks (e.g. `notifications`)."""
    doc = new_document(public_url)
    doc.update(document or {})
    block = emu.msteams_block(bot)
    if edit is not None:
        edit(block)
    doc["integrations"] = {"msteams": {"microsoft.com": block}}
    return config_from_document(doc, environ={"CS_DATABASE_URL": database_url})


@asynccontextmanager
async def start_bot_world(
    database_url: str,
    *,
    handler: ActivityHandler | None = None,
    multi_tenant: bool = False,
    edit: BlockEdit | None = None,
    migrate: bool = True,
    clock: Clock | None = None,
    public_url_is_served: bool = False,
    tenant_id: str | None = None,
    hasher: BlockingHasher = LIGHT_HASHER,
    hashing: HashingCapacity | None = None,
    document: dict[str, Any] | None = None,
) -> AsyncIterator[BotWorld]:
    """Serve our app on a real port and the emulator on another, with a bot registered.

    `multi_tenant` registers a legacy multi-tenant bot (no home tenant); `migrate=False` skips
    the startup migration for a database that is already at head; `clock` replaces the app's
    clock; `public_url_is_served` makes `publicApiUrl` the app's own loopback address, so links
    the bot sends (sign-in) can be followed; `tenant_id` fixes the tenant's id (for config that
    names it); `hasher` and `hashing` replace the app's password hasher and its gate's capacity;
    `document` adds top-level blocks to the services config.
    """
    async with run_emulator() as emu:
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}{PATH}"
        cast = scene(
            emu.emulator, bot_endpoint=endpoint, multi_tenant=multi_tenant, tenant_id=tenant_id
        )
        bot = cast.bot
        public = {"public_url": f"http://127.0.0.1:{port}"} if public_url_is_served else {}
        config = bot_config(emu, bot, database_url, edit, document=document, **public)
        app = create_app(
            config,
            hasher=hasher,
            hashing=hashing,
            migrate=migrate,
            bot_handler=handler,
            **({"clock": clock} if clock is not None else {}),
        )
        server = serve_in_thread(app, port)
        base = server.__enter__()
        engine = create_engine(database_url)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=20) as client:
                yield BotWorld(
                    emu,
                    bot,
                    cast.tenant,
                    cast.team,
                    cast.channel,
                    cast.alice,
                    cast.bob,
                    endpoint,
                    client,
                    SqlUnitOfWorkFactory(engine),
                    build_runtime(config, engine, client, hasher=LIGHT_HASHER).services,
                )
        finally:
            # Stop our app off this event loop: the emulator runs on it and must keep answering
            # while the app's delivery worker finishes a send in flight.
            await asyncio.to_thread(server.__exit__, None, None, None)
            await engine.dispose()


def assert_refusal(response: httpx.Response, status: int, code: str | None = None) -> None:
    """A refusal: this status, the JSON error shape, and nothing a client shouldn't see."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    if code is not None:
        assert body["error"]["code"] == code
    for leak in ("Traceback", 'File "', "Error:", "eyJ", "BEGIN"):
        assert leak not in response.text
