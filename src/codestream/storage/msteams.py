"""Teams state on SQL: tenants, teams, channels, personal chats, links, connections, grants."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.msteams import (
    ChannelConnection,
    MsTeamsChannel,
    MsTeamsTeam,
    MsTeamsTenant,
    PersonalChat,
    SignInGrant,
    TenantLink,
    UserLink,
)
from codestream.storage.bulk import insert_new_keys
from codestream.storage.tables import (
    inbound_activities,
    msteams_channel_connections,
    msteams_channels,
    msteams_personal_chats,
    msteams_signin_grants,
    msteams_teams,
    msteams_tenant_links,
    msteams_tenants,
    msteams_user_links,
)


def _dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


async def _upsert(
    conn: AsyncConnection, table: sa.Table, values: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert a row, or update every column but the keys and `created_at` when it exists."""
    statement = _dialect_insert(conn, table).values(**values)
    changed = {
        name: statement.excluded[name]
        for name in values
        if name not in keys and name != "created_at"
    }
    await conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed))


def _tenant(row: Any) -> MsTeamsTenant:
    return MsTeamsTenant(
        id=row.id,
        service_url=row.service_url,
        created_at=row.created_at,
        modified_at=row.modified_at,
    )


def _team(row: Any) -> MsTeamsTeam:
    return MsTeamsTeam(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        service_url=row.service_url,
        bot_installed=row.bot_installed,
        created_at=row.created_at,
        modified_at=row.modified_at,
        aad_group_id=row.aad_group_id,
    )


def _channel(row: Any) -> MsTeamsChannel:
    return MsTeamsChannel(
        id=row.id,
        team_id=row.team_id,
        tenant_id=row.tenant_id,
        name=row.name,
        deleted=row.deleted,
        created_at=row.created_at,
        modified_at=row.modified_at,
    )


def _chat(row: Any) -> PersonalChat:
    return PersonalChat(
        id=row.id,
        tenant_id=row.tenant_id,
        teams_user_id=row.teams_user_id,
        user_name=row.user_name,
        service_url=row.service_url,
        bot_installed=row.bot_installed,
        created_at=row.created_at,
        modified_at=row.modified_at,
        aad_object_id=row.aad_object_id,
    )


def _connection(row: Any) -> ChannelConnection:
    return ChannelConnection(
        channel_id=row.channel_id,
        team_id=row.team_id,
        connected_by=row.connected_by,
        created_at=row.created_at,
        disconnected_at=row.disconnected_at,
    )


def _grant(row: Any) -> SignInGrant:
    return SignInGrant(
        id=row.id,
        tenant_id=row.tenant_id,
        teams_user_id=row.teams_user_id,
        conversation_id=row.conversation_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        team_ids=tuple(row.team_ids or ()),
        user_id=row.user_id,
        code_hash=row.code_hash,
        used_at=row.used_at,
    )


