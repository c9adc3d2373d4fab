"""The Bot Connector REST API as Teams serves it: conversations and activities.

Mounted under a Teams-shaped serviceUrl (`/{region}/{tenant}/v3/...`, also `/{region}/v3/...`).
Conversation and activity ids arrive percent-encoded or raw; the server decodes the path once.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from teams_emulator import ids
from teams_emulator.clock import iso_utc
from teams_emulator.connector_base import Call, ConnectorBase, Refusal
from teams_emulator.emulator import Emulator
from teams_emulator.entities import Conversation, Message
from teams_emulator.members import MembersApi
from teams_emulator.routing import recorded, teams_error

ROUTES = (
    "create_conversation",
    "get_conversations",
    "send_to_conversation",
    "reply_to_activity",
    "update_activity",
    "delete_activity",
    "get_conversation_members",
    "get_conversation_paged_members",
    "get_conversation_member",
    "get_activity_members",
    "get_team_details",
    "get_team_channels",
)


def _not_found_activity() -> Refusal:
    return Refusal(
        teams_error(404, "ActivityNotFoundInConversation", "The activity was not found.")
    )


def _lower_keys(value: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}


class ConversationsApi(ConnectorBase):
    """Create conversations; send, reply, update and delete activities."""

    def _store(
        self,
        call: Call,
        conversation: Conversation,
        activity: dict[str, Any],
        root: str | None,
        reply_to: str | None = None,
    ) -> Message:
        now = self.emulator.clock()
        message_id = self.world.message_ids.next(now)
        if conversation.kind == "channel":
            root = root or message_id
            conversation_ref = ids.thread_conversation_id(conversation.id, root)
        else:
            root, conversation_ref = None, conversation.id
        stored = dict(activity)
        stored.update(
            id=message_id,
            timestamp=iso_utc(now),
            channelId="msteams",
            conversation={"id": conversation_ref},
        )
        stored["from"] = call.bot.account()
        if reply_to:
            stored["replyToId"] = reply_to
        message = Message(
            id=message_id,
            conversation_id=conversation.id,
            thread_root=root,
            sender_id=call.bot.mri,
            sender_name=call.bot.name,
            text=str(activity.get("text") or ""),
            timestamp=now,
            attachments=list(activity.get("attachments") or []),
            entities=list(activity.get("entities") or []),
            text_format=str(activity.get("textFormat") or "markdown"),
            reply_to_id=reply_to,
            activity=stored,
        )
        return self.world.add_message(conversation, message)

    def _post(
        self, call: Call, conversation: Conversation, root: str | None, reply_to: str | None
    ) -> Response:
        activity = self.activity_body(call)
        kind = activity["type"]
        if kind == "typing":
            return Response(status_code=200)
        if kind != "message":
            raise Refusal(teams_error(400, "BadArgument", f"Unsupported activity type '{kind}'."))
        if root is not None:
            found = conversation.messages.get(root)
            if found is None or found.thread_root != root:
                raise _not_found_activity()
        message = self._store(call, conversation, activity, root, reply_to)
        return Response(b'{"id":"%s"}' % message.id.encode(), 201, media_type="application/json")

    async def send_to_conversation(self, call: Call) -> Response:
        """`POST v3/conversations/{id}/activities`: new post, or a reply if `id` names a thread."""
        conversation, root = self.conversation(call, call.param("conversation_id"))
        self.throttle(call, conversation.tenant_id, conversation.id, "send")
        return self._post(call, conversation, root, None)

    async def reply_to_activity(self, call: Call) -> Response:
        """`POST v3/conversations/{id}/activities/{activityId}`: reply in that activity's thread."""
        conversation, root = self.conversation(call, call.param("conversation_id"))
        self.throttle(call, conversation.tenant_id, conversation.id, "send")
        activity_id = call.param("activity_id")
        if conversation.kind == "channel" and root is None:
            target = conversation.messages.get(activity_id)
            if target is None:
                raise _not_found_activity()
            root = target.thread_root
        return self._post(call, conversation, root, activity_id)

    def _own_message(self, call: Call) -> tuple[Conversation, Message]:
        conversation, _ = self.conversation(call, call.param("conversation_id"))
        self.throttle(call, conversation.tenant_id, conversation.id, "send")
        message = conversation.messages.get(call.param("activity_id"))
        if message is None or message.deleted:
            raise _not_found_activity()
        if message.sender_id != call.bot.mri:
            raise Refusal(
                teams_error(
                    403,
                    "ForbiddenOperationException",
                    "A bot can only change the messages it sent.",
                )
            )
        return conversation, message

    async def update_activity(self, call: Call) -> Response:
        """`PUT v3/conversations/{id}/activities/{activityId}`: replace a message the bot sent."""
        _, message = self._own_message(call)
        activity = self.activity_body(call)
        message.text = str(activity.get("text") or "")
        message.attachments = list(activity.get("attachments") or [])
        message.entities = list(activity.get("entities") or [])
        message.updated = self.emulator.clock()
        # The new base card also refreshes each user-specific card ("User Specific Views").
        message.views.clear()
        message.activity.update(activity)
        message.activity["id"] = message.id
        self.world.touch()
        return JSONResponse({"id": message.id}, 200)

    async def delete_activity(self, call: Call) -> Response:
        """`DELETE v3/conversations/{id}/activities/{activityId}`."""
        _, message = self._own_message(call)
        message.deleted = True
        self.world.touch()
        return Response(status_code=200)

    async def get_conversations(self, call: Call) -> Response:
        """`GET v3/conversations`: the conversations the bot is in."""
        found = [
            {"id": c.id, "members": []}
            for c in self.world.conversations.values()
            if self.world.find_conversation(c.id) and self.world.bot_in_roster(call.bot.app_id, c)
        ]
        return JSONResponse({"conversations": found})

    async def create_conversation(self, call: Call) -> Response:
        """`POST v3/conversations`: a new channel thread, or the personal chat with one user."""
        try:
            params = _lower_keys(json.loads(call.body))
        except ValueError:
            params = {}
        channel_id = _lower_keys(_lower_keys(params.get("channeldata")).get("channel")).get("id")
        activity = params.get("activity")
        members = params.get("members") or []
        bad = Refusal(teams_error(400, "BadSyntax", "Incorrect conversation creation parameters"))
        if channel_id:
            if params.get("isgroup") is not True or not isinstance(activity, dict):
                raise bad
            conversation, _ = self.conversation(call, str(channel_id))
            self.throttle(call, conversation.tenant_id, conversation.id, "create")
            call.body = json.dumps(activity).encode()
            activity = self.activity_body(call)
            message = self._store(call, conversation, activity, None)
            thread = ids.thread_conversation_id(conversation.id, message.id)
            return JSONResponse({"id": thread, "activityId": message.id}, 201)
        if params.get("isgroup") or len(members) != 1 or not params.get("tenantid"):
            raise bad
        user = self.world.find_user(str(_lower_keys(members[0]).get("id", "")))
        if user is None or user.tenant_id != params["tenantid"]:
            raise Refusal(teams_error(400, "BadArgument", "Invalid user identity in tenant."))
        if not self.world.bot_reaches_user(call.bot, user.id):
            raise Refusal(
                teams_error(
                    403,
                    "ForbiddenOperationException",
                    "Bot is not installed in user's personal scope",
                )
            )
        conversation = self.world.personal_chat(call.bot, user)
        self.throttle(call, conversation.tenant_id, conversation.id, "create")
        result: dict[str, Any] = {"id": conversation.id}
        if isinstance(activity, dict):
            call.body = json.dumps(activity).encode()
            result["activityId"] = self._store(
                call, conversation, self.activity_body(call), None
            ).id
        return JSONResponse(result, 201)


