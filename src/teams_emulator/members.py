"""Bot Connector reads about people and teams: members (paged and not), team details, channels.

Page sizes follow "Get Teams specific context for your bot": default 200, below 50 counts as 50,
above 500 is capped at 500; personal chats are never paged.
"""

from __future__ import annotations

import base64
import binascii

from starlette.responses import JSONResponse, Response

from teams_emulator.connector_base import Call, ConnectorBase, Refusal
from teams_emulator.entities import Team
from teams_emulator.routing import teams_error

DEFAULT_PAGE = 200
MIN_PAGE = 50
MAX_PAGE = 500


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"members:{offset}".encode()).decode()


def _decode_token(token: str) -> int | None:
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        return int(offset) if kind == "members" and int(offset) >= 0 else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


class MembersApi(ConnectorBase):
    """Members, team details and team channels."""

    async def get_members(self, call: Call) -> Response:
        """`GET v3/conversations/{id}/members` (also `.../activities/{id}/members`)."""
        conversation, _ = self.conversation(call, call.param("conversation_id"))
        self.throttle(call, conversation.tenant_id, conversation.id, "members")
        return JSONResponse([u.member() for u in self.world.members_of(conversation)])

    async def get_paged_members(self, call: Call) -> Response:
        """`GET v3/conversations/{id}/pagedmembers?pageSize=&continuationToken=`."""
        conversation, _ = self.conversation(call, call.param("conversation_id"))
        self.throttle(call, conversation.tenant_id, conversation.id, "members")
        members = [u.member() for u in self.world.members_of(conversation)]
        if conversation.kind == "personal":
            return JSONResponse({"members": members})
        query = call.request.query_params
        try:
            size = int(query.get("pageSize") or DEFAULT_PAGE)
        except ValueError:
            raise Refusal(teams_error(400, "BadArgument", "pageSize must be a number.")) from None
        size = min(max(size, MIN_PAGE), MAX_PAGE)
        offset = 0
        if query.get("continuationToken"):
            decoded = _decode_token(query["continuationToken"])
            if decoded is None:
                raise Refusal(teams_error(400, "BadArgument", "Invalid continuation token."))
            offset = decoded
        page = members[offset : offset + size]
        body: dict[str, object] = {"members": page}
        if offset + size < len(members):
            body["continuationToken"] = _encode_token(offset + size)
        return JSONResponse(body)

    async def get_member(self, call: Call) -> Response:
        """`GET v3/conversations/{id}/members/{memberId}` (a `29:` id or an Entra object id)."""
        conversation, _ = self.conversation(call, call.param("conversation_id"))
        self.throttle(call, conversation.tenant_id, conversation.id, "members")
        wanted = call.param("member_id")
        for user in self.world.members_of(conversation):
            if wanted in (user.id, user.aad_object_id):
                return JSONResponse(user.member())
        raise Refusal(
            teams_error(
                404, "MemberNotFoundInConversation", "The member was not found in the conversation."
            )
        )

    def _team(self, call: Call) -> Team:
        team = self.world.teams.get(call.param("team_id"))
        if team is None:
            raise Refusal(teams_error(404, "NotFound", "Team not found."))
        if call.bot.app_id not in team.installed_bots:
            raise Refusal(
                teams_error(
                    403,
                    "BotNotInConversationRoster",
                    "The bot is not part of the conversation roster.",
                )
            )
        self.throttle(call, team.tenant_id, team.id, "conversations")
        return team

    async def get_team(self, call: Call) -> Response:
        """`GET v3/teams/{teamId}`."""
        team = self._team(call)
        channels = [c for c in team.channels.values() if not c.deleted]
        return JSONResponse(
            {
                "id": team.id,
                "name": team.name,
                "aadGroupId": team.aad_group_id,
                "tenantId": team.tenant_id,
                "type": "standard",
                "channelCount": len(channels),
                "memberCount": len(team.members),
            }
        )

    async def get_channels(self, call: Call) -> Response:
        """`GET v3/teams/{teamId}/conversations`: General's name is null (localised by clients)."""
        team = self._team(call)
        return JSONResponse(
            {
                "conversations": [
                    {"id": c.id, "name": None if c.is_general else c.name}
                    for c in team.channels.values()
                    if not c.deleted
                ]
            }
        )
