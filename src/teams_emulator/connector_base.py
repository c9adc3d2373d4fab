"""What every Bot Connector call shares: bearer check, conversation lookup, roster, limits."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from teams_emulator import ids
from teams_emulator.emulator import Emulator
from teams_emulator.entities import BotApp, Conversation
from teams_emulator.routing import Handler, teams_error
from teams_emulator.throttling import Operation

DENIED = {"message": "Authorization has been denied for this request."}


@dataclass
class Call:
    """One authenticated connector call."""

    request: Request
    body: bytes
    bot: BotApp
    claims: dict[str, Any]

    def param(self, name: str) -> str:
        """A path parameter, percent-decoded once (the server already decoded the path)."""
        return str(self.request.path_params[name])


class Refusal(Exception):
    """Stops a call with a ready response (404, 403, 429…)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


CallHandler = Callable[[Call], Awaitable[Response]]


class ConnectorBase:
    """Authentication, lookups and throttling for the connector handlers."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.world = emulator.world

    def authenticated(self, handler: CallHandler) -> Handler:
        """Check the bearer token, then run the handler; `Refusal` becomes its response."""

        async def run(request: Request, body: bytes) -> Response:
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            claims = (
                self.emulator.access_tokens.verify(token.strip())
                if scheme.lower() == "bearer" and token
                else None
            )
            bot = self.world.bots.get(str(claims.get("appid"))) if claims else None
            if claims is None or bot is None:
                return JSONResponse(DENIED, 401, {"WWW-Authenticate": "Bearer"})
            try:
                return await handler(Call(request, body, bot, claims))
            except Refusal as refusal:
                return refusal.response

        return run

    def conversation(self, call: Call, conversation_id: str) -> tuple[Conversation, str | None]:
        """The conversation a call names, after the existence and roster checks."""
        found = self.world.find_conversation(conversation_id)
        if found is None:
            raise Refusal(teams_error(404, "ConversationNotFound", "Conversation not found."))
        conversation, root = found
        self.roster(call, conversation)
        return conversation, root

    def roster(self, call: Call, conversation: Conversation) -> None:
        """403 BotNotInConversationRoster unless the calling bot is in the conversation."""
        if not self.world.bot_in_roster(call.bot.app_id, conversation):
            raise Refusal(
                teams_error(
                    403,
                    "BotNotInConversationRoster",
                    "The bot is not part of the conversation roster.",
                )
            )

    def throttle(self, call: Call, tenant_id: str, thread: str, op: Operation) -> None:
        """429 Throttled with Retry-After when the call is over one of Teams' limits."""
        verdict = self.emulator.throttler.admit(
            call.bot.app_id, tenant_id, ids.split_conversation_id(thread)[0], op
        )
        if verdict is not None:
            raise Refusal(
                teams_error(
                    429,
                    "Throttled",
                    f"Too many requests ({verdict.scope}: {verdict.limit} per "
                    f"{verdict.window:g} s). Retry after {verdict.retry_after} s.",
                    {"Retry-After": str(verdict.retry_after)},
                )
            )

    def activity_body(self, call: Call) -> dict[str, Any]:
        """The activity JSON of a send/reply/update, after the size and shape checks."""
        if len(call.body) > self.emulator.max_message_bytes:
            raise Refusal(teams_error(413, "MessageSizeTooBig", "Message size too big."))
        try:
            activity = json.loads(call.body)
        except ValueError:
            activity = None
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            raise Refusal(teams_error(400, "BadArgument", "Activity type is required."))
        return activity