class SqlMsTeams:
    """MsTeamsRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, query: sa.Select[Any]) -> Any:
        return (await self._conn.execute(query)).first()

    # -- tenants, teams, channels -----------------------------------------------------------
    async def get_tenant(self, tenant_id: str) -> MsTeamsTenant | None:
        """A tenant by id."""
        row = await self._one(msteams_tenants.select().where(msteams_tenants.c.id == tenant_id))
        return None if row is None else _tenant(row)

    async def save_tenant(self, tenant: MsTeamsTenant) -> None:
        """Insert or update a tenant."""
        await _upsert(
            self._conn,
            msteams_tenants,
            {
                "id": tenant.id,
                "service_url": tenant.service_url,
                "created_at": tenant.created_at,
                "modified_at": tenant.modified_at,
            },
            ["id"],
        )

    async def get_team(self, team_id: str) -> MsTeamsTeam | None:
        """A Teams team by id."""
        row = await self._one(msteams_teams.select().where(msteams_teams.c.id == team_id))
        return None if row is None else _team(row)

    async def save_team(self, team: MsTeamsTeam) -> None:
        """Insert or update a Teams team."""
        await _upsert(
            self._conn,
            msteams_teams,
            {
                "id": team.id,
                "tenant_id": team.tenant_id,
                "name": team.name,
                "aad_group_id": team.aad_group_id,
                "service_url": team.service_url,
                "bot_installed": team.bot_installed,
                "created_at": team.created_at,
                "modified_at": team.modified_at,
            },
            ["id"],
        )

    async def get_channel(self, channel_id: str) -> MsTeamsChannel | None:
        """A channel by id."""
        row = await self._one(msteams_channels.select().where(msteams_channels.c.id == channel_id))
        return None if row is None else _channel(row)

    async def save_channel(self, channel: MsTeamsChannel) -> None:
        """Insert or update a channel."""
        await _upsert(
            self._conn,
            msteams_channels,
            {
                "id": channel.id,
                "team_id": channel.team_id,
                "tenant_id": channel.tenant_id,
                "name": channel.name,
                "deleted": channel.deleted,
                "created_at": channel.created_at,
                "modified_at": channel.modified_at,
            },
            ["id"],
        )

    async def list_channels(self, team_id: str) -> builtins.list[MsTeamsChannel]:
        """A team's channels, General first."""
        query = (
            msteams_channels.select()
            .where(msteams_channels.c.team_id == team_id)
            .order_by((msteams_channels.c.id != team_id), msteams_channels.c.name)
        )
        return [_channel(row) for row in await self._conn.execute(query)]

    # -- personal chats and links -----------------------------------------------------------
    async def get_personal_chat(self, chat_id: str) -> PersonalChat | None:
        """A personal chat by conversation id."""
        table = msteams_personal_chats
        row = await self._one(table.select().where(table.c.id == chat_id))
        return None if row is None else _chat(row)

    async def find_personal_chat(self, tenant_id: str, teams_user_id: str) -> PersonalChat | None:
        """The newest personal chat of a Teams user."""
        table = msteams_personal_chats
        query = (
            table.select()
            .where(table.c.tenant_id == tenant_id, table.c.teams_user_id == teams_user_id)
            .order_by(table.c.modified_at.desc())
            .limit(1)
        )
        row = await self._one(query)
        return None if row is None else _chat(row)

    async def save_personal_chat(self, chat: PersonalChat) -> None:
        """Insert or update a personal chat."""
        await _upsert(
            self._conn,
            msteams_personal_chats,
            {
                "id": chat.id,
                "tenant_id": chat.tenant_id,
                "teams_user_id": chat.teams_user_id,
                "aad_object_id": chat.aad_object_id,
                "user_name": chat.user_name,
                "service_url": chat.service_url,
                "bot_installed": chat.bot_installed,
                "created_at": chat.created_at,
                "modified_at": chat.modified_at,
            },
            ["id"],
        )

    async def get_user_link(self, tenant_id: str, teams_user_id: str) -> UserLink | None:
        """The CodeStream user a Teams user signed in as."""
        table = msteams_user_links
        query = table.select().where(
            table.c.tenant_id == tenant_id, table.c.teams_user_id == teams_user_id
        )
        row = await self._one(query)
        if row is None:
            return None
        return UserLink(
            tenant_id=row.tenant_id,
            teams_user_id=row.teams_user_id,
            user_id=row.user_id,
            created_at=row.created_at,
            aad_object_id=row.aad_object_id,
        )

    async def save_user_link(self, link: UserLink) -> None:
        """Insert or replace a user link."""
        await _upsert(
            self._conn,
            msteams_user_links,
            {
                "tenant_id": link.tenant_id,
                "teams_user_id": link.teams_user_id,
                "aad_object_id": link.aad_object_id,
                "user_id": link.user_id,
                "created_at": link.created_at,
            },
            ["tenant_id", "teams_user_id"],
        )

    async def delete_user_link(self, tenant_id: str, teams_user_id: str) -> bool:
        """Remove a user link; True if there was one."""
        table = msteams_user_links
        result = await self._conn.execute(
            table.delete()
            .where(table.c.tenant_id == tenant_id, table.c.teams_user_id == teams_user_id)
            .returning(table.c.user_id)
        )
        return result.first() is not None

    async def list_tenant_links(self, tenant_id: str) -> builtins.list[TenantLink]:
        """The CodeStream teams linked to a tenant."""
        table = msteams_tenant_links
        query = table.select().where(table.c.tenant_id == tenant_id).order_by(table.c.created_at)
        return [_tenant_link(row) for row in await self._conn.execute(query)]

    async def list_tenant_links_of_team(self, team_id: str) -> builtins.list[TenantLink]:
        """The tenants a CodeStream team is linked to."""
        table = msteams_tenant_links
        query = table.select().where(table.c.team_id == team_id).order_by(table.c.created_at)
        return [_tenant_link(row) for row in await self._conn.execute(query)]

    async def add_tenant_link(self, link: TenantLink) -> bool:
        """Link a tenant to a team unless it is linked already."""
        statement = (
            _dialect_insert(self._conn, msteams_tenant_links)
            .values(
                tenant_id=link.tenant_id,
                team_id=link.team_id,
                linked_by=link.linked_by,
                created_at=link.created_at,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "team_id"])
            .returning(msteams_tenant_links.c.team_id)
        )
        return (await self._conn.execute(statement)).first() is not None

    async def delete_tenant_link(self, tenant_id: str, team_id: str) -> bool:
        """Unlink a tenant from a team; True if they were linked."""
        table = msteams_tenant_links
        result = await self._conn.execute(
            table.delete()
            .where(table.c.tenant_id == tenant_id, table.c.team_id == team_id)
            .returning(table.c.team_id)
        )
        return result.first() is not None

    # -- channel connections ----------------------------------------------------------------
    async def list_connections_of_channel(
        self, channel_id: str
    ) -> builtins.list[ChannelConnection]:
        """Every connection of a channel, disconnected ones too."""
        table = msteams_channel_connections
        query = table.select().where(table.c.channel_id == channel_id).order_by(table.c.team_id)
        return [_connection(row) for row in await self._conn.execute(query)]

    async def save_connection(self, connection: ChannelConnection) -> None:
        """Insert or replace a connection (a reconnect replaces its times and connector)."""
        table = msteams_channel_connections
        statement = _dialect_insert(self._conn, table).values(
            channel_id=connection.channel_id,
            team_id=connection.team_id,
            connected_by=connection.connected_by,
            created_at=connection.created_at,
            disconnected_at=connection.disconnected_at,
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["channel_id", "team_id"],
                set_={
                    "connected_by": statement.excluded.connected_by,
                    "created_at": statement.excluded.created_at,
                    "disconnected_at": statement.excluded.disconnected_at,
                },
            )
        )

    async def disconnect_channels(
        self,
        *,
        now: int,
        channel_id: str | None = None,
        msteams_team_id: str | None = None,
        tenant_id: str | None = None,
        team_ids: Sequence[str] | None = None,
    ) -> int:
        """Mark matching active connections disconnected; how many changed."""
        table = msteams_channel_connections
        conditions: builtins.list[sa.ColumnElement[bool]] = [table.c.disconnected_at.is_(None)]
        if channel_id is not None:
            conditions.append(table.c.channel_id == channel_id)
        if msteams_team_id is not None or tenant_id is not None:
            channels = sa.select(msteams_channels.c.id)
            if msteams_team_id is not None:
                channels = channels.where(msteams_channels.c.team_id == msteams_team_id)
            if tenant_id is not None:
                channels = channels.where(msteams_channels.c.tenant_id == tenant_id)
            conditions.append(table.c.channel_id.in_(channels.scalar_subquery()))
        if team_ids is not None:
            if not team_ids:
                return 0
            conditions.append(table.c.team_id.in_(list(team_ids)))
        result = await self._conn.execute(
            table.update()
            .where(*conditions)
            .values(disconnected_at=now)
            .returning(table.c.channel_id)
        )
        return len(result.all())

    async def list_connected_channels(
        self, team_id: str
    ) -> builtins.list[tuple[ChannelConnection, MsTeamsChannel, MsTeamsTeam]]:
        """A CodeStream team's live connections, with their channel and Teams team."""
        conn_t, chan_t, team_t = msteams_channel_connections, msteams_channels, msteams_teams
        query = (
            sa.select(
                *[c.label(f"k_{c.name}") for c in conn_t.c],
                *[c.label(f"c_{c.name}") for c in chan_t.c],
                *[c.label(f"t_{c.name}") for c in team_t.c],
            )
            .select_from(
                conn_t.join(chan_t, chan_t.c.id == conn_t.c.channel_id).join(
                    team_t, team_t.c.id == chan_t.c.team_id
                )
            )
            .where(
                conn_t.c.team_id == team_id,
                conn_t.c.disconnected_at.is_(None),
                chan_t.c.deleted.is_(False),
                team_t.c.bot_installed.is_(True),
            )
            .order_by(team_t.c.name, chan_t.c.name, chan_t.c.id)
        )
        found = []
        for row in await self._conn.execute(query):
            mapping = row._mapping
            found.append(
                (
                    _connection(_Prefixed(mapping, "k_")),
                    _channel(_Prefixed(mapping, "c_")),
                    _team(_Prefixed(mapping, "t_")),
                )
            )
        return found

    # -- sign-in grants ---------------------------------------------------------------------
    async def add_grant(self, grant: SignInGrant) -> None:
        """Store a new grant."""
        await self._conn.execute(msteams_signin_grants.insert().values(**_grant_values(grant)))

    async def get_grant(self, grant_id: str) -> SignInGrant | None:
        """A grant by id."""
        table = msteams_signin_grants
        row = await self._one(table.select().where(table.c.id == grant_id))
        return None if row is None else _grant(row)

    async def get_grant_by_code(self, code_hash: str) -> SignInGrant | None:
        """The grant whose one-time code hashes to this."""
        table = msteams_signin_grants
        row = await self._one(table.select().where(table.c.code_hash == code_hash))
        return None if row is None else _grant(row)

    async def update_grant(self, grant: SignInGrant) -> None:
        """Store a grant's new state."""
        table = msteams_signin_grants
        values = _grant_values(grant)
        del values["id"]
        await self._conn.execute(table.update().where(table.c.id == grant.id).values(**values))

    async def claim_grant(self, grant_id: str, now: int) -> bool:
        """Set `used_at` unless set; True when this call set it."""
        table = msteams_signin_grants
        result = await self._conn.execute(
            table.update()
            .where(table.c.id == grant_id, table.c.used_at.is_(None))
            .values(used_at=now)
            .returning(table.c.id)
        )
        return result.first() is not None


