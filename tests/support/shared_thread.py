"""A codemark shared into a channel of the emulator, its card delivered: the start of the
stories about its Teams thread (replies from Teams, replies and changes from CodeStream)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from support.api import Api, Member
from support.bots import BotWorld
from support.teams_flow import bot_messages, say_in_channel, sign_in, wait_for_card
from teams_emulator import Message


@dataclass
class Thread:
    """Alice (signed in, team "Plant Eaters" linked) shared a codemark into the channel."""

    world: BotWorld
    alice: Member
    team_id: str
    codemark_id: str
    card: Message

    async def replies(self, count: int, wait: float = 10.0) -> list[dict[str, Any]]:
        """The codemark's replies once there are `count` of them (fails after `wait` s)."""
        deadline = time.monotonic() + wait
        while True:
            response = await self.world.app_client.get(
                f"/api/v1/codemarks/{self.codemark_id}/replies", headers=self.alice.headers
            )
            assert response.status_code == 200, response.text
            found: list[dict[str, Any]] = response.json()
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) == count, found
                return found
            await asyncio.sleep(0.05)

    def bot_answers_in_thread(self) -> list[Message]:
        """The bot's messages in the card's thread, the card itself left out."""
        return [
            m
            for m in bot_messages(self.world, self.world.channel.id)
            if m.thread_root == self.card.id and m.id != self.card.id
        ]


async def share_into_the_channel(world: BotWorld, consent: tuple[str, ...]) -> Thread:
    """Install the bot in the team (with `consent`) and Alice's personal scope, sign Alice in
    with team "Plant Eaters", connect the channel, and share her comment there."""
    driver = world.emu.driver
    await driver.install_bot(world.bot, world.team, by=world.alice, consent=consent)
    await driver.install_bot_personal(world.bot, world.alice)
    await wait_for_card(world, world.team.id, "Thanks for adding CodeStream")
    await wait_for_card(world, driver.personal_chat(world.bot, world.alice).id, "Welcome")
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    team = await api.create_team(alice, "Plant Eaters")
    await sign_in(world, world.alice, alice, [team["id"]])
    await say_in_channel(world, world.alice, "connect")
    text = "The retry loop never gives up when the token endpoint is down."
    codemark = await api.create_codemark(alice, team["id"], text=text)
    shared = await world.app_client.post(
        f"/api/v1/codemarks/{codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [world.channel.id]},
        headers=alice.headers,
    )
    assert shared.status_code == 202, shared.text
    (share,) = await all_sent(world, alice, codemark["id"])
    card = world.emu.emulator.world.conversations[world.channel.id].messages[share["postId"]]
    return Thread(world, alice, team["id"], codemark["id"], card)


async def all_sent(world: BotWorld, user: Member, codemark_id: str) -> list[dict[str, Any]]:
    """The codemark's shares once all are sent, as the API tells it: each card is in Teams and
    its message id recorded."""
    deadline = time.monotonic() + 15
    while True:
        listed = await world.app_client.get(
            f"/api/v1/codemarks/{codemark_id}/shares", headers=user.headers
        )
        shares: list[dict[str, Any]] = listed.json()
        if all(share["status"] == "sent" for share in shares):
            return shares
        assert time.monotonic() < deadline, shares
        await asyncio.sleep(0.05)
