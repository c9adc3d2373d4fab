"""Teams, memberships and repos."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.models import Membership, Repo, Team
from codestream.errors import Conflict
from codestream.storage.rows import from_row, values_of
from codestream.storage.tables import repos, team_members, teams


class SqlTeams:
    """TeamRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, team: Team) -> None:
        await self._conn.execute(teams.insert().values(**values_of(team)))

    async def get(self, team_id: str) -> Team | None:
        row = (await self._conn.execute(teams.select().where(teams.c.id == team_id))).first()
        return from_row(Team, row) if row else None

    async def update(self, team: Team) -> None:
        await self._conn.execute(
            teams.update().where(teams.c.id == team.id).values(**values_of(team))
        )

    async def list_for_user(self, user_id: str) -> list[Team]:
        query = (
            teams.select()
            .join(team_members, team_members.c.team_id == teams.c.id)
            .where(team_members.c.user_id == user_id, teams.c.deactivated.is_(False))
            .order_by(teams.c.id)
        )
        return [from_row(Team, row) for row in await self._conn.execute(query)]

    async def add_member(self, membership: Membership) -> None:
        statement = team_members.insert().values(**values_of(membership))
        try:
            await self._conn.execute(statement)
        except sa.exc.IntegrityError as exc:
            # Two requests added the same user at once; one of them wins.
            raise Conflict("the user is already a member", code="already_member") from exc

    async def get_membership(self, team_id: str, user_id: str) -> Membership | None:
        query = team_members.select().where(
            team_members.c.team_id == team_id, team_members.c.user_id == user_id
        )
        row = (await self._conn.execute(query)).first()
        return from_row(Membership, row) if row else None

    async def list_members(self, team_id: str) -> list[Membership]:
        query = (
            team_members.select()
            .where(team_members.c.team_id == team_id)
            .order_by(team_members.c.created_at, team_members.c.user_id)
        )
        return [from_row(Membership, row) for row in await self._conn.execute(query)]

    async def remove_member(self, team_id: str, user_id: str) -> bool:
        result = await self._conn.execute(
            team_members.delete()
            .where(team_members.c.team_id == team_id, team_members.c.user_id == user_id)
            .returning(team_members.c.user_id)
        )
        return result.first() is not None


class SqlRepos:
    """RepoRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, repo: Repo) -> None:
        await self._conn.execute(repos.insert().values(**values_of(repo, remotes=list)))

    async def get(self, repo_id: str) -> Repo | None:
        row = (await self._conn.execute(repos.select().where(repos.c.id == repo_id))).first()
        return from_row(Repo, row, remotes=tuple) if row else None

    async def find_by_normalized_url(self, team_id: str, normalized_url: str) -> Repo | None:
        query = repos.select().where(
            repos.c.team_id == team_id,
            repos.c.normalized_url == normalized_url,
            repos.c.deactivated.is_(False),
        )
        row = (await self._conn.execute(query)).first()
        return from_row(Repo, row, remotes=tuple) if row else None

    async def list_for_team(self, team_id: str) -> list[Repo]:
        query = (
            repos.select()
            .where(repos.c.team_id == team_id, repos.c.deactivated.is_(False))
            .order_by(repos.c.name, repos.c.id)
        )
        return [from_row(Repo, row, remotes=tuple) for row in await self._conn.execute(query)]

    async def update(self, repo: Repo) -> None:
        await self._conn.execute(
            repos.update().where(repos.c.id == repo.id).values(**values_of(repo, remotes=list))
        )
