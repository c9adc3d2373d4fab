"""The bot: routes each verified activity to lifecycle handling or a command.

Every activity is one turn (one unit of work): its key is recorded (a re-sent activity does
nothing), the state it changes and the replies it queues in the outbox commit together. Messages
and Action.Submit clicks are answered through the outbox; Action.Execute invokes synchronously,
with the card in the invoke response, as Teams expects.
"""

from __future__ import annotations

import logging

from codestream.bot import cards, commands
from codestream.bot.commands import THREAD_COMMANDS, BotOptions, Card, Context
from codestream.bot.incoming import (
    Incoming,
    command_of,
    is_card_action,
    mentions_bot,
    place,
    reply_text,
)
from codestream.bot.lifecycle import Lifecycle, chat_of, describe_team, team_from_event
from codestream.domain.msteams import split_thread
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.services import msteams_installs as installs
from codestream.domain.services import msteams_replies as replies
from codestream.domain.services.msteams import BOT_REPLY, MsTeamsService
from codestream.domain.services.msteams_turns import Duplicate, Turn
from codestream.domain.shares import Share
from codestream.teams.activities import Activity, InvokeResponse
from codestream.teams.cards import CONTENT_TYPE
from codestream.teams.connector import ConnectorClient

log = logging.getLogger("codestream.bot")

CARD_ACTION = "adaptiveCard/action"


class BotRouter:
    """The ActivityHandler of our bot.

    `service` holds the use cases (and the unit of work), `connector` looks teams and channels
    up in Teams (None: use only what activities say), `options` the public URL and app id.
    """

    def __init__(
        self,
        service: MsTeamsService,
        connector: ConnectorClient | None,
        options: BotOptions,
    ) -> None:
        self._service = service
        self._connector = connector
        self._options = options
        self._lifecycle = Lifecycle(service, connector)

    async def handle(self, activity: Activity, key: str | None) -> InvokeResponse | None:
        """Handle one verified activity; an InvokeResponse for invokes."""
        return await self._route(activity, key)

    async def _route(self, activity: Activity, key: str | None) -> InvokeResponse | None:
        incoming = place(activity)
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
        activity = incoming.activity
        if is_card_action(activity) or incoming.scope != "channel":
            await self._command(incoming, key)
            return
        addressed = mentions_bot(activity)
        root = split_thread(incoming.conversation_id)[1]
        if root is not None and root != activity.id:  # a reply (a new post is its own root)
            ctx = await self._context(incoming)
            if addressed and (ctx.command.name in THREAD_COMMANDS or not ctx.command.typed):
                await self._command(incoming, key, ctx)
                return
            share = await self._service.shared_card_thread(
                incoming.tenant_id, incoming.conversation_id
            )
            if share is not None:
                await self._thread_reply(incoming, key, share, addressed=addressed)
                return
        if addressed:  # else: channel chatter the team lets us read, not meant for us
            await self._command(incoming, key)

    async def _command(
        self, incoming: Incoming, key: str | None, ctx: Context | None = None
    ) -> None:
        """Run the message's command in a turn and answer in its conversation."""
        context = ctx if ctx is not None else await self._context(incoming)

        async def work(turn: Turn) -> None:
            await self._answer(turn, incoming, await self._run(context, turn))

        await self._service.once(key, work)

    async def _thread_reply(
        self, incoming: Incoming, key: str | None, share: Share, *, addressed: bool
    ) -> None:
        """Add a message written under a shared codemark's card to the codemark as a reply.

        Only a message that @mentions the bot is answered when it can't be added (with why);
        in a team that lets the bot read every message, others stay in Teams silently.
        """

        async def work(turn: Turn) -> None:
            added = await replies.add_reply_from_teams(
                turn.uow,
                share,
                tenant_id=incoming.tenant_id,
                thread_id=incoming.conversation_id,
                teams_user_id=incoming.user_id,
                text=reply_text(incoming.activity),
                now=turn.now,
                threads=self._service.reply_threads,
            )
            if added.outcome is not replies.Outcome.ADDED and addressed:
                email = added.user.email if added.user is not None else None
                await self._answer(turn, incoming, cards.reply_not_added_card(added.outcome, email))

        await self._service.once(key, work)

    async def _answer(self, turn: Turn, incoming: Incoming, card: Card) -> None:
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

    async def _invoke(self, incoming: Incoming | None, key: str | None) -> InvokeResponse:
        if incoming is None or incoming.activity.name != CARD_ACTION:
            return InvokeResponse(200)
        ctx = await self._context(incoming)
        card = await self._service.once(key, lambda turn: self._run(ctx, turn))
        if isinstance(card, Duplicate):
            return InvokeResponse(200)
        return InvokeResponse(200, {"statusCode": 200, "type": CONTENT_TYPE, "value": card})
