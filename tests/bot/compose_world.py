"""A scene for the message extension's tests: Alice signed in from Teams (CodeStream team "Plant
Eaters", admin), the app's message extension registered for our public host, and the compose box
of a channel whose team never added the bot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from codestream.storage.engine import create_sync_engine
from codestream.storage.tables import inbound_activities
from support.api import Api, Member
from support.bots import BotWorld
from support.teams_flow import sign_in, wait_for_card
from teams_emulator import Conversation, User
from teams_emulator.compose import ComposeAnswer


@dataclass
class Scene:
    """The world, the API, Alice's CodeStream account and team, the compose box's chat."""

    world: BotWorld
    api: Api
    alice: Member
    team_id: str
    chat: Conversation
    """A channel of a team the bot was never added to."""

    def link(self, codemark_id: str, query: str = "") -> str:
        """The codemark's permalink on our public host."""
        return f"{str(self.world.app_client.base_url).rstrip('/')}/c/{codemark_id}{query}"

    async def paste(self, user: User, url: str, **kw: Any) -> ComposeAnswer:
        """`user` pastes `url` into the chat's compose box."""
        compose = self.world.emu.driver.compose
        return await compose.query_link(self.chat, user, url, **kw)

    async def search(self, user: User, text: str, **kw: Any) -> ComposeAnswer:
        """`user` searches the app's extension from the chat's compose box."""
        compose = self.world.emu.driver.compose
        return await compose.search(self.chat, user, text, bot=self.world.bot, **kw)


async def compose_scene(world: BotWorld) -> Scene:
    """Set the scene of the module doc up through the bot, the sign-in page and the API."""
    driver = world.emu.driver
    await driver.install_bot_personal(world.bot, world.alice)
    await wait_for_card(world, driver.personal_chat(world.bot, world.alice).id, "CodeStream")
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    team = await api.create_team(alice, "Plant Eaters")
    await sign_in(world, world.alice, alice, [team["id"]])
    host = world.app_client.base_url.host
    driver.compose.register_extension(world.bot, domains=[host])
    chat = world.emu.emulator.world.conversations[world.channel.id]
    assert world.bot.app_id not in world.team.installed_bots
    return Scene(world, api, alice, team["id"], chat)


def card_text(card: dict[str, Any] | None) -> str:
    """A card as JSON text, to look for words in."""
    assert card is not None
    return json.dumps(card)


def inbound_rows(database_url: str) -> int:
    """Activity keys recorded (turns write one; reads none)."""
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            count = sa.select(sa.func.count()).select_from(inbound_activities)
            return int(conn.execute(count).scalar_one())
    finally:
        engine.dispose()