class _Prefixed:
    """Attribute access to the columns of a joined row that carry one prefix."""

    def __init__(self, mapping: Any, prefix: str) -> None:
        self._mapping = mapping
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        return self._mapping[f"{self._prefix}{name}"]


def _tenant_link(row: Any) -> TenantLink:
    return TenantLink(
        tenant_id=row.tenant_id,
        team_id=row.team_id,
        linked_by=row.linked_by,
        created_at=row.created_at,
    )


def _grant_values(grant: SignInGrant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "code_hash": grant.code_hash,
        "tenant_id": grant.tenant_id,
        "teams_user_id": grant.teams_user_id,
        "conversation_id": grant.conversation_id,
        "user_id": grant.user_id,
        "team_ids": list(grant.team_ids),
        "created_at": grant.created_at,
        "expires_at": grant.expires_at,
        "used_at": grant.used_at,
    }


class SqlInboundActivities:
    """InboundActivityLog on SQL: the primary key makes a second insert of a key fail."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def first_time(self, key: str, now: int) -> bool:
        """Insert the key unless present; True when this call inserted it."""
        return key in await self.first_times([key], now)

    async def first_times(self, keys: Sequence[str], now: int) -> set[str]:
        """Insert the keys that are not present (one statement); the ones this call inserted."""
        return await insert_new_keys(
            self._conn, inbound_activities.c.key, inbound_activities.c.received_at, keys, now
        )

    async def forget_before(self, before: int, *, limit: int) -> int:
        """Delete up to `limit` keys received before `before` (oldest first)."""
        oldest = (
            sa.select(inbound_activities.c.key)
            .where(inbound_activities.c.received_at < before)
            .order_by(inbound_activities.c.received_at)
            .limit(limit)
        )
        result = await self._conn.execute(
            inbound_activities.delete().where(
                inbound_activities.c.key.in_(oldest.scalar_subquery())
            )
        )
        return int(result.rowcount or 0)
