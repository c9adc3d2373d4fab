"""Sharing codemarks to Teams channels, and where each share's card is on its way."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from codestream.domain.models import User
from codestream.domain.services.shares import SharedTo
from codestream.domain.shares import ShareTarget
from codestream.web.api.docs import BODY_ERRORS, error_responses, summarize
from codestream.web.api.schemas import CodemarkOut, NewShares, SharedToOut, ShareTargetOut
from codestream.web.context import WebContext
from codestream.web.deps import Context, CurrentUser, json_body

router = APIRouter(tags=["shares"], dependencies=[Depends(json_body)])


def shared_to_out(item: SharedTo) -> SharedToOut:
    """A share as the API shows it (the original's sharedTo, plus the delivery status)."""
    share = item.share
    return SharedToOut.of(
        item,
        share,
        provider_id="msteams",
        team_id=share.msteams_team_id,
        post_id=item.message_id,
    )


def target_out(target: ShareTarget) -> ShareTargetOut:
    """A connected channel as the API shows it."""
    return ShareTargetOut.of(
        target,
        team_id=target.msteams_team_id,
        organization=target.organization,
        name=f"{target.team_name}/{target.channel_name}",
    )


async def with_shared_to(
    ctx: WebContext, user: User, items: list[CodemarkOut]
) -> list[CodemarkOut]:
    """The codemarks with their `sharedTo` filled in (one query per team)."""
    by_team: dict[str, list[str]] = {}
    for item in items:
        by_team.setdefault(item.team_id, []).append(item.id)
    shares: dict[str, list[SharedTo]] = {}
    for team_id, ids in by_team.items():
        shares.update(
            await ctx.services.read(ctx.services.shares.shares_by_codemark, user, team_id, ids)
        )
    return [
        item.model_copy(update={"shared_to": [shared_to_out(s) for s in shares.get(item.id, [])]})
        for item in items
    ]


@router.post(
    "/codemarks/{codemark_id}/shares",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=list[SharedToOut],
    responses=error_responses(*BODY_ERRORS, 401, 404),
)
async def share_codemark(
    codemark_id: str, body: NewShares, user: CurrentUser, ctx: Context
) -> list[SharedToOut]:
    """Share a codemark to connected Teams channels.

    The cards are queued in the same transaction as the shares and sent by the delivery worker;
    GET the shares for their status. Unknown or unconnected channels answer 404.
    """
    shared = await ctx.services.write(
        ctx.services.shares.share, user, codemark_id, body.channel_ids, provider=body.provider
    )
    return [shared_to_out(s) for s in shared]


@router.get(
    "/codemarks/{codemark_id}/shares",
    response_model=list[SharedToOut],
    responses=error_responses(401, 404, 422),
)
async def list_shares(codemark_id: str, user: CurrentUser, ctx: Context) -> list[SharedToOut]:
    """Where the codemark was shared, with each card's delivery status.

    Oldest first: queued, sending, retrying (next attempt and last error), sent (message id and
    link) or failed (reason).
    """
    return [
        shared_to_out(s)
        for s in await ctx.services.read(ctx.services.shares.list_shares, user, codemark_id)
    ]


@router.get(
    "/teams/{team_id}/share-targets",
    response_model=list[ShareTargetOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_share_targets(team_id: str, user: CurrentUser, ctx: Context) -> list[ShareTargetOut]:
    """The Teams channels this team can share to.

    Channels connected with `@CodeStream connect`, by Teams team and channel name.
    """
    return [
        target_out(t)
        for t in await ctx.services.read(ctx.services.shares.list_targets, user, team_id)
    ]


summarize(router)
