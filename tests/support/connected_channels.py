"""A stand-in for the bot's `connect`, for share tests: writes a Teams tenant, team and channel
and connects the channel to a CodeStream team, straight into the tables the bot fills.

Use `connect_channel` where a test needs a share target and the Teams side is beside the point;
tests of the whole flow go through the bot instead.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.storage.tables import (
    msteams_channel_connections,
    msteams_channels,
    msteams_teams,
    msteams_tenants,
)

_counter = itertools.count(1)

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass(frozen=True)
class ConnectedChannel:
    """What was written: the Teams ids and names."""

    tenant_id: str
    msteams_team_id: str
    team_name: str
    channel_id: str
    channel_name: str
    service_url: str

    @property
    def name(self) -> str:
        """`team/channel`, as the CLI takes it."""
        return f"{self.team_name}/{self.channel_name}"


async def connect_channel(
    engine: AsyncEngine,
    *,
    team_id: str,
    user_id: str,
    service_url: str = "https://smba.trafficmanager.net/amer/",
    tenant_id: str = TENANT_ID,
    team_name: str = "Engineering",
    channel_name: str | None = "Code review",
    msteams_team_id: str | None = None,
    channel_id: str | None = None,
) -> ConnectedChannel:
    """Insert (or reuse) the tenant and Teams team, add the channel, connect it to `team_id`.

    `channel_name=None` is the General channel (its id is the team's id, its name null).
    """
    n = next(_counter)
    now = int(time.time() * 1000)
    msteams_team_id = msteams_team_id or f"19:team{n:04d}abcdef@thread.tacv2"
    if channel_id is None:
        channel_id = msteams_team_id if channel_name is None else f"19:chan{n:04d}cdef@thread.tacv2"
    async with engine.begin() as conn:
        if (
            await conn.execute(
                sa.select(msteams_tenants.c.id).where(msteams_tenants.c.id == tenant_id)
            )
        ).first() is None:
            await conn.execute(
                msteams_tenants.insert().values(
                    id=tenant_id, service_url=service_url, created_at=now, modified_at=now
                )
            )
        if (
            await conn.execute(
                sa.select(msteams_teams.c.id).where(msteams_teams.c.id == msteams_team_id)
            )
        ).first() is None:
            await conn.execute(
                msteams_teams.insert().values(
                    id=msteams_team_id,
                    tenant_id=tenant_id,
                    name=team_name,
                    aad_group_id=f"00000000-0000-0000-0000-{n:012d}",
                    service_url=service_url,
                    bot_installed=True,
                    created_at=now,
                    modified_at=now,
                )
            )
        await conn.execute(
            msteams_channels.insert().values(
                id=channel_id,
                team_id=msteams_team_id,
                tenant_id=tenant_id,
                name=channel_name,
                deleted=False,
                created_at=now,
                modified_at=now,
            )
        )
        await conn.execute(
            msteams_channel_connections.insert().values(
                channel_id=channel_id, team_id=team_id, connected_by=user_id, created_at=now
            )
        )
    return ConnectedChannel(
        tenant_id=tenant_id,
        msteams_team_id=msteams_team_id,
        team_name=team_name,
        channel_id=channel_id,
        channel_name=channel_name or "General",
        service_url=service_url,
    )


async def disconnect_channel(engine: AsyncEngine, channel_id: str) -> None:
    """Mark every connection of the channel disconnected (as `@CodeStream disconnect` would)."""
    async with engine.begin() as conn:
        await conn.execute(
            msteams_channel_connections.update()
            .where(msteams_channel_connections.c.channel_id == channel_id)
            .values(disconnected_at=int(time.time() * 1000))
        )
