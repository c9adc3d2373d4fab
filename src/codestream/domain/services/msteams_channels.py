"""Channels as share targets: connect, disconnect, and list what a CodeStream team can share to.

Functions here work inside the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from codestream.domain.models import Team, User
from codestream.domain.msteams import ChannelConnection, organization_label
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.access import require_member
from codestream.errors import Conflict


@dataclass(frozen=True)
class ConnectedChannel:
    """A channel a CodeStream team shares into, as the original's `msteams_conversations`."""

    conversation_id: str
    msteams_team_id: str
    tenant_id: str
    team_name: str
    channel_name: str
    organization: str = ""
    """The tenant as people tell it apart (`MsTeamsTenant.label`): its domain, else its id."""


async def connect(
    uow: UnitOfWork, *, channel_id: str, user: User, teams: list[Team], now: int
) -> list[Team]:
    """Make a (recorded) channel a share target of these teams; the teams newly connected."""
    current = {
        c.team_id: c for c in await uow.msteams.list_connections_of_channel(channel_id) if c.active
    }
    added = []
    for team in teams:
        if team.id in current:
            continue
        await uow.msteams.save_connection(
            ChannelConnection(
                channel_id=channel_id, team_id=team.id, connected_by=user.id, created_at=now
            )
        )
        added.append(team)
    return added


async def connected_team_ids(uow: UnitOfWork, channel_id: str) -> set[str]:
    """The CodeStream teams a channel is connected to."""
    return {
        c.team_id for c in await uow.msteams.list_connections_of_channel(channel_id) if c.active
    }


async def disconnect(uow: UnitOfWork, channel_id: str, teams: list[Team], now: int) -> int:
    """Stop sharing these teams into a channel; how many connections ended."""
    return await uow.msteams.disconnect_channels(
        now=now, channel_id=channel_id, team_ids=[t.id for t in teams]
    )


async def disconnect_all(uow: UnitOfWork, msteams_team_id: str, teams: list[Team], now: int) -> int:
    """Stop sharing these teams into every channel of a Teams team."""
    return await uow.msteams.disconnect_channels(
        now=now, msteams_team_id=msteams_team_id, team_ids=[t.id for t in teams]
    )


async def connected_channels(
    uow: UnitOfWork, team_id: str, tenant_id: str | None = None
) -> list[ConnectedChannel]:
    """The channels a team shares into, in tenants it is (still) linked to, by team and channel
    name as people see them (General by its name, not first or last)."""
    tenants = {link.tenant_id for link in await uow.msteams.list_tenant_links_of_team(team_id)}
    labels: dict[str, str] = {}
    found = []
    for connection, channel, msteams_team in await uow.msteams.list_connected_channels(team_id):
        if channel.tenant_id not in tenants or (tenant_id and channel.tenant_id != tenant_id):
            continue
        if channel.tenant_id not in labels:
            tenant = await uow.msteams.get_tenant(channel.tenant_id)
            labels[channel.tenant_id] = (
                tenant.label if tenant else organization_label(None, channel.tenant_id)
            )
        found.append(
            ConnectedChannel(
                conversation_id=connection.channel_id,
                msteams_team_id=msteams_team.id,
                tenant_id=channel.tenant_id,
                team_name=msteams_team.name,
                channel_name=channel.display_name,
                organization=labels[channel.tenant_id],
            )
        )
    return sorted(
        found, key=lambda c: (c.team_name.lower(), c.channel_name.lower(), c.conversation_id)
    )


async def list_conversations(
    uow: UnitOfWork, actor: User, team_id: str, tenant_id: str | None = None
) -> list[ConnectedChannel]:
    """The channels a team shares into, for a member; Conflict if it isn't linked to Teams."""
    team, _ = await require_member(uow, team_id, actor)
    tenants = {link.tenant_id for link in await uow.msteams.list_tenant_links_of_team(team.id)}
    if not tenants or (tenant_id and tenant_id not in tenants):
        where = "this Microsoft Teams organization" if tenant_id else "Microsoft Teams"
        raise Conflict(
            f"team {team.name!r} is not linked to {where}. In Teams, send `signin` to the "
            "CodeStream bot in your personal chat, sign in and pick this team; then "
            "mention the bot with `connect` in a channel.",
            code="msteams_not_linked",
        )
    return await connected_channels(uow, team.id, tenant_id)
