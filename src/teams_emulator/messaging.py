"""`Messaging`: users post, reply, chat with the bot and click card actions."""

from __future__ import annotations

from typing import Any

from teams_emulator import activities as act
from teams_emulator.delivery import BotResponse
from teams_emulator.entities import BotApp, Channel, Conversation, Message, User
from teams_emulator.sender import Sender


class Messaging:
    """What a user does with messages."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.world = sender.world
        self.clock = sender.emulator.clock

    def _where(
        self, conversation: Conversation, root: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """`conversation` and `channelData` for an activity in this conversation/thread."""
        if conversation.kind == "personal":
            return act.personal_conversation(conversation), {
                "tenant": {"id": conversation.tenant_id}
            }
        team = self.world.teams[conversation.team_id or ""]
        channel = self.world.channels[conversation.id]
        conversation_id = self.sender.thread(channel, root) if root else channel.id
        return act.channel_conversation(team, conversation_id), act.channel_data(team, channel)

    def _user_message(
        self,
        conversation: Conversation,
        user: User,
        text: str,
        root: str | None,
        bot: BotApp,
        mentioned: bool,
    ) -> dict[str, Any]:
        message_id = self.sender.new_id()
        fields = act.message_fields(text, bot if mentioned else None)
        thread_root = (root or message_id) if conversation.kind == "channel" else None
        where, data = self._where(conversation, thread_root)
        activity = self.sender.frame("message", bot, user, where, data, activity_id=message_id)
        activity.update(text=fields["text"], textFormat="plain", attachments=fields["attachments"])
        activity["entities"] = fields["entities"] + activity["entities"]
        self.sender.store(
            conversation,
            Message(
                id=message_id,
                conversation_id=conversation.id,
                thread_root=thread_root,
                sender_id=user.id,
                sender_name=user.name,
                text=text,
                timestamp=self.clock(),
                entities=list(fields["entities"]),
                text_format="plain",
                activity=activity,
            ),
        )
        return activity

    async def post_message(
        self,
        channel: Channel,
        user: User,
        text: str,
        *,
        bot: BotApp | None = None,
        mention: bool = True,
    ) -> BotResponse | None:
        """A new post in a channel. With `mention` the bot is @mentioned (`<at>Name</at>` and a
        mention entity) and receives it; otherwise, as in Teams, the bot hears nothing (None)
        unless the team granted it `ChannelMessage.Read.Group` when adding it.
        """
        return await self._channel_message(channel, user, text, None, bot, mention)

    async def reply(
        self,
        root: Message,
        user: User,
        text: str,
        *,
        bot: BotApp | None = None,
        mention: bool = True,
    ) -> BotResponse | None:
        """A reply in a channel post's thread (conversation id `<channel>;messageid=<root>`)."""
        channel = self.world.channels[root.conversation_id]
        return await self._channel_message(
            channel, user, text, root.thread_root or root.id, bot, mention
        )

    async def _channel_message(
        self,
        channel: Channel,
        user: User,
        text: str,
        root: str | None,
        bot: BotApp | None,
        mention: bool,
    ) -> BotResponse | None:
        team = self.world.teams[channel.team_id]
        target = self.sender.pick_bot(team, bot)
        conversation = self.world.conversations[channel.id]
        if target is None:
            self._store_plain(conversation, user, text, root)
            return None
        if mention:
            tag, _ = act.mention(target)
            text = text if tag in text else f"{tag} {text}"
        activity = self._user_message(conversation, user, text, root, target, mention)
        hears = mention or team.may_read_all_messages(target.app_id)
        if not hears or not target.endpoint:
            return None
        return await self.sender.send(target, activity)

    def _store_plain(
        self, conversation: Conversation, user: User, text: str, root: str | None
    ) -> None:
        message_id = self.sender.new_id()
        self.sender.store(
            conversation,
            Message(
                message_id,
                conversation.id,
                root or message_id,
                user.id,
                user.name,
                text,
                self.clock(),
                text_format="plain",
            ),
        )

    async def send_personal_message(self, bot: BotApp, user: User, text: str) -> BotResponse:
        """A message from the user in their personal chat with the bot."""
        if not self.world.bot_reaches_user(bot, user.id):
            raise ValueError(f"{bot.name} is not installed for {user.name}")
        conversation = self.world.personal_chat(bot, user)
        activity = self._user_message(conversation, user, text, None, bot, False)
        return await self.sender.send(bot, activity)

    # -- card actions -------------------------------------------------------------------------
    def action_frame(
        self, kind: str, message: Message, user: User, bot: BotApp | None
    ) -> tuple[BotApp, dict[str, Any]]:
        """A card action's activity of `kind` from `user`, replying to the card's message."""
        sender = message.via_bot_id or message.sender_id  # a card inserted via an app: its bot
        target = bot or self.world.bots.get(sender.removeprefix("28:"))
        if target is None:
            raise ValueError("card actions go to a bot: pass bot= for a user's message")
        conversation = self.world.conversations[message.conversation_id]
        where, data = self._where(conversation, message.thread_root)
        data["source"] = {"name": "message"}
        data["legacy"] = {"replyToId": message.id}
        activity = self.sender.frame(kind, target, user, where, data)
        activity["replyToId"] = message.id
        return target, activity

    async def submit_action(
        self,
        message: Message,
        user: User,
        data: dict[str, Any] | None = None,
        *,
        inputs: dict[str, Any] | None = None,
        bot: BotApp | None = None,
    ) -> BotResponse:
        """Click an Action.Submit: a `message` activity with `value` = data plus input values."""
        target, activity = self.action_frame("message", message, user, bot)
        activity["id"] = self.sender.new_id()
        activity["value"] = {**(data or {}), **(inputs or {})}
        return await self.sender.send(target, activity)

    # -- the authentication flow ---------------------------------------------------------------
    async def verify_signin_state(
        self,
        where: Message | Conversation,
        user: User,
        state: str,
        *,
        bot: BotApp | None = None,
    ) -> BotResponse:
        """The hand-back of Teams' bot authentication flow: after the page in the sign-in popup
        called `microsoftTeams.authentication.notifySuccess(state)`, Teams sends the bot a
        `signin/verifyState` invoke with `value: {"state": state}` from the user who clicked.

        `where` is the message holding the sign-in card (the invoke then replies to it, as a card
        action does), or a conversation when there is no card to point at.
        """
        if isinstance(where, Message):
            target, activity = self.action_frame("invoke", where, user, bot)
        else:
            target, activity = self._conversation_frame("invoke", where, user, bot)
        activity.update(name="signin/verifyState", value={"state": state})
        return await self.sender.send(target, activity)

    def _conversation_frame(
        self, kind: str, conversation: Conversation, user: User, bot: BotApp | None
    ) -> tuple[BotApp, dict[str, Any]]:
        if conversation.kind == "personal":
            target = bot or self.world.bots.get(conversation.bot_app_id or "")
        else:
            team = self.world.teams[conversation.team_id or ""]
            target = self.sender.pick_bot(team, bot)
        if target is None:
            raise ValueError(f"no bot to send to in {conversation.id}: pass bot=")
        where, data = self._where(conversation, None)
        return target, self.sender.frame(kind, target, user, where, data)
