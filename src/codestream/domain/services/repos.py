"""A team's code repositories, matched by normalized remote URL."""

from __future__ import annotations

from dataclasses import replace

from codestream.domain import rules
from codestream.domain.clock import Clock
from codestream.domain.ids import is_id, new_id
from codestream.domain.models import Repo, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.remotes import Remote, parse_remote
from codestream.domain.services.access import is_member, require_member
from codestream.errors import InvalidInput, NotFound


class RepoService:
    """Register and list repos."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def add_repo(
        self,
        uow: UnitOfWork,
        actor: User,
        team_id: str,
        remotes: list[str],
        name: str | None = None,
    ) -> Repo:
        """Register a repo by its remotes, or return the one already registered for them."""
        await require_member(uow, team_id, actor)
        repo = await ensure_repo(uow, team_id, remotes, name, self._clock())
        return repo

    async def list_repos(self, uow: UnitOfWork, actor: User, team_id: str) -> list[Repo]:
        """The team's repos."""
        await require_member(uow, team_id, actor)
        return await uow.repos.list_for_team(team_id)

    async def get_repo(self, uow: UnitOfWork, actor: User, repo_id: str) -> Repo:
        """A repo of one of the actor's teams."""
        repo = await uow.repos.get(repo_id) if is_id(repo_id) else None
        if repo is None or repo.deactivated or not await is_member(uow, repo.team_id, actor):
            # Another team's repo is as unknown as a missing one, so ids don't leak.
            raise NotFound(f"repo {repo_id!r:.40} not found")
        return repo


async def ensure_repo(
    uow: UnitOfWork, team_id: str, remotes: list[str], name: str | None, now: int
) -> Repo:
    """Find the team's repo for these remotes, adding new remotes to it, or create it."""
    if not remotes or len(remotes) > 20:
        raise InvalidInput("remotes: expected 1 to 20 git remote URLs", field="remotes")
    cleaned = list(dict.fromkeys(rules.remote(r) for r in remotes))
    parsed: list[Remote] = []
    for remote in cleaned:
        found = parse_remote(remote)
        if found is None:
            raise InvalidInput(
                f"remotes: {remote!r:.80} is not a git remote (https://host/path or git@host:path)",
                field="remotes",
            )
        if len(found.normalized_url) > rules.MAX_NORMALIZED_URL:
            raise InvalidInput(f"remotes: {remote!r:.80}... is too long", field="remotes")
        parsed.append(found)
    for found in parsed:
        existing = await uow.repos.find_by_normalized_url(team_id, found.normalized_url)
        if existing is not None and not existing.deactivated:
            added = tuple(r for r in cleaned if r not in existing.remotes)
            if added:
                existing = replace(existing, remotes=existing.remotes + added, modified_at=now)
                await uow.repos.update(existing)
            return existing
    first = parsed[0]
    repo = Repo(
        id=new_id(now),
        team_id=team_id,
        name=rules.name(name, field="name") if name else first.name[: rules.MAX_NAME],
        remotes=tuple(cleaned),
        normalized_url=first.normalized_url,
        created_at=now,
        modified_at=now,
    )
    await uow.repos.add(repo)
    return repo
