"""Teams, memberships and repos."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.models import Membership, Repo, Team
from codestream.errors import Conflict
from codestream.storage.tables import repos, team_members, teams


def _team(row: Any) -> Team:
    return Team(
        id=row.id,
        name=row.name,
        creator_id=row.creator_id,
        created_at=row.created_at,
        modified_at=row.modified_at,
        deactivated=row.deactivated,
    )


def _membership(row: Any) -> Membership:
    return Membership(
        team_id=row.team_id, user_id=row.user_id, is_admin=row.is_admin, created_at=row.created_at
    )


class SqlTeams:
    """TeamRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, team: Team) -> None:
        await self._conn.execute(teams.insert().values(**_team_values(team)))

    async def get(self, team_id: str) -> Team | None:
        row = (await self._conn.execute(teams.select().where(teams.c.id == team_id))).first()
        return _team(row) if row else None

    async def update(self, team: Team) -> None:
        await self._conn.execute(
            teams.update().where(teams.c.id == team.id).values(**_team_values(team))
        )

    async def list_for_user(self, user_id: str) -> list[Team]:
        query = (
            teams.select()
            .join(team_members, team_members.c.team_id == teams.c.id)
            .where(team_members.c.user_id == user_id, teams.c.deactivated.is_(False))
            .order_by(teams.c.id)
        )
        return [_team(row) for row in await self._conn.execute(query)]

    async def add_member(self, membership: Membership) -> None:
        statement = team_members.insert().values(
            team_id=membership.team_id,
            user_id=membership.user_id,
            is_admin=membership.is_admin,
            created_at=membership.created_at,
        )
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
        return _membership(row) if row else None

    async def list_members(self, team_id: str) -> list[Membership]:
        query = (
            team_members.select()
            .where(team_members.c.team_id == team_id)
            .order_by(team_members.c.created_at, team_members.c.user_id)
        )
        return [_membership(row) for row in await self._conn.execute(query)]


def _team_values(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "creator_id": team.creator_id,
        "created_at": team.created_at,
        "modified_at": team.modified_at,
        "deactivated": team.deactivated,
    }


def _repo(row: Any) -> Repo:
    return Repo(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        remotes=tuple(row.remotes),
        normalized_url=row.normalized_url,
        created_at=row.created_at,
        modified_at=row.modified_at,
        deactivated=row.deactivated,
    )


def _repo_values(repo: Repo) -> dict[str, Any]:
    return {
        "id": repo.id,
        "team_id": repo.team_id,
        "name": repo.name,
        "remotes": list(repo.remotes),
        "normalized_url": repo.normalized_url,
        "created_at": repo.created_at,
        "modified_at": repo.modified_at,
        "deactivated": repo.deactivated,
    }


class SqlRepos:
    """RepoRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, repo: Repo) -> None:
        await self._conn.execute(repos.insert().values(**_repo_values(repo)))

    async def get(self, repo_id: str) -> Repo | None:
        row = (await self._conn.execute(repos.select().where(repos.c.id == repo_id))).first()
        return _repo(row) if row else None

    async def find_by_normalized_url(self, team_id: str, normalized_url: str) -> Repo | None:
        query = repos.select().where(
            repos.c.team_id == team_id,
            repos.c.normalized_url == normalized_url,
            repos.c.deactivated.is_(False),
        )
        row = (await self._conn.execute(query)).first()
        return _repo(row) if row else None

    async def list_for_team(self, team_id: str) -> list[Repo]:
        query = (
            repos.select()
            .where(repos.c.team_id == team_id, repos.c.deactivated.is_(False))
            .order_by(repos.c.name, repos.c.id)
        )
        return [_repo(row) for row in await self._conn.execute(query)]

    async def update(self, repo: Repo) -> None:
        await self._conn.execute(
            repos.update().where(repos.c.id == repo.id).values(**_repo_values(repo))
        )
