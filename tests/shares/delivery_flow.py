"""The share-and-deliver world: our API on a test database, the Teams emulator on a manual clock
with the bot installed in Engineering, its Code review channel connected to team A, and a
delivery worker to send the outbox."""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import Config, config_from_document
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.cards import CONTENT_TYPE
from delivery.delivery_world import Delivery
from support.api import Api
from support.connected_channels import ConnectedChannel, connect_channel
from support.world import World, build_world
from teams_emulator import ManualClock, run_emulator, scene


@dataclass
class Flow:
    world: World
    delivery: Delivery
    channel: ConnectedChannel

    async def share(self) -> dict[str, Any]:
        w = self.world
        response = await w.client.post(
            f"/api/v1/codemarks/{w.codemark['id']}/shares",
            json={"provider": "msteams", "channelIds": [self.channel.channel_id]},
            headers=w.alice.headers,
        )
        assert response.status_code == 202, response.text
        (share,) = response.json()
        return dict(share)

    async def status(self) -> dict[str, Any]:
        w = self.world
        response = await w.client.get(
            f"/api/v1/codemarks/{w.codemark['id']}/shares", headers=w.bob.headers
        )
        assert response.status_code == 200
        (share,) = response.json()
        return dict(share)

    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards posted to the channel at the emulator."""
        conversation = self.delivery.emu.emulator.world.conversations[self.channel.channel_id]
        return [
            a["content"]
            for m in conversation.messages.values()
            for a in m.attachments
            if a.get("contentType") == CONTENT_TYPE
        ]


def config_with(config: Config, **blocks: Any) -> Config:
    """`config` (same database, same secrets, so the flow's users' tokens still work) with
    top-level blocks replaced, e.g. `delivery={"deadlineHours": 0.05}`."""
    document = copy.deepcopy(config.document)
    document.update(blocks)
    return config_from_document(document, environ={})


@pytest.fixture
async def flow(api: Api, engine: AsyncEngine) -> AsyncIterator[Flow]:
    clock = ManualClock(time.time())
    async with run_emulator(clock=clock) as emu:
        cast = scene(emu.emulator, users=["Alice Smith"], channels=["Code review"])
        tenant, team, channel = cast.tenant, cast.team, cast.channel
        await emu.driver.install_bot(cast.bot, team, by=cast.alice)
        world = await build_world(api)
        connected = await connect_channel(
            engine,
            team_id=world.team["id"],
            user_id=world.alice.id,
            tenant_id=tenant.id,
            msteams_team_id=team.id,
            team_name=team.name,
            channel_id=channel.id,
            channel_name=channel.name,
            service_url=emu.service_url(tenant),
        )
        async with httpx.AsyncClient() as http:
            delivery = Delivery.of(emu, clock, cast, http, SqlUnitOfWorkFactory(engine))
            yield Flow(world, delivery, connected)
