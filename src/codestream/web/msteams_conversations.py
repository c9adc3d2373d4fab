"""`GET /msteams_conversations`: the Teams channels a CodeStream team shares into.

The original CodeStream's call, kept for its IDE clients: `?teamId=<CodeStream team>&tenantId=`
(optional), bearer auth, any member of the team. Answers `{"msteams_conversations": [...]}` with
`conversationId`, `msTeamsTeamId`, `tenantId`, `teamName`, `channelName` (and `organization`, the
tenant's domain, which tells apart look-alike channels in two organizations). Unlike the original's
confusing "parameterRequired: ids", a team not linked to Teams gets a 409 that says what to do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from codestream.domain.services.msteams_channels import list_conversations
from codestream.web.api.docs import error_responses
from codestream.web.api.schemas import Model
from codestream.web.deps import Context, CurrentUser

router = APIRouter(tags=["msteams"])


class MsTeamsConversationOut(Model):
    conversation_id: str = Field(description="The channel's id: where codemarks are posted")
    ms_teams_team_id: str = Field(description="The Teams team the channel belongs to")
    tenant_id: str = Field(description="The Microsoft 365 tenant")
    team_name: str = Field(description="The Teams team's name")
    channel_name: str = Field(description="The channel's name (`General` for the default one)")
    organization: str = Field(
        description="The Microsoft organization as people tell it apart: its domain (else "
        "its tenant id)"
    )


class MsTeamsConversationsOut(Model):
    msteams_conversations: list[MsTeamsConversationOut] = Field(alias="msteams_conversations")


@router.get(
    "/msteams_conversations",
    response_model=MsTeamsConversationsOut,
    responses={
        **error_responses(401, 403, 404, 422),
        409: {
            "model": error_responses(409)[409]["model"],
            "description": "The team is not linked to Microsoft Teams (or to this `tenantId`) "
            "yet: sign in from the CodeStream bot in Teams and pick the team.",
        },
    },
)
async def list_msteams_conversations(
    ctx: Context,
    user: CurrentUser,
    team_id: Annotated[
        str, Query(alias="teamId", min_length=1, max_length=64, description="CodeStream team id")
    ],
    tenant_id: Annotated[
        str | None,
        Query(alias="tenantId", min_length=1, max_length=64, description="Only this tenant"),
    ] = None,
) -> MsTeamsConversationsOut:
    """List the Teams channels connected to a CodeStream team (the original's API).

    Channels appear once a signed-in user runs `@CodeStream connect` in them, and disappear when
    disconnected, deleted, or when the bot is removed from their team.
    """
    found = await ctx.services.read(list_conversations, user, team_id, tenant_id)
    return MsTeamsConversationsOut(
        msteams_conversations=[
            MsTeamsConversationOut(
                conversation_id=c.conversation_id,
                ms_teams_team_id=c.msteams_team_id,
                tenant_id=c.tenant_id,
                team_name=c.team_name,
                channel_name=c.channel_name,
                organization=c.organization,
            )
            for c in found
        ]
    )
