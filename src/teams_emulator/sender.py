"""`Sender`: frames activities the way Teams does and POSTs them to bots.

What the driver's messaging and lifecycle parts share: the ids of new messages, the activity frame
with its serviceUrl and timestamp, the bot a team's event goes to, and the signed POST itself.
"""

from __future__ import annotations

from typing import Any

from teams_emulator import activities as act
from teams_emulator import ids
from teams_emulator.delivery import BotDelivery, BotResponse
from teams_emulator.emulator import Emulator
from teams_emulator.entities import BotApp, Channel, Conversation, Message, Team, User


class Sender:
    """Activity framing and sending on behalf of the emulated users."""

    def __init__(self, emulator: Emulator, delivery: BotDelivery) -> None:
        self.emulator = emulator
        self.world = emulator.world
        self.delivery = delivery

    def owner(self, team: Team, by: User | None) -> User:
        """`by`, or the team's first member (who acts as its owner)."""
        return by or self.world.users[team.members[0]]

    def frame(
        self,
        kind: str,
        bot: BotApp,
        user: User,
        conversation: dict[str, Any],
        channel_data: dict[str, Any],
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        """An activity of `kind` from `user` to `bot`, stamped with the tenant's serviceUrl."""
        tenant = self.world.tenants[str(conversation["tenantId"])]
        return act.frame(
            kind,
            bot=bot,
            user=user,
            conversation=conversation,
            channel_data=channel_data,
            service_url=self.emulator.service_url(tenant),
            now=self.emulator.clock(),
            activity_id=activity_id,
        )

    async def send(
        self,
        bot: BotApp,
        activity: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - how long Teams waits for the answer
    ) -> BotResponse:
        """POST any activity to the bot (`token`: see `BotDelivery.post`)."""
        return await self.delivery.post(
            bot, activity, token=token, headers=headers, timeout=timeout
        )

    def pick_bot(self, team: Team, bot: BotApp | None) -> BotApp | None:
        """`bot` if the team has it installed, else the team's only bot (None if not one)."""
        if bot is not None:
            return bot if bot.app_id in team.installed_bots else None
        installed = sorted(team.installed_bots)
        return self.world.bots[installed[0]] if len(installed) == 1 else None

    def new_id(self) -> str:
        """A new Teams message id (epoch milliseconds, unique)."""
        return self.world.message_ids.next(self.emulator.clock())

    def thread(self, channel: Channel, root: str) -> str:
        """The conversation id of a channel post's thread."""
        return ids.thread_conversation_id(channel.id, root)

    def store(self, conversation: Conversation, message: Message) -> Message:
        """Keep a message in its conversation (the page shows it, the connector finds it)."""
        return self.world.add_message(conversation, message)
