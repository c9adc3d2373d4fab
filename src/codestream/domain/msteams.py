"""Microsoft Teams as CodeStream knows it: where the bot is installed, who is linked to whom,
and which channels receive codemarks. Ids are Teams' own strings (tenant GUIDs, `19:…` teams and
channels, `29:…` users, `a:…` personal chats)."""

from __future__ import annotations

from dataclasses import dataclass

GENERAL_CHANNEL_NAME = "General"
"""Teams sends the General channel's name as null, so clients can localize it."""

THREAD_MARKER = ";messageid="
"""A channel thread's conversation id is `<channel id>;messageid=<root message id>`."""


def split_thread(conversation_id: str) -> tuple[str, str | None]:
    """The channel (or chat) of a conversation id, and its thread's root message id if any."""
    channel, found, root = conversation_id.partition(THREAD_MARKER)
    return channel, (root or None) if found else None


@dataclass(frozen=True)
class MsTeamsTenant:
    """A Microsoft 365 organization the bot has heard from."""

    id: str
    service_url: str
    created_at: int
    modified_at: int


@dataclass(frozen=True)
class MsTeamsTeam:
    """A team in Teams that the bot is (or was) installed in."""

    id: str
    tenant_id: str
    name: str
    service_url: str
    bot_installed: bool
    created_at: int
    modified_at: int
    aad_group_id: str | None = None


@dataclass(frozen=True)
class MsTeamsChannel:
    """A channel of an installed team. The General channel's id equals the team's id."""

    id: str
    team_id: str
    tenant_id: str
    name: str | None
    deleted: bool
    created_at: int
    modified_at: int

    @property
    def display_name(self) -> str:
        """The name to show: Teams sends None for General."""
        return self.name or GENERAL_CHANNEL_NAME


@dataclass(frozen=True)
class PersonalChat:
    """The bot's 1:1 chat with one Teams user: where sign-in and confirmations happen."""

    id: str
    tenant_id: str
    teams_user_id: str
    user_name: str
    service_url: str
    bot_installed: bool
    created_at: int
    modified_at: int
    aad_object_id: str | None = None


@dataclass(frozen=True)
class UserLink:
    """A Teams user (in a tenant) signed in as a CodeStream user."""

    tenant_id: str
    teams_user_id: str
    user_id: str
    created_at: int
    aad_object_id: str | None = None


@dataclass(frozen=True)
class TenantLink:
    """A CodeStream team that shares into this tenant's Teams."""

    tenant_id: str
    team_id: str
    linked_by: str
    created_at: int


@dataclass(frozen=True)
class ChannelConnection:
    """A channel connected as a share target of a CodeStream team."""

    channel_id: str
    team_id: str
    connected_by: str
    created_at: int
    disconnected_at: int | None = None

    @property
    def active(self) -> bool:
        """Still connected."""
        return self.disconnected_at is None


@dataclass(frozen=True)
class SignInGrant:
    """One sign-in attempt from Teams: its state nonce (single use), and the one-time code the
    page shows for clients that can't follow the link back."""

    id: str
    tenant_id: str
    teams_user_id: str
    conversation_id: str
    created_at: int
    expires_at: int
    team_ids: tuple[str, ...] = ()
    user_id: str | None = None
    code_hash: str | None = None
    used_at: int | None = None
