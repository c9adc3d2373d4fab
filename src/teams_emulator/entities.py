"""The entities of the in-memory Teams world: tenants, users, teams, channels, bot apps,
conversations, messages.

Plain data; no HTTP. `World` (world.py) holds them all. The connector routes and the driver both
change them, and every change bumps `World.version` so the web page knows to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from teams_emulator import ids

ConversationKind = Literal["channel", "personal"]


@dataclass
class Tenant:
    """An Entra directory."""

    id: str
    name: str
    domain: str


@dataclass
class User:
    """A Teams user in one tenant."""

    id: str
    aad_object_id: str
    name: str
    given_name: str
    surname: str
    email: str
    tenant_id: str
    role: str = "user"
    locale: str = "en-US"
    timezone: str = "America/Los_Angeles"
    utc_offset_minutes: int = -420

    def account(self) -> dict[str, Any]:
        """The `from` of an activity this user sends."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def member(self) -> dict[str, Any]:
        """The TeamsChannelAccount the members APIs return (both `objectId` and `aadObjectId`)."""
        return {
            "id": self.id,
            "name": self.name,
            "objectId": self.aad_object_id,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": self.tenant_id,
            "userRole": self.role,
        }


READ_CHANNEL_MESSAGES = "ChannelMessage.Read.Group"
"""The RSC permission that makes Teams deliver every channel message to a bot."""


@dataclass
class BotApp:
    """An Azure Bot registration: app id, secret, home tenant (None = legacy multi-tenant)."""

    app_id: str
    secret: str
    name: str
    home_tenant_id: str | None
    endpoint: str | None = None
    personal_installs: set[str] = field(default_factory=set)
    personal_removed: set[str] = field(default_factory=set)

    @property
    def mri(self) -> str:
        """The bot's id inside conversations (`28:<appId>`)."""
        return ids.bot_mri(self.app_id)

    def account(self) -> dict[str, Any]:
        """The `recipient` of activities sent to this bot."""
        return {"id": self.mri, "name": self.name}


@dataclass
class CardView:
    """What one user's Teams client holds for a bot's card (Universal Actions).

    Teams shows a card an `adaptiveCard/action` answer returned only to the user whose client
    asked for it ("User Specific Views"); everyone else keeps the message's own card.
    """

    card: dict[str, Any] | None = None
    """The user-specific card; None: the message's own card."""
    invoked_at: float | None = None
    """When this user's client last sent the card an `adaptiveCard/action` invoke."""
    prompt: dict[str, Any] | None = None
    """A pending sign-in (a loginRequest answer): the OAuthCard value and the action to resend."""
    notice: dict[str, str] | None = None
    """What Teams shows under the card after the last invoke: `{"kind", "text"}`."""


@dataclass
class Message:
    """One message in a conversation, from a user or a bot."""

    id: str
    conversation_id: str
    thread_root: str | None
    sender_id: str
    sender_name: str
    text: str
    timestamp: float
    attachments: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    text_format: str = "markdown"
    value: Any = None
    reply_to_id: str | None = None
    updated: float | None = None
    deleted: bool = False
    activity: dict[str, Any] = field(default_factory=dict)
    views: dict[str, CardView] = field(default_factory=dict)
    """Per user id: that user's view of the message's card (user-specific card, sign-in)."""
    via_bot_id: str | None = None
    """A user's message carrying a message extension's card: the app's bot (`28:<appId>`),
    which the card's actions and refresh go to."""

    @property
    def from_bot(self) -> bool:
        """Whether a bot sent it."""
        return self.sender_id.startswith("28:")

    @property
    def from_app(self) -> bool:
        """Whether a bot sent it, or it carries a card inserted through an app's extension:
        either way the card's actions and refresh go to that bot."""
        return self.from_bot or self.via_bot_id is not None

    @property
    def thread_conversation_id(self) -> str:
        """The conversation id a bot uses to reply in this message's thread."""
        if self.thread_root is None:
            return self.conversation_id
        return ids.thread_conversation_id(self.conversation_id, self.thread_root)


@dataclass
class Conversation:
    """A channel (messages grouped into threads) or a personal chat between a bot and a user."""

    id: str
    kind: ConversationKind
    tenant_id: str
    team_id: str | None = None
    user_id: str | None = None
    bot_app_id: str | None = None
    messages: dict[str, Message] = field(default_factory=dict)

    def thread(self, root_id: str) -> list[Message]:
        """The root message and its replies, oldest first."""
        return [m for m in self.messages.values() if m.thread_root == root_id]


@dataclass
class Channel:
    """A channel of a team; the General channel's id equals the team id."""

    id: str
    name: str
    team_id: str
    deleted: bool = False

    @property
    def is_general(self) -> bool:
        """Whether this is the team's default channel."""
        return self.id == self.team_id


@dataclass
class Team:
    """A team: members, channels, installed bot apps."""

    id: str
    name: str
    aad_group_id: str
    tenant_id: str
    members: list[str] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)
    installed_bots: set[str] = field(default_factory=set)
    consents: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per installed app id: the resource-specific (RSC) permissions the owner granted."""

    def may_read_all_messages(self, app_id: str) -> bool:
        """Whether the app hears channel messages that don't @mention it (RSC consent)."""
        return READ_CHANNEL_MESSAGES in self.consents.get(app_id, frozenset())

    @property
    def general(self) -> Channel:
        """The General channel."""
        return self.channels[self.id]
