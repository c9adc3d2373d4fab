"""Teams sign-ins to review and revoke: your own, and (admins) your team's, with the Microsoft
organizations linked to the team."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from codestream.domain.services import msteams_link_review as review
from codestream.web.api.account_schemas import MsTeamsSignInOut, TeamMsTeamsLinksOut
from codestream.web.api.docs import error_responses, summarize
from codestream.web.deps import Context, CurrentUser, json_body

router = APIRouter(tags=["msteams"], dependencies=[Depends(json_body)])


@router.get(
    "/me/msteams-links", response_model=list[MsTeamsSignInOut], responses=error_responses(401)
)
async def my_links(user: CurrentUser, ctx: Context) -> list[MsTeamsSignInOut]:
    """The Teams users signed in to CodeStream as you."""
    sign_ins = await ctx.services.read(review.my_sign_ins, user)
    return [MsTeamsSignInOut.of_sign_in(s) for s in sign_ins]


@router.delete(
    "/me/msteams-links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 422),
)
async def revoke_my_link(link_id: str, user: CurrentUser, ctx: Context) -> Response:
    """Sign one of them out: the bot treats that Teams user as not signed in at once."""
    await ctx.services.write(review.revoke_my_sign_in, user, link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/teams/{team_id}/msteams-links",
    response_model=TeamMsTeamsLinksOut,
    responses=error_responses(401, 403, 404, 422),
)
async def team_links(team_id: str, user: CurrentUser, ctx: Context) -> TeamMsTeamsLinksOut:
    """The team's Teams sign-ins and linked Microsoft organizations (admins only)."""
    links = await ctx.services.read(review.team_links, user, team_id)
    return TeamMsTeamsLinksOut.of_links(links)


@router.delete(
    "/teams/{team_id}/msteams-links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404, 422),
)
async def revoke_team_link(team_id: str, link_id: str, user: CurrentUser, ctx: Context) -> Response:
    """Sign out a Teams user signed in as a member (admins only)."""
    await ctx.services.write(review.revoke_team_sign_in, user, team_id, link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/teams/{team_id}/msteams-tenants/{tenant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404, 422),
)
async def revoke_team_tenant(
    team_id: str, tenant_id: str, user: CurrentUser, ctx: Context
) -> Response:
    """Unlink a Microsoft organization from the team (admins only); its channels there are
    disconnected."""
    await ctx.services.write(
        review.revoke_team_tenant, user, team_id, tenant_id, ctx.services.clock()
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


summarize(router)
