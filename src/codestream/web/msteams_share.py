"""`POST /msteams_conversations`: the original CodeStream's share call, kept for its clients.

Body `{teamId, channelId, codemarkId}` (plus the ignored `providerTeamId` the IDE agent sent),
bearer auth. Unlike the original, a channel that is not connected answers 404 instead of a silent
200, and the answer names the share it queued.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from codestream.web.api.docs import BODY_ERRORS, error_responses
from codestream.web.api.schemas import ChannelId, Id, Model, SharedToOut
from codestream.web.api.shares import shared_to_out
from codestream.web.deps import Context, CurrentUser, json_body

router = APIRouter(tags=["msteams"], dependencies=[Depends(json_body)])


class MsTeamsShareIn(Model):
    team_id: Id = Field(description="The CodeStream team's id")
    channel_id: ChannelId = Field(description="The Teams channel's conversation id")
    codemark_id: Id
    provider_team_id: Annotated[
        str | None, Field(max_length=255, description="Ignored (the original sent the tenant id)")
    ] = None


class MsTeamsShareOut(Model):
    shared_to: SharedToOut


@router.post(
    "/msteams_conversations",
    response_model=MsTeamsShareOut,
    responses=error_responses(*BODY_ERRORS, 401, 404),
)
async def post_msteams_conversation(
    body: MsTeamsShareIn, user: CurrentUser, ctx: Context
) -> MsTeamsShareOut:
    """Share a codemark to one connected Teams channel (the original's API)."""
    shared = await ctx.services.write(
        ctx.services.shares.share, user, body.codemark_id, [body.channel_id], team_id=body.team_id
    )
    return MsTeamsShareOut(shared_to=shared_to_out(shared[0]))