def connector_routes(emulator: Emulator) -> list[Route]:
    """Every connector route, under both serviceUrl shapes."""
    conversations = ConversationsApi(emulator)
    members = MembersApi(emulator)
    table = [  # most frequent first: the router tries them in order
        (
            "POST",
            "v3/conversations/{conversation_id}/activities",
            "send_to_conversation",
            conversations.send_to_conversation,
        ),
        ("POST", "v3/conversations", "create_conversation", conversations.create_conversation),
        ("GET", "v3/conversations", "get_conversations", conversations.get_conversations),
        (
            "POST",
            "v3/conversations/{conversation_id}/activities/{activity_id}",
            "reply_to_activity",
            conversations.reply_to_activity,
        ),
        (
            "PUT",
            "v3/conversations/{conversation_id}/activities/{activity_id}",
            "update_activity",
            conversations.update_activity,
        ),
        (
            "DELETE",
            "v3/conversations/{conversation_id}/activities/{activity_id}",
            "delete_activity",
            conversations.delete_activity,
        ),
        (
            "GET",
            "v3/conversations/{conversation_id}/members",
            "get_conversation_members",
            members.get_members,
        ),
        (
            "GET",
            "v3/conversations/{conversation_id}/pagedmembers",
            "get_conversation_paged_members",
            members.get_paged_members,
        ),
        (
            "GET",
            "v3/conversations/{conversation_id}/members/{member_id}",
            "get_conversation_member",
            members.get_member,
        ),
        (
            "GET",
            "v3/conversations/{conversation_id}/activities/{activity_id}/members",
            "get_activity_members",
            members.get_members,
        ),
        ("GET", "v3/teams/{team_id}", "get_team_details", members.get_team),
        ("GET", "v3/teams/{team_id}/conversations", "get_team_channels", members.get_channels),
    ]
    routes = []
    for prefix in ("/{region}/{service_tenant}/", "/{region}/"):
        for method, path, name, handler in table:
            endpoint = recorded(emulator, name, conversations.authenticated(handler))
            route = Route(prefix + path, endpoint, methods=[method], name=None)
            # The connector's routing ignores case (the Teams SDK asks for `pagedMembers`).
            route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
            routes.append(route)
    return routes
