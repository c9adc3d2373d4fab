"""CodeStream teams and their members."""

from __future__ import annotations

from codestream.domain import rules
from codestream.domain.clock import Clock
from codestream.domain.ids import is_id, new_id
from codestream.domain.models import Membership, Team, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.access import require_admin, require_member
from codestream.domain.services.accounts import find_by_key
from codestream.errors import Conflict, NotFound


class TeamService:
    """Create teams and manage who is in them."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def create_team(self, uow: UnitOfWork, actor: User, name: str) -> Team:
        """A new team with the actor as its first admin."""
        clean = rules.name(name, field="name")
        now = self._clock()
        team = Team(
            id=new_id(now), name=clean, creator_id=actor.id, created_at=now, modified_at=now
        )
        await uow.teams.add(team)
        await uow.teams.add_member(
            Membership(team_id=team.id, user_id=actor.id, is_admin=True, created_at=now)
        )
        return team

    async def add_member(
        self,
        uow: UnitOfWork,
        actor: User,
        team_id: str,
        email_or_username: str,
        *,
        admin: bool = False,
    ) -> tuple[Membership, User]:
        """Add an existing user to the team; only admins may."""
        await require_admin(uow, team_id, actor)
        return await self._add(uow, team_id, email_or_username, admin=admin)

    async def add_member_as_operator(
        self, uow: UnitOfWork, team_id: str, email_or_username: str, *, admin: bool = False
    ) -> tuple[Membership, User]:
        """Add a user to a team on the server operator's authority (the admin CLI)."""
        team = await uow.teams.get(team_id) if is_id(team_id) else None
        if team is None or team.deactivated:
            raise NotFound(f"team {team_id!r:.40} not found")
        return await self._add(uow, team_id, email_or_username, admin=admin)

    async def _add(
        self, uow: UnitOfWork, team_id: str, email_or_username: str, *, admin: bool
    ) -> tuple[Membership, User]:
        key = email_or_username.strip()
        user = await find_by_key(uow, key)
        if user is None or user.deactivated:
            raise NotFound(f"no user {key!r:.80}; they must sign up first")
        if await uow.teams.get_membership(team_id, user.id) is not None:
            raise Conflict(f"{user.email} is already a member", code="already_member")
        membership = Membership(
            team_id=team_id, user_id=user.id, is_admin=admin, created_at=self._clock()
        )
        await uow.teams.add_member(membership)
        return membership, user

    async def get_team(self, uow: UnitOfWork, actor: User, team_id: str) -> Team:
        """A team the actor belongs to."""
        team, _ = await require_member(uow, team_id, actor)
        return team

    async def list_teams(self, uow: UnitOfWork, actor: User) -> list[Team]:
        """The teams the actor belongs to."""
        return await uow.teams.list_for_user(actor.id)

    async def list_members(
        self, uow: UnitOfWork, actor: User, team_id: str
    ) -> list[tuple[Membership, User]]:
        """The team's members with their user records."""
        await require_member(uow, team_id, actor)
        memberships = await uow.teams.list_members(team_id)
        users = {u.id: u for u in await uow.users.get_many([m.user_id for m in memberships])}
        return [(m, users[m.user_id]) for m in memberships if m.user_id in users]
