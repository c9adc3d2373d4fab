"""Teams, members and repos."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from codestream.web.api.docs import BODY_ERRORS, error_responses, summarize
from codestream.web.api.schemas import MemberOut, NewMember, NewRepo, NewTeam, RepoOut, TeamOut
from codestream.web.deps import Context, CurrentUser, json_body

router = APIRouter(tags=["teams"], dependencies=[Depends(json_body)])

_SEE = error_responses(401, 403, 404, 422)


@router.post(
    "/teams",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamOut,
    responses=error_responses(*BODY_ERRORS, 401),
)
async def create_team(body: NewTeam, user: CurrentUser, ctx: Context) -> TeamOut:
    """A new team, with you as its admin."""
    return TeamOut.of(await ctx.services.write(ctx.services.teams.create_team, user, body.name))


@router.get("/teams", response_model=list[TeamOut], responses=error_responses(401))
async def list_teams(user: CurrentUser, ctx: Context) -> list[TeamOut]:
    """The teams you belong to."""
    return [TeamOut.of(t) for t in await ctx.services.read(ctx.services.teams.list_teams, user)]


@router.get("/teams/{team_id}", response_model=TeamOut, responses=_SEE)
async def get_team(team_id: str, user: CurrentUser, ctx: Context) -> TeamOut:
    """One of your teams."""
    return TeamOut.of(await ctx.services.read(ctx.services.teams.get_team, user, team_id))


@router.get("/teams/{team_id}/members", response_model=list[MemberOut], responses=_SEE)
async def list_members(team_id: str, user: CurrentUser, ctx: Context) -> list[MemberOut]:
    """The team's members."""
    members = await ctx.services.read(ctx.services.teams.list_members, user, team_id)
    return [MemberOut.of_membership(m, u) for m, u in members]


@router.post(
    "/teams/{team_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
    responses=error_responses(*BODY_ERRORS, 401, 403, 404, 409),
)
async def add_member(team_id: str, body: NewMember, user: CurrentUser, ctx: Context) -> MemberOut:
    """Add a signed-up user to the team (admins only)."""
    membership, member = await ctx.services.write(
        ctx.services.teams.add_member, user, team_id, body.user, admin=body.admin
    )
    return MemberOut.of_membership(membership, member)


@router.post(
    "/teams/{team_id}/repos",
    status_code=status.HTTP_201_CREATED,
    response_model=RepoOut,
    responses=error_responses(*BODY_ERRORS, 401, 403, 404),
)
async def add_repo(team_id: str, body: NewRepo, user: CurrentUser, ctx: Context) -> RepoOut:
    """Register a repo by its git remotes (returns the existing one if already known)."""
    return RepoOut.of(
        await ctx.services.write(
            ctx.services.repos.add_repo, user, team_id, body.remotes, body.name
        )
    )


@router.get("/teams/{team_id}/repos", response_model=list[RepoOut], responses=_SEE)
async def list_repos(team_id: str, user: CurrentUser, ctx: Context) -> list[RepoOut]:
    """The team's repos."""
    return [
        RepoOut.of(r) for r in await ctx.services.read(ctx.services.repos.list_repos, user, team_id)
    ]


@router.get("/repos/{repo_id}", response_model=RepoOut, responses=_SEE)
async def get_repo(repo_id: str, user: CurrentUser, ctx: Context) -> RepoOut:
    """One repo of one of your teams."""
    return RepoOut.of(await ctx.services.read(ctx.services.repos.get_repo, user, repo_id))


summarize(router)
