"""`World`: the container of all entities, with the lookups and changes the routes need."""

from __future__ import annotations

from teams_emulator import ids
from teams_emulator.entities import BotApp, Channel, Conversation, Message, Team, Tenant, User


class World:
    """Every tenant, team, channel, user, bot and conversation the emulator knows."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.channels: dict[str, Channel] = {}
        self.bots: dict[str, BotApp] = {}
        self.conversations: dict[str, Conversation] = {}
        self.message_ids = ids.MessageIds()
        self.version = 0

    def touch(self) -> None:
        """Record that something visible changed."""
        self.version += 1

    # -- tenants, users, bots -------------------------------------------------------------
    def add_tenant(self, name: str, *, tenant_id: str | None = None, domain: str = "") -> Tenant:
        """Create a directory."""
        slug = "".join(ch for ch in name.lower() if ch.isalnum()) or "tenant"
        tenant = Tenant(tenant_id or ids.guid(), name, domain or f"{slug}.onmicrosoft.com")
        self.tenants[tenant.id] = tenant
        self.touch()
        return tenant

    def find_tenant(self, id_or_domain: str) -> Tenant | None:
        """A tenant by GUID or by domain name (case-insensitive), as Entra accepts either."""
        if id_or_domain in self.tenants:
            return self.tenants[id_or_domain]
        wanted = id_or_domain.lower()
        return next((t for t in self.tenants.values() if t.domain.lower() == wanted), None)

    def add_user(
        self,
        tenant: Tenant,
        name: str,
        *,
        email: str | None = None,
        user_id: str | None = None,
        aad_object_id: str | None = None,
    ) -> User:
        """Create a user in a tenant (new ids unless given, e.g. kept from an earlier run)."""
        given, _, surname = name.partition(" ")
        local = ".".join(part.lower() for part in name.split()) or "user"
        user = User(
            id=user_id or ids.user_mri(),
            aad_object_id=aad_object_id or ids.guid(),
            name=name,
            given_name=given,
            surname=surname,
            email=email or f"{local}@{tenant.domain}",
            tenant_id=tenant.id,
        )
        self.users[user.id] = user
        self.touch()
        return user

    def find_user(self, user_id: str) -> User | None:
        """A user by `29:` id or by Entra object id."""
        if user_id in self.users:
            return self.users[user_id]
        return next((u for u in self.users.values() if u.aad_object_id == user_id), None)

    def add_bot(self, bot: BotApp) -> BotApp:
        """Register a bot app."""
        self.bots[bot.app_id] = bot
        self.touch()
        return bot

    # -- teams and channels ---------------------------------------------------------------
    def add_team(
        self,
        tenant: Tenant,
        name: str,
        members: list[User],
        *,
        team_id: str | None = None,
        aad_group_id: str | None = None,
    ) -> Team:
        """Create a team with its General channel (new ids unless given)."""
        team_id = team_id or ids.thread_id()
        team = Team(team_id, name, aad_group_id or ids.guid(), tenant.id, [u.id for u in members])
        self.teams[team_id] = team
        self._add_channel(team, "General", team_id)
        return team

    def add_channel(self, team: Team, name: str, *, channel_id: str | None = None) -> Channel:
        """Create a standard channel in a team (a new id unless given)."""
        return self._add_channel(team, name, channel_id or ids.thread_id())

    def _add_channel(self, team: Team, name: str, channel_id: str) -> Channel:
        channel = Channel(channel_id, name, team.id)
        team.channels[channel_id] = channel
        self.channels[channel_id] = channel
        self.conversations[channel_id] = Conversation(
            channel_id, "channel", team.tenant_id, team_id=team.id
        )
        self.touch()
        return channel

    def personal_chat(self, bot: BotApp, user: User, *, chat_id: str | None = None) -> Conversation:
        """The one-to-one chat between a bot and a user (created once, then the same id;
        `chat_id` names it when it is made, e.g. kept from an earlier run)."""
        for conversation in self.conversations.values():
            if (conversation.kind, conversation.user_id, conversation.bot_app_id) == (
                "personal",
                user.id,
                bot.app_id,
            ):
                return conversation
        conversation = Conversation(
            chat_id or ids.personal_chat_id(),
            "personal",
            user.tenant_id,
            user_id=user.id,
            bot_app_id=bot.app_id,
        )
        self.conversations[conversation.id] = conversation
        self.touch()
        return conversation

    # -- lookups for the connector --------------------------------------------------------
    def find_conversation(self, conversation_id: str) -> tuple[Conversation, str | None] | None:
        """The conversation and thread root named by a connector conversation id."""
        base, root = ids.split_conversation_id(conversation_id)
        conversation = self.conversations.get(base)
        if conversation is None:
            return None
        if conversation.kind == "channel" and self.channels[base].deleted:
            return None
        return conversation, root

    def bot_in_roster(self, app_id: str, conversation: Conversation) -> bool:
        """Whether the bot is (still) a member of the conversation."""
        if conversation.kind == "channel":
            team = self.teams[conversation.team_id or ""]
            return app_id in team.installed_bots
        bot = self.bots.get(app_id)
        if bot is None or conversation.bot_app_id != app_id:
            return False
        return self.bot_reaches_user(bot, conversation.user_id or "")

    def cut_off_user(self, bot: BotApp, user_id: str) -> None:
        """The bot can no longer reach the user one-to-one, and Teams tells the bot nothing: the
        user left the organization, or an admin blocked the app for them. Sends into their
        personal chat answer 403, and so does creating it."""
        bot.personal_installs.discard(user_id)
        bot.personal_removed.add(user_id)
        self.touch()

    def bot_reaches_user(self, bot: BotApp, user_id: str) -> bool:
        """Whether a bot may talk to a user one-to-one: installed for the user, or sharing a team
        where it is installed (unless the user removed it from their personal scope)."""
        if user_id in bot.personal_installs:
            return True
        if user_id in bot.personal_removed:
            return False
        return any(
            bot.app_id in team.installed_bots and user_id in team.members
            for team in self.teams.values()
        )

    def members_of(self, conversation: Conversation) -> list[User]:
        """The users in a conversation (bots are not listed)."""
        if conversation.kind == "channel":
            team = self.teams[conversation.team_id or ""]
            return [self.users[u] for u in team.members]
        return [self.users[conversation.user_id or ""]]

    def find_message(self, conversation: Conversation, message_id: str) -> Message | None:
        """A message of a conversation by id."""
        return conversation.messages.get(message_id)

    def add_message(self, conversation: Conversation, message: Message) -> Message:
        """Store a message."""
        conversation.messages[message.id] = message
        self.touch()
        return message
