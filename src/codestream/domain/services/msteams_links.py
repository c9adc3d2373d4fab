"""Who is who: Teams users signed in as CodeStream users, tenants linked to CodeStream teams.

Functions here work inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable

from codestream.domain.models import Team, User
from codestream.domain.msteams import TenantLink, UserLink
from codestream.domain.ports import UnitOfWork


async def linked_user(uow: UnitOfWork, tenant_id: str, teams_user_id: str) -> User | None:
    """The active CodeStream user a Teams user signed in as, or None."""
    link = await uow.msteams.get_user_link(tenant_id, teams_user_id)
    if link is None:
        return None
    user = await uow.users.get(link.user_id)
    return None if user is None or user.deactivated else user


async def tenant_teams(uow: UnitOfWork, tenant_id: str) -> list[Team]:
    """The active CodeStream teams linked to a tenant, by name."""
    teams = []
    for link in await uow.msteams.list_tenant_links(tenant_id):
        team = await uow.teams.get(link.team_id)
        if team is not None and not team.deactivated:
            teams.append(team)
    return sorted(teams, key=lambda t: (t.name.lower(), t.id))


async def linked_teams_of(uow: UnitOfWork, tenant_id: str, user: User) -> list[Team]:
    """The user's CodeStream teams that are linked to this tenant."""
    mine = {team.id for team in await uow.teams.list_for_user(user.id)}
    return [team for team in await tenant_teams(uow, tenant_id) if team.id in mine]


async def link(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    teams_user_id: str,
    aad_object_id: str | None,
    user: User,
    team_ids: Iterable[str],
    now: int,
) -> None:
    """Sign a Teams user in as `user` and link the tenant to the teams (which the caller checked
    the user belongs to)."""
    await uow.msteams.save_user_link(
        UserLink(
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            user_id=user.id,
            created_at=now,
            aad_object_id=aad_object_id,
        )
    )
    for team_id in team_ids:
        await uow.msteams.add_tenant_link(
            TenantLink(tenant_id=tenant_id, team_id=team_id, linked_by=user.id, created_at=now)
        )


async def unlink_user(uow: UnitOfWork, tenant_id: str, teams_user_id: str) -> bool:
    """Sign a Teams user out; True if they were signed in."""
    return await uow.msteams.delete_user_link(tenant_id, teams_user_id)


async def unlink_tenant_teams(uow: UnitOfWork, tenant_id: str, teams: list[Team], now: int) -> None:
    """Unlink the tenant from these CodeStream teams (the caller checked who may) and disconnect
    their channels in it."""
    for team in teams:
        await uow.msteams.delete_tenant_link(tenant_id, team.id)
    await uow.msteams.disconnect_channels(
        now=now, tenant_id=tenant_id, team_ids=[team.id for team in teams]
    )
