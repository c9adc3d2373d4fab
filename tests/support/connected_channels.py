"""A stand-in for the bot's `connect`, for share tests: records a Teams tenant, team and channel
and connects the channel to a CodeStream team, through the same domain functions the bot calls.

Use `connect_channel` where a test needs a share target and the Teams side is beside the point;
tests of the whole flow go through the bot instead.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.domain.services import msteams_channels, msteams_installs
from codestream.storage.uow import SqlUnitOfWorkFactory

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
    """Record (or reuse) the tenant and Teams team, add the channel, connect it to `team_id`.

    `channel_name=None` is the General channel (its id is the team's id, its name null).
    """
    n = next(_counter)
    now = int(time.time() * 1000)
    msteams_team_id = msteams_team_id or f"19:team{n:04d}abcdef@thread.tacv2"
    if channel_id is None:
        channel_id = msteams_team_id if channel_name is None else f"19:chan{n:04d}cdef@thread.tacv2"
    async with SqlUnitOfWorkFactory(engine)() as uow:
        known = await uow.msteams.get_team(msteams_team_id) is not None
        team = msteams_installs.TeamInfo(
            team_id=msteams_team_id,
            tenant_id=tenant_id,
            service_url=service_url,
            name=None if known else team_name,
            aad_group_id=None if known else f"00000000-0000-0000-0000-{n:012d}",
            channels=((channel_id, channel_name),),
        )
        await msteams_installs.install_team(uow, team, now)
        user = await uow.users.get(user_id)
        codestream_team = await uow.teams.get(team_id)
        assert user is not None and codestream_team is not None
        await msteams_channels.connect(
            uow, channel_id=channel_id, user=user, teams=[codestream_team], now=now
        )
        await uow.commit()
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
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.msteams.disconnect_channels(now=int(time.time() * 1000), channel_id=channel_id)
        await uow.commit()
