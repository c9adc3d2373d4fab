"""Who may see and change what: the team-membership rule every use case applies."""

from __future__ import annotations

from codestream.domain.ids import is_id
from codestream.domain.models import Codemark, Membership, Team, User
from codestream.domain.ports import UnitOfWork
from codestream.errors import NotFound, PermissionDenied


async def require_member(uow: UnitOfWork, team_id: str, user: User) -> tuple[Team, Membership]:
    """The team and the user's membership; PermissionDenied if the user is not in it."""
    team = await uow.teams.get(team_id) if is_id(team_id) else None
    if team is None or team.deactivated:
        raise NotFound(f"team {team_id!r:.40} not found")
    membership = await uow.teams.get_membership(team_id, user.id)
    if membership is None:
        raise PermissionDenied(f"you are not a member of team {team.name!r}", code="not_a_member")
    return team, membership


async def require_admin(uow: UnitOfWork, team_id: str, user: User) -> Team:
    """The team, if the user is one of its admins."""
    team, membership = await require_member(uow, team_id, user)
    if not membership.is_admin:
        raise PermissionDenied(
            f"only admins of team {team.name!r} may do this", code="not_an_admin"
        )
    return team


async def is_member(uow: UnitOfWork, team_id: str, user: User) -> bool:
    """Whether the user belongs to the team."""
    return is_id(team_id) and await uow.teams.get_membership(team_id, user.id) is not None


async def visible_codemark(
    uow: UnitOfWork, actor: User, codemark_id: str, *, for_update: bool = False
) -> Codemark:
    """A live codemark of one of the actor's teams; NotFound otherwise, so ids don't leak.

    `for_update`: to change it, locked until the unit of work ends, so two changes at once both
    count (each reads what the other wrote) instead of the later overwriting the earlier."""
    codemark = (
        await uow.codemarks.get(codemark_id, for_update=for_update) if is_id(codemark_id) else None
    )
    if (
        codemark is None
        or codemark.deactivated
        or await uow.teams.get_membership(codemark.team_id, actor.id) is None
    ):
        raise NotFound(f"codemark {codemark_id!r:.40} not found")
    return codemark


async def require_admin_of_every_team(
    uow: UnitOfWork, actor: User, target: User, *, action: str
) -> list[Team]:
    """The target's teams, if the actor administers every one of them.

    This is the rule for what one user may do to another's whole account (reset their password,
    deactivate them): an admin of one team must not take over a person who is also in a team
    they don't administer. NotFound when the two share no team (so user ids don't leak);
    PermissionDenied, naming no other team, when the target is in a team the actor doesn't
    administer.
    """
    teams = await uow.teams.list_for_user(target.id)
    shared, administered = 0, 0
    for team in teams:
        membership = await uow.teams.get_membership(team.id, actor.id)
        shared += membership is not None
        administered += membership is not None and membership.is_admin
    if shared == 0:
        raise NotFound(f"user {target.id!r:.40} not found")
    if administered < len(teams):
        raise PermissionDenied(
            f"only an admin of every team {target.email} belongs to may {action} them; they are "
            "in a team you are not an admin of. Ask its admins, or the server operator "
            "(codestream user ... on the server).",
            code="not_an_admin",
        )
    return teams
