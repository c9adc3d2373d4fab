"""Teams state on SQL: tenants, teams, channels, personal chats, links, connections, grants."""

from __future__ import annotations

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
from codestream.storage.bulk import dialect_insert, upsert
from codestream.storage.rows import from_row, values_of
from codestream.storage.tables import (
    msteams_channel_connections,
    msteams_channels,
    msteams_personal_chats,
    msteams_signin_grants,
    msteams_teams,
    msteams_tenant_links,
    msteams_tenants,
    msteams_user_links,
    team_members,
    users,
)


class SqlMsTeams:
    """MsTeamsRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, query: sa.Select[Any]) -> Any:
        return (await self._conn.execute(query)).first()

    # -- tenants, teams, channels -----------------------------------------------------------
    async def get_tenant(self, tenant_id: str) -> MsTeamsTenant | None:
        row = await self._one(msteams_tenants.select().where(msteams_tenants.c.id == tenant_id))
        return None if row is None else from_row(MsTeamsTenant, row)

    async def save_tenant(self, tenant: MsTeamsTenant) -> None:
        await upsert(self._conn, msteams_tenants, values_of(tenant), ["id"])

    async def get_team(self, team_id: str) -> MsTeamsTeam | None:
        row = await self._one(msteams_teams.select().where(msteams_teams.c.id == team_id))
        return None if row is None else from_row(MsTeamsTeam, row)

    async def save_team(self, team: MsTeamsTeam) -> None:
        await upsert(self._conn, msteams_teams, values_of(team), ["id"])

    async def get_channel(self, channel_id: str) -> MsTeamsChannel | None:
        row = await self._one(msteams_channels.select().where(msteams_channels.c.id == channel_id))
        return None if row is None else from_row(MsTeamsChannel, row)

    async def save_channel(self, channel: MsTeamsChannel) -> None:
        await upsert(self._conn, msteams_channels, values_of(channel), ["id"])

    async def list_channels(self, team_id: str) -> list[MsTeamsChannel]:
        query = (
            msteams_channels.select()
            .where(msteams_channels.c.team_id == team_id)
            .order_by((msteams_channels.c.id != team_id), msteams_channels.c.name)
        )
        return [from_row(MsTeamsChannel, row) for row in await self._conn.execute(query)]

    # -- personal chats and links -----------------------------------------------------------
    async def get_personal_chat(self, chat_id: str) -> PersonalChat | None:
        table = msteams_personal_chats
        row = await self._one(table.select().where(table.c.id == chat_id))
        return None if row is None else from_row(PersonalChat, row)

    async def find_personal_chat(self, tenant_id: str, teams_user_id: str) -> PersonalChat | None:
        table = msteams_personal_chats
        query = (
            table.select()
            .where(table.c.tenant_id == tenant_id, table.c.teams_user_id == teams_user_id)
            .order_by(table.c.modified_at.desc())
            .limit(1)
        )
        row = await self._one(query)
        return None if row is None else from_row(PersonalChat, row)

    async def save_personal_chat(self, chat: PersonalChat) -> None:
        await upsert(self._conn, msteams_personal_chats, values_of(chat), ["id"])

    async def get_user_link(self, tenant_id: str, teams_user_id: str) -> UserLink | None:
        table = msteams_user_links
        query = table.select().where(
            table.c.tenant_id == tenant_id, table.c.teams_user_id == teams_user_id
        )
        row = await self._one(query)
        return None if row is None else from_row(UserLink, row)

    async def list_user_links_of(self, user_id: str) -> list[UserLink]:
        table = msteams_user_links
        query = table.select().where(table.c.user_id == user_id).order_by(table.c.created_at)
        return [from_row(UserLink, row) for row in await self._conn.execute(query)]

    async def save_user_link(self, link: UserLink) -> None:
        await upsert(
            self._conn, msteams_user_links, values_of(link), ["tenant_id", "teams_user_id"]
        )

    async def delete_user_link(self, tenant_id: str, teams_user_id: str) -> bool:
        table = msteams_user_links
        result = await self._conn.execute(
            table.delete()
            .where(table.c.tenant_id == tenant_id, table.c.teams_user_id == teams_user_id)
            .returning(table.c.user_id)
        )
        return result.first() is not None

    async def list_user_links_of_users(self, user_ids: Sequence[str]) -> list[UserLink]:
        if not user_ids:
            return []
        table = msteams_user_links
        query = (
            table.select()
            .where(table.c.user_id.in_(list(user_ids)))
            .order_by(table.c.created_at, table.c.tenant_id, table.c.teams_user_id)
        )
        return [from_row(UserLink, row) for row in await self._conn.execute(query)]

    async def list_team_user_links(
        self, tenant_id: str, team_id: str, *, limit: int
    ) -> list[UserLink]:
        table = msteams_user_links
        query = (
            table.select()
            .join(team_members, team_members.c.user_id == table.c.user_id)
            .join(users, users.c.id == table.c.user_id)
            .where(
                table.c.tenant_id == tenant_id,
                team_members.c.team_id == team_id,
                users.c.deactivated.is_(False),
            )
            .order_by(table.c.created_at.desc(), table.c.teams_user_id)
            .limit(limit)
        )
        return [from_row(UserLink, row) for row in await self._conn.execute(query)]

    async def delete_user_links_of_user(self, user_id: str) -> int:
        table = msteams_user_links
        result = await self._conn.execute(
            table.delete().where(table.c.user_id == user_id).returning(table.c.teams_user_id)
        )
        return len(result.all())

    async def list_tenant_links(self, tenant_id: str) -> list[TenantLink]:
        table = msteams_tenant_links
        query = table.select().where(table.c.tenant_id == tenant_id).order_by(table.c.created_at)
        return [from_row(TenantLink, row) for row in await self._conn.execute(query)]

    async def list_tenant_links_of_team(self, team_id: str) -> list[TenantLink]:
        table = msteams_tenant_links
        query = table.select().where(table.c.team_id == team_id).order_by(table.c.created_at)
        return [from_row(TenantLink, row) for row in await self._conn.execute(query)]

    async def add_tenant_link(self, link: TenantLink) -> bool:
        statement = (
            dialect_insert(self._conn, msteams_tenant_links)
            .values(**values_of(link))
            .on_conflict_do_nothing(index_elements=["tenant_id", "team_id"])
            .returning(msteams_tenant_links.c.team_id)
        )
        return (await self._conn.execute(statement)).first() is not None

    async def delete_tenant_link(self, tenant_id: str, team_id: str) -> bool:
        table = msteams_tenant_links
        result = await self._conn.execute(
            table.delete()
            .where(table.c.tenant_id == tenant_id, table.c.team_id == team_id)
            .returning(table.c.team_id)
        )
        return result.first() is not None

    # -- channel connections ----------------------------------------------------------------
    async def list_connections_of_channel(self, channel_id: str) -> list[ChannelConnection]:
        table = msteams_channel_connections
        query = table.select().where(table.c.channel_id == channel_id).order_by(table.c.team_id)
        return [from_row(ChannelConnection, row) for row in await self._conn.execute(query)]

    async def save_connection(self, connection: ChannelConnection) -> None:
        await upsert(
            self._conn,
            msteams_channel_connections,
            values_of(connection),
            ["channel_id", "team_id"],
            kept=(),
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
        table = msteams_channel_connections
        conditions: list[sa.ColumnElement[bool]] = [table.c.disconnected_at.is_(None)]
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
    ) -> list[tuple[ChannelConnection, MsTeamsChannel, MsTeamsTeam]]:
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
        return [
            (
                from_row(ChannelConnection, row, prefix="k_"),
                from_row(MsTeamsChannel, row, prefix="c_"),
                from_row(MsTeamsTeam, row, prefix="t_"),
            )
            for row in await self._conn.execute(query)
        ]

    # -- sign-in grants ---------------------------------------------------------------------
    async def add_grant(self, grant: SignInGrant) -> None:
        await self._conn.execute(msteams_signin_grants.insert().values(**_grant_values(grant)))

    async def get_grant(self, grant_id: str) -> SignInGrant | None:
        table = msteams_signin_grants
        row = await self._one(table.select().where(table.c.id == grant_id))
        return None if row is None else from_row(SignInGrant, row, team_ids=_tuple)

    async def get_grant_by_code(self, code_hash: str) -> SignInGrant | None:
        table = msteams_signin_grants
        row = await self._one(table.select().where(table.c.code_hash == code_hash))
        return None if row is None else from_row(SignInGrant, row, team_ids=_tuple)

    async def update_grant(self, grant: SignInGrant) -> None:
        table = msteams_signin_grants
        await self._conn.execute(
            table.update()
            .where(table.c.id == grant.id)
            .values(**_grant_values(grant, skip=("id",)))
        )

    async def claim_grant(self, grant_id: str, now: int) -> bool:
        table = msteams_signin_grants
        result = await self._conn.execute(
            table.update()
            .where(table.c.id == grant_id, table.c.used_at.is_(None))
            .values(used_at=now)
            .returning(table.c.id)
        )
        return result.first() is not None


def _grant_values(grant: SignInGrant, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return values_of(grant, skip=skip, team_ids=list)


def _tuple(values: list[str] | None) -> tuple[str, ...]:
    return tuple(values or ())
