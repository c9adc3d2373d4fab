"""Microsoft Teams as CodeStream knows it: where the bot is installed, who is linked to whom,
and which channels receive codemarks. Ids are Teams' own strings (tenant GUIDs, `19:…` teams and
channels, `29:…` users, `a:…` personal chats). The Teams state's storage ports are here too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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
    domain: str | None = None
    """The domain of the sign-in name of the Teams user who first linked it: its label."""

    @property
    def label(self) -> str:
        """How people tell this organization from another: its domain, else its id."""
        return organization_label(self.domain, self.id)


def organization_label(domain: str | None, tenant_id: str) -> str:
    """An organization as people see it: its domain (Teams sends no tenant name), else its id."""
    return domain or f"tenant {tenant_id}"


@dataclass(frozen=True)
class TeamsProfile:
    """What Teams' member lookup says about a user: display name, email, sign-in name (UPN)."""

    name: str = ""
    email: str = ""
    user_principal_name: str = ""

    @property
    def shown_email(self) -> str:
        """The address to show people: the email, else the sign-in name."""
        return self.email or self.user_principal_name

    @property
    def domain(self) -> str:
        """The organization's domain: of the sign-in name (a domain the tenant verified), else
        of the email; '' when Teams said neither."""
        for address in (self.user_principal_name, self.email):
            local, at, domain = address.rpartition("@")
            if at and local and domain:
                return domain.lower()
        return ""


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
    teams_user_email: str | None = None
    teams_user_name: str | None = None
    tenant_domain: str | None = None


class MsTeamsRepository(Protocol):
    """Teams state: tenants, installed teams and channels, personal chats, links, connections,
    sign-in grants. `save_*` insert or replace by primary key (keeping `created_at`)."""

    async def get_tenant(self, tenant_id: str) -> MsTeamsTenant | None:
        """A tenant by id."""
        ...

    async def save_tenant(self, tenant: MsTeamsTenant) -> None:
        """Insert or update a tenant."""
        ...

    async def get_team(self, team_id: str) -> MsTeamsTeam | None:
        """A Teams team by id."""
        ...

    async def save_team(self, team: MsTeamsTeam) -> None:
        """Insert or update a Teams team."""
        ...

    async def get_channel(self, channel_id: str) -> MsTeamsChannel | None:
        """A channel by id."""
        ...

    async def save_channel(self, channel: MsTeamsChannel) -> None:
        """Insert or update a channel."""
        ...

    async def list_channels(self, team_id: str) -> list[MsTeamsChannel]:
        """A team's channels, General first."""
        ...

    async def get_personal_chat(self, chat_id: str) -> PersonalChat | None:
        """A personal chat by conversation id."""
        ...

    async def find_personal_chat(self, tenant_id: str, teams_user_id: str) -> PersonalChat | None:
        """The newest personal chat of a Teams user."""
        ...

    async def save_personal_chat(self, chat: PersonalChat) -> None:
        """Insert or update a personal chat."""
        ...

    async def get_user_link(self, tenant_id: str, teams_user_id: str) -> UserLink | None:
        """The CodeStream user a Teams user signed in as."""
        ...

    async def list_user_links_of(self, user_id: str) -> list[UserLink]:
        """Every Teams user signed in as this CodeStream user, oldest first."""
        ...

    async def save_user_link(self, link: UserLink) -> None:
        """Insert or replace a user link."""
        ...

    async def delete_user_link(self, tenant_id: str, teams_user_id: str) -> bool:
        """Remove a user link; True if there was one."""
        ...

    async def list_user_links_of_users(self, user_ids: Sequence[str]) -> list[UserLink]:
        """The Teams users signed in as any of these CodeStream users, oldest first."""
        ...

    async def list_team_user_links(
        self, tenant_id: str, team_id: str, *, limit: int
    ) -> list[UserLink]:
        """The Teams users of a tenant signed in as active members of a CodeStream team, at most
        `limit`, the newest link first (ties by Teams user id)."""
        ...

    async def delete_user_links_of_user(self, user_id: str) -> int:
        """Sign every Teams user linked to a CodeStream user out; how many were."""
        ...

    async def list_tenant_links(self, tenant_id: str) -> list[TenantLink]:
        """The CodeStream teams linked to a tenant."""
        ...

    async def list_tenant_links_of_team(self, team_id: str) -> list[TenantLink]:
        """The tenants a CodeStream team is linked to."""
        ...

    async def add_tenant_link(self, link: TenantLink) -> bool:
        """Link a tenant to a CodeStream team; False if it already was."""
        ...

    async def delete_tenant_link(self, tenant_id: str, team_id: str) -> bool:
        """Unlink a tenant from a team; True if they were linked."""
        ...

    async def list_connections_of_channel(self, channel_id: str) -> list[ChannelConnection]:
        """Every connection of a channel, disconnected ones too."""
        ...

    async def save_connection(self, connection: ChannelConnection) -> None:
        """Insert or replace a connection (a reconnect replaces its times and connector)."""
        ...

    async def disconnect_channels(
        self,
        *,
        now: int,
        channel_id: str | None = None,
        msteams_team_id: str | None = None,
        tenant_id: str | None = None,
        team_ids: Sequence[str] | None = None,
    ) -> int:
        """Mark active connections disconnected: of one channel, of one Teams team's channels, or
        of a tenant's channels; only of `team_ids` when given. Returns how many changed."""
        ...

    async def list_connected_channels(
        self, team_id: str
    ) -> list[tuple[ChannelConnection, MsTeamsChannel, MsTeamsTeam]]:
        """A CodeStream team's active connections to channels that exist, in teams the bot is
        still installed in, by team and channel name."""
        ...

    async def add_grant(self, grant: SignInGrant) -> None:
        """Store a new grant."""
        ...

    async def get_grant(self, grant_id: str) -> SignInGrant | None:
        """A grant by id."""
        ...

    async def get_grant_by_code(self, code_hash: str) -> SignInGrant | None:
        """The grant whose one-time code hashes to this."""
        ...

    async def update_grant(self, grant: SignInGrant) -> None:
        """Store a grant's new state."""
        ...

    async def claim_grant(self, grant_id: str, now: int) -> bool:
        """Set `used_at` if it is still unset; True when this call set it (single use)."""
        ...


class InboundActivityLog(Protocol):
    """Activity keys already handled, shared by every server process."""

    async def first_time(self, key: str, now: int) -> bool:
        """Record the key; True if it was new, False if some process recorded it before."""
        ...

    async def first_times(self, keys: Sequence[str], now: int) -> set[str]:
        """Record many keys at once; the ones that were new (a key given twice counts once)."""
        ...

    async def keep_answers(self, answers: Mapping[str, dict[str, Any]], now: int) -> None:
        """Keep the answers given to invokes, by key (keys recorded in this transaction)."""
        ...

    async def answers(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The answers kept for these keys (keys without one are left out)."""
        ...

    async def forget_before(self, before: int, *, limit: int) -> int:
        """Forget up to `limit` keys recorded before `before`; how many went."""
        ...

    async def forget_answers_before(self, before: int, *, limit: int) -> int:
        """Forget up to `limit` answers kept before `before`; how many went."""
        ...
