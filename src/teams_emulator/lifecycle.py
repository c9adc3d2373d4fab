"""`Lifecycle`: teams and users add and remove the bot; owners create, rename and delete channels.

Each change is made to the world first, then the installed bots hear of it as Teams tells them.
"""

from __future__ import annotations

from collections.abc import Iterable

from teams_emulator import activities as act
from teams_emulator.delivery import BotResponse
from teams_emulator.entities import BotApp, Channel, Team, User
from teams_emulator.sender import Sender


class Lifecycle:
    """Installation and channel events, and what the bots hear of them."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.world = sender.world

    async def _team_event(
        self, team: Team, by: User | None, event: str, channel: Channel, *, name: bool = True
    ) -> list[BotResponse]:
        responses = []
        user = self.sender.owner(team, by)
        for app_id in sorted(team.installed_bots):
            bot = self.world.bots[app_id]
            data = act.channel_data(team)
            data.update(channel={"id": channel.id, "name": channel.name}, eventType=event)
            if not name:
                data["channel"].pop("name")
            conversation = act.channel_conversation(team, team.id)
            activity = self.sender.frame("conversationUpdate", bot, user, conversation, data)
            if bot.endpoint:
                responses.append(await self.sender.send(bot, activity))
        return responses

    # -- installation -----------------------------------------------------------------------
    async def install_bot(
        self,
        bot: BotApp,
        team: Team,
        *,
        by: User | None = None,
        channel: Channel | None = None,
        consent: Iterable[str] = (),
    ) -> list[BotResponse]:
        """Add the app to a team: installationUpdate `add`, then conversationUpdate membersAdded.

        `consent`: the resource-specific permissions of the app's manifest that the owner grants
        while adding it (`ChannelMessage.Read.Group`: the bot hears every channel message).
        """
        team.installed_bots.add(bot.app_id)
        team.consents[bot.app_id] = frozenset(consent)
        self.world.touch()
        return await self._team_membership(bot, team, by, channel, added=True)

    async def remove_bot(
        self, bot: BotApp, team: Team, *, by: User | None = None
    ) -> list[BotResponse]:
        """Remove the app from a team; the bot is out of the roster before it hears about it."""
        team.installed_bots.discard(bot.app_id)
        team.consents.pop(bot.app_id, None)
        self.world.touch()
        return await self._team_membership(bot, team, by, None, added=False)

    async def _team_membership(
        self, bot: BotApp, team: Team, by: User | None, channel: Channel | None, *, added: bool
    ) -> list[BotResponse]:
        user = self.sender.owner(team, by)
        selected = channel or team.general
        conversation = act.channel_conversation(
            team, selected.id, None if selected.is_general else selected.name
        )
        install_data = act.channel_data(team, full_team=True)
        install_data.update(
            settings={"selectedChannel": {"id": selected.id}},
            channel={"id": selected.id},
            source={"name": "message"},
        )
        install = self.sender.frame("installationUpdate", bot, user, conversation, install_data)
        install["action"] = "add" if added else "remove"
        update_data = act.channel_data(team, full_team=True)
        update_data.update(
            settings={"selectedChannel": {"id": selected.id}},
            eventType="teamMemberAdded" if added else "teamMemberRemoved",
        )
        update = self.sender.frame("conversationUpdate", bot, user, conversation, update_data)
        update["membersAdded" if added else "membersRemoved"] = [{"id": bot.mri}]
        if not bot.endpoint:
            return []
        return [await self.sender.send(bot, install), await self.sender.send(bot, update)]

    async def install_bot_personal(self, bot: BotApp, user: User) -> list[BotResponse]:
        """Add the app in a user's personal scope (creates the personal chat)."""
        bot.personal_installs.add(user.id)
        bot.personal_removed.discard(user.id)
        return await self._personal_membership(bot, user, added=True)

    async def remove_bot_personal(self, bot: BotApp, user: User) -> list[BotResponse]:
        """Remove the app from a user's personal scope."""
        bot.personal_installs.discard(user.id)
        bot.personal_removed.add(user.id)
        return await self._personal_membership(bot, user, added=False)

    async def _personal_membership(
        self, bot: BotApp, user: User, *, added: bool
    ) -> list[BotResponse]:
        chat = self.world.personal_chat(bot, user)
        self.world.touch()
        conversation = act.personal_conversation(chat)
        data = {"tenant": {"id": chat.tenant_id}, "source": {"name": "message"}}
        install = self.sender.frame("installationUpdate", bot, user, conversation, data)
        install["action"] = "add" if added else "remove"
        update = self.sender.frame(
            "conversationUpdate", bot, user, conversation, {"tenant": {"id": chat.tenant_id}}
        )
        update["membersAdded" if added else "membersRemoved"] = [{"id": bot.mri}]
        if not bot.endpoint:
            return []
        return [await self.sender.send(bot, install), await self.sender.send(bot, update)]

    # -- channels ---------------------------------------------------------------------------
    async def create_channel(self, team: Team, name: str, *, by: User | None = None) -> Channel:
        """A new channel; installed bots get conversationUpdate `channelCreated`."""
        channel = self.world.add_channel(team, name)
        await self._team_event(team, by, "channelCreated", channel)
        return channel

    async def rename_channel(
        self, channel: Channel, name: str, *, by: User | None = None
    ) -> list[BotResponse]:
        """Rename a channel; installed bots get `channelRenamed`."""
        channel.name = name
        self.world.touch()
        return await self._team_event(
            self.world.teams[channel.team_id], by, "channelRenamed", channel
        )

    async def delete_channel(
        self, channel: Channel, *, by: User | None = None
    ) -> list[BotResponse]:
        """Delete a channel; installed bots get `channelDeleted`, later sends to it get 404."""
        channel.deleted = True
        self.world.touch()
        return await self._team_event(
            self.world.teams[channel.team_id], by, "channelDeleted", channel
        )
