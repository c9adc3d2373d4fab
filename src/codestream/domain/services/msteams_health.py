"""What a team admin's Teams health page shows from the database: the team's connected channels
and the Microsoft organizations linked to it. (How each channel's messages fared, and whether
the bot's credentials work, the web layer adds: they are the outbox's and Microsoft's.)"""

from __future__ import annotations

from dataclasses import dataclass

from codestream.domain.models import Team, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.msteams_channels import ConnectedChannel, connected_channels
from codestream.domain.services.msteams_link_review import LinkedTenant, team_links


@dataclass(frozen=True)
class TeamsSetup:
    """A team's side of the Teams integration."""

    team: Team
    channels: list[ConnectedChannel]
    tenants: list[LinkedTenant]


async def teams_setup(uow: UnitOfWork, actor: User, team_id: str) -> TeamsSetup:
    """The team's connected channels and linked organizations, for its admins only."""
    links = await team_links(uow, actor, team_id)
    channels = await connected_channels(uow, links.team.id)
    return TeamsSetup(team=links.team, channels=channels, tenants=links.tenants)
