"""The bot: routes each verified activity to lifecycle handling or a command.

Every activity is one turn (one unit of work): its key is recorded (a re-sent activity does
nothing), the state it changes and the replies it queues in the outbox commit together. Messages
and Action.Submit clicks are answered through the outbox; Action.Execute invokes synchronously,
with the card in the invoke response, as Teams expects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from codestream.bot import cards, commands
from codestream.bot.commands import BotOptions, Card, Context
from codestream.bot.handler import InvokeResponse, activity_key
from codestream.bot.incoming import Incoming, command_of, place
from codestream.bot.lifecycle import Lifecycle, chat_of, describe_team, team_from_event
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.services import msteams_installs as installs
from codestream.domain.services.msteams import BOT_REPLY, MsTeamsService
from codestream.domain.services.msteams_turns import Duplicate, Turn
from codestream.teams.activities import Activity
from codestream.teams.connector import ConnectorClient

log = logging.getLogger("codestream.bot")

CARD_ACTION = "adaptiveCard/action"


class BotRouter:
    """The ActivityHandler of our bot.

    `service` holds the use cases (and the unit of work), `connector` looks teams and channels
    up in Teams (None: use only what activities say), `options` the public URL and app id;
    `on_queued` is called after a turn that may have queued messages (to wake the outbox worker).
    """

    def __init__(
        self,
        service: MsTeamsService,
        connector: ConnectorClient | None,
        options: BotOptions,
        *,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._service = service
        self._connector = connector
        self._options = options
        self._on_queued = on_queued
        self._lifecycle = Lifecycle(service, connector)

    async def handle(self, activity: Activity) -> InvokeResponse | None:
        """Handle one verified activity; an InvokeResponse for invokes."""
        answer = await self._route(activity)
        if self._on_queued is not None and activity.type != "invoke":
            self._on_queued()
        return answer

    async def _route(self, activity: Activity) -> InvokeResponse | None:
        incoming = place(activity)
        key = activity_key(activity)
        if activity.type == "invoke":
            return await self._invoke(incoming, key)
        if incoming is None:
            return None
        if activity.type == "message":
            await self._message(incoming, key)
        elif activity.type in ("installationUpdate", "conversationUpdate"):
            await self._lifecycle.handle(incoming, key)
        return None

    async def _context(self, incoming: Incoming) -> Context:
        command = command_of(incoming.activity)
        team_info = None
        if commands.canonical(command) == "connect" and incoming.in_channel:
            info = team_from_event(incoming)
            if info is not None:
                team_info = await describe_team(self._connector, info)
        return Context(incoming, command, self._service, self._options, team_info)

    async def _run(self, ctx: Context, turn: Turn) -> Card:
        chat = chat_of(ctx.incoming)
        if chat is not None:
            await installs.record_personal_chat(turn.uow, chat, turn.now)
        return await commands.dispatch(ctx, turn)

    async def _message(self, incoming: Incoming, key: str | None) -> None:
        ctx = await self._context(incoming)

        async def work(turn: Turn) -> None:
            card = await self._run(ctx, turn)
            await turn.send(
                NewOutboxItem(
                    kind=BOT_REPLY,
                    tenant_id=incoming.tenant_id,
                    service_url=incoming.service_url,
                    conversation_id=incoming.conversation_id,
                    operation=Operation.SEND,
                    payload=cards.message(card),
                )
            )

        await self._service.once(key, work)

    async def _invoke(self, incoming: Incoming | None, key: str | None) -> InvokeResponse:
        if incoming is None or incoming.activity.name != CARD_ACTION:
            return InvokeResponse(200)
        ctx = await self._context(incoming)
        card = await self._service.once(key, lambda turn: self._run(ctx, turn))
        if isinstance(card, Duplicate):
            return InvokeResponse(200)
        return InvokeResponse(200, {"statusCode": 200, "type": cards.ADAPTIVE_CARD, "value": card})
