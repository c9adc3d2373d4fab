"""A codemark (an issue) shared to two channels through the real flow, for tests of the card's
actions: Alice signed in from Teams (CodeStream team "Plant Eaters", admin), the bot added to
Engineering with its channels Releases and Design connected, the issue shared to both through the
API and delivered by the worker. Bob is in Plant Eaters in CodeStream but not signed in from
Teams."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from dataclasses import dataclass
from typing import Any

from support.api import Api, Member
from support.bots import BotWorld
from support.teams_flow import say_in_channel, sign_in, wait_for_card
from teams_emulator import Channel, Message, User
from teams_emulator.delivery import BotResponse

TITLE = "Retry loop never gives up"
TEXT = "When the token endpoint is down, the retry loop spins forever."
ERROR = "application/vnd.microsoft.error"
CARD = "application/vnd.microsoft.card.adaptive"
LOGIN = "application/vnd.microsoft.activity.loginRequest"


@dataclass
class CardWorld:
    """The world, the API, the CodeStream members, and the issue's two cards."""

    world: BotWorld
    api: Api
    alice: Member
    bob: Member
    team_id: str
    codemark_id: str
    channels: list[Channel]
    cards: list[Message]

    async def codemark(self) -> dict[str, Any]:
        """The issue as the REST API shows it to Alice."""
        response = await self.world.app_client.get(
            f"/api/v1/codemarks/{self.codemark_id}", headers=self.alice.headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def replies(self) -> list[dict[str, Any]]:
        """The issue's replies, as the REST API shows them to Alice."""
        response = await self.world.app_client.get(
            f"/api/v1/codemarks/{self.codemark_id}/replies", headers=self.alice.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    async def click(
        self,
        user: User,
        verb: str,
        *,
        card: int = 0,
        data: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> BotResponse:
        """`user` clicks the button `verb` on a card (as Teams sends it: the codemark's id in
        the data, the inputs' values merged in)."""
        answer = await self.world.emu.driver.execute_action(
            self.cards[card],
            user,
            verb=verb,
            data={"codemarkId": self.codemark_id} if data is None else data,
            inputs=inputs,
        )
        assert answer.status == 200, (answer.status, answer.body)
        return answer

    async def resend(self, clicked: BotResponse, user: User | None = None, **value: Any) -> Any:
        """What Teams does after its sign-in window: the same action again as a new invoke,
        with `value` fields added (`state`); from `user` when given. The body of the answer."""
        activity = copy.deepcopy(clicked.activity)
        activity["id"] = f"f:{uuid.uuid4()}"
        activity["value"] = {**activity["value"], **value}
        if user is not None:
            activity["from"] = user.account()
        answer = await self.world.emu.driver.send_activity(self.world.bot, activity)
        assert answer.status == 200, (answer.status, answer.body)
        return answer.body


async def share_to_two_channels(world: BotWorld, consent: tuple[str, ...] = ()) -> CardWorld:
    """Set the scene of the module doc up through the bot, the API and the worker."""
    driver = world.emu.driver
    design = world.emu.emulator.world.add_channel(world.team, "Design")
    await driver.install_bot(world.bot, world.team, by=world.alice, consent=consent)
    await driver.install_bot_personal(world.bot, world.alice)
    await wait_for_card(world, world.team.id, "Thanks for adding CodeStream")
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    team = await api.create_team(alice, "Plant Eaters")
    await api.add_member(alice, team["id"], bob)
    await sign_in(world, world.alice, alice, [team["id"]])
    channels = [world.channel, design]
    for channel in channels:
        await say_in_channel(world, world.alice, "connect", channel)
    codemark = await api.create_codemark(alice, team["id"], type="issue", title=TITLE, text=TEXT)
    shared = await world.app_client.post(
        f"/api/v1/codemarks/{codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [c.id for c in channels]},
        headers=alice.headers,
    )
    assert shared.status_code == 202, shared.text
    shares = await _all_sent(world, alice, codemark["id"])
    conversations = world.emu.emulator.world.conversations
    cards = [
        conversations[share["channelId"]].messages[share["postId"]]
        for share in sorted(shares, key=lambda s: [c.id for c in channels].index(s["channelId"]))
    ]
    return CardWorld(world, api, alice, bob, team["id"], codemark["id"], channels, cards)


async def _all_sent(world: BotWorld, user: Member, codemark_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        listed = await world.app_client.get(
            f"/api/v1/codemarks/{codemark_id}/shares", headers=user.headers
        )
        shares: list[dict[str, Any]] = listed.json()
        if shares and all(share["status"] == "sent" for share in shares):
            return shares
        assert time.monotonic() < deadline, shares
        await asyncio.sleep(0.05)


def actions_of(card: dict[str, Any]) -> list[str]:
    """The titles of a card's buttons, those in the body (the reply box's) included, in order."""
    titles = [a["title"] for a in card.get("actions", [])]
    for element in card.get("body", []):
        if element.get("type") == "ActionSet":
            titles.extend(a["title"] for a in element["actions"])
    return titles


def has_reply_box(card: dict[str, Any]) -> bool:
    """Whether the card has the inline reply box."""
    return any(e.get("type") == "Input.Text" for e in card.get("body", []))
