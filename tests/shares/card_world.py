"""A codemark shared to two channels, for the tests of cards that update in place: our app (REST
API and bot endpoint) in process on the test database, the Teams emulator on a manual clock
delivering activities to it, and delivery workers wired as `codestream worker` wires them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.shares.delivery_flow import config_with

from codestream.apppackage.manifest import RSC_PERMISSIONS
from codestream.config import Config
from codestream.delivery.worker import DeliveryWorker
from codestream.domain.services import msteams_links
from codestream.passwords import Argon2Hasher
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.cards import CONTENT_TYPE
from codestream.web.app import create_app
from codestream.wiring import build_runtime
from delivery.delivery_world import Delivery
from support.api import Api, Member
from support.connected_channels import ConnectedChannel, connect_channel
from support.world import World, build_world
from teams_emulator import ManualClock, Message, RunningEmulator, Scene, run_emulator, scene

HASHER = Argon2Hasher(time_cost=1, memory_cost=8192)
BOT_PATH = "/no-auth/provider-action/msteams"


@dataclass
class CardWorld:
    """Alice's codemark (team A), shared to "Code review" and "Releases"; Alice's Teams user is
    signed in as Alice."""

    world: World
    delivery: Delivery
    cast: Scene
    channels: list[ConnectedChannel]
    client: httpx.AsyncClient
    """Our app with the bot, in process."""
    http: httpx.AsyncClient
    """The workers' client to the emulator."""
    config: Config
    """The app's config: the test database, the bot at the emulator, no in-process worker."""
    engine: AsyncEngine

    @property
    def codemark_id(self) -> str:
        return str(self.world.codemark["id"])

    def worker(
        self, worker_id: str = "w1", http: httpx.AsyncClient | None = None
    ) -> DeliveryWorker:
        """A delivery worker as `codestream worker` builds it (hooks included), calling Teams
        through `http` (the world's client by default)."""
        worker = build_runtime(
            self.config,
            self.engine,
            http or self.http,
            clock=self.delivery.now_ms,
            worker_id=worker_id,
        ).delivery
        assert worker is not None
        self.delivery.workers.append(worker)
        return worker

    async def share(self) -> None:
        response = await self.client.post(
            f"/api/v1/codemarks/{self.codemark_id}/shares",
            json={"provider": "msteams", "channelIds": [c.channel_id for c in self.channels]},
            headers=self.world.alice.headers,
        )
        assert response.status_code == 202, response.text

    async def change(self, who: Member | None = None, **fields: Any) -> dict[str, Any]:
        """PATCH the codemark through the REST API."""
        response = await self.client.patch(
            f"/api/v1/codemarks/{self.codemark_id}",
            json=fields,
            headers=(who or self.world.alice).headers,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def shares(self) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/v1/codemarks/{self.codemark_id}/shares", headers=self.world.bob.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    def catch_up(self) -> None:
        """Move the workers' manual clock to the wall clock the app enqueues by, so what the
        app queued is due."""
        behind = time.time() - self.delivery.clock()
        if behind > 0:
            self.delivery.clock.advance(behind + 0.001)

    async def name_of(self, member: Member) -> str:
        """The name the cards show for a CodeStream user."""
        async with self.delivery.uows() as uow:
            user = await uow.users.get(member.id)
        assert user is not None
        return user.full_name or user.username

    def card(self, channel: ConnectedChannel) -> Message:
        """The codemark's card in the channel (the root of the thread it started)."""
        conversation = self.delivery.emu.emulator.world.conversations[channel.channel_id]
        roots = [m for m in conversation.messages.values() if m.from_bot and m.thread_root == m.id]
        assert len(roots) == 1, [m.text for m in roots]
        return roots[0]

    def card_text(self, channel: ConnectedChannel) -> str:
        """Every text the card shows, one element a line (runs of a RichTextBlock joined)."""
        return card_lines(self.card(channel))

    def thread(self, channel: ConnectedChannel) -> list[str]:
        """What the bot posted in the card's thread, oldest first, as text."""
        card = self.card(channel)
        conversation = self.delivery.emu.emulator.world.conversations[channel.channel_id]
        return [
            card_lines(m)
            for m in conversation.messages.values()
            if m.from_bot and m.thread_root == card.id and m.id != card.id
        ]

    def updates_of(self, channel: ConnectedChannel) -> list[int]:
        """HTTP statuses of the update calls the emulator answered for the channel's card."""
        card = self.card(channel)
        return [
            call.status
            for call in self.delivery.requests("update_activity")
            if call.url.endswith(f"/activities/{card.id}")
        ]


def card_lines(message: Message) -> str:
    lines: list[str] = []
    for attachment in message.attachments:
        if attachment.get("contentType") != CONTENT_TYPE:
            continue
        for element in attachment["content"].get("body", []):
            if element.get("type") == "TextBlock":
                lines.append(element["text"])
            elif element.get("type") == "RichTextBlock":
                lines.append("".join(run["text"] for run in element["inlines"]))
    return "\n".join(lines)


@pytest.fixture
async def cards(api: Api, engine: AsyncEngine, config: Config) -> AsyncIterator[CardWorld]:
    clock = ManualClock(time.time())
    async with run_emulator(clock=clock) as emu:
        cast = scene(
            emu.emulator,
            users=["Alice Smith"],
            channels=["Code review", "Releases"],
            bot_endpoint=f"http://testserver{BOT_PATH}",
        )
        world = await build_world(api)
        served = config_with(
            config,
            integrations={"msteams": {"microsoft.com": emu.msteams_block(cast.bot)}},
            delivery={"inProcessWorker": False},
        )
        async with httpx.AsyncClient() as http:  # the app's and the workers' client to Teams
            app = create_app(served, engine=engine, hasher=HASHER, migrate=False, http=http)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                yield await _set_up(emu, clock, cast, world, engine, served, client, http)


async def _set_up(
    emu: RunningEmulator,
    clock: ManualClock,
    cast: Scene,
    world: World,
    engine: AsyncEngine,
    served: Config,
    client: httpx.AsyncClient,
    http: httpx.AsyncClient,
) -> CardWorld:
    """Our bot installed in the team (with the consent to read channel messages), both channels
    connected to team A, Alice's Teams user signed in as Alice."""
    emu.driver.use_client(client)
    await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice, consent=RSC_PERMISSIONS)
    connected = [
        await connect_channel(
            engine,
            team_id=world.team["id"],
            user_id=world.alice.id,
            tenant_id=cast.tenant.id,
            msteams_team_id=cast.team.id,
            team_name=cast.team.name,
            channel_id=channel.id,
            channel_name=channel.name,
            service_url=emu.service_url(cast.tenant),
        )
        for channel in cast.channels
    ]
    uows = SqlUnitOfWorkFactory(engine)
    async with uows() as uow:
        alice = await uow.users.get(world.alice.id)
        assert alice is not None
        await msteams_links.link(
            uow,
            tenant_id=cast.tenant.id,
            teams_user_id=cast.alice.id,
            aad_object_id=cast.alice.aad_object_id,
            user=alice,
            team_ids=[world.team["id"]],
            now=int(time.time() * 1000),
        )
        await uow.commit()
    delivery = Delivery.of(emu, clock, cast, http, uows)
    return CardWorld(world, delivery, cast, connected, client, http, served, engine)
