"""The bot: one routing table from activities to handlers (`teams.routing`).

Every activity that changes something is one turn (one unit of work): its key is recorded (a
re-sent activity does nothing), the state it changes and the replies it queues in the outbox
commit together. Messages and Action.Submit clicks are answered through the outbox;
Action.Execute invokes synchronously, with the card in the invoke response, as Teams expects:
a button naming a command runs it; the codemark card's buttons are `card_actions.py`'s.
An invoke nobody registered gets 501, as Microsoft's SDKs answer it. A handler that only reads
(an invoke that looks something up) runs in `services.read` instead of a turn: no write
transaction, no dedupe row.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from codestream.bot import cards, commands
from codestream.bot.card_actions import CardActions
from codestream.bot.command_registry import BotOptions, Card, Context
from codestream.bot.incoming import (
    Command,
    Incoming,
    clean_text,
    command_of,
    is_card_action,
    mentions_bot,
    place,
    reply_text,
)
from codestream.bot.lifecycle import Lifecycle, chat_of
from codestream.bot.message_extension import MessageExtension
from codestream.domain.msteams import split_thread
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.services import Services
from codestream.domain.services import msteams_installs as installs
from codestream.domain.services import msteams_replies as replies
from codestream.domain.services.msteams_turns import BOT_REPLY, Duplicate, Turn
from codestream.domain.services.reply_threads import shared_card_thread
from codestream.domain.shares import Share
from codestream.teams.activities import Activity, InvokeResponse
from codestream.teams.cards import CONTENT_TYPE
from codestream.teams.connector import ConnectorClient
from codestream.teams.message_extensions import QUERY, QUERY_LINK, SELECT_ITEM
from codestream.teams.routing import Routes, is_invoke, is_type

log = logging.getLogger("codestream.bot")

CARD_ACTION = "adaptiveCard/action"
VERIFY_STATE = "signin/verifyState"
"""Teams hands back what the sign-in page passed to `authentication.notifySuccess`."""
SIGNIN_FAILURE = "signin/failure"
"""Teams' authentication flow ended without a result (closed popup, `notifyFailure`, ...)."""
NOT_IMPLEMENTED = InvokeResponse(501)
"""The answer to an invoke the bot has no handler for (Microsoft's ActivityHandler's)."""

RouteHandler = Callable[[Incoming, str | None], Awaitable[InvokeResponse | None]]


class BotRouter:
    """The ActivityHandler of our bot.

    `services` holds the use cases (and runs turns), `connector` looks teams and channels up
    in Teams (None: use only what activities say), `options` the public URL and app id.
    """

    def __init__(
        self,
        services: Services,
        connector: ConnectorClient | None,
        options: BotOptions,
    ) -> None:
        self._services = services
        self._connector = connector
        self._options = options
        self._lifecycle = Lifecycle(services, connector)
        self._card_actions = CardActions(services, connector, options)
        self._extension = MessageExtension(services, connector, options)
        self.routes: Routes[Incoming, RouteHandler] = Routes()
        add = self.routes.add
        add("card action naming a command", _command_click, self._card_action)
        add("codemark card action", lambda i: is_invoke(i.activity, CARD_ACTION), self._codemark)
        add("sign-in code handed back", lambda i: is_invoke(i.activity, VERIFY_STATE), self._code)
        add("sign-in failed", lambda i: is_invoke(i.activity, SIGNIN_FAILURE), self._signin_failed)
        add("link unfurl", lambda i: is_invoke(i.activity, QUERY_LINK), self._extension.unfurl)
        add("compose search", lambda i: is_invoke(i.activity, QUERY), self._extension.search)
        add(
            "search result chosen",
            lambda i: is_invoke(i.activity, SELECT_ITEM),
            self._extension.select,
        )
        add("command in a chat, or a card click", _chat_or_click, self._command)
        add("message in a channel thread", _in_channel_thread, self._in_thread)
        add("command in a channel", _addressed, self._command)
        add("lifecycle event", _lifecycle, self._lifecycle.handle)

    async def handle(self, activity: Activity, key: str | None) -> InvokeResponse | None:
        """Handle one verified activity (`key`: its dedupe key, `activity_key`); an
        InvokeResponse for invokes."""
        incoming = place(activity)
        if incoming is None:  # nowhere to answer: acknowledged, nothing stored
            return InvokeResponse(200) if activity.type == "invoke" else None
        route = self.routes.match(incoming)
        if route is None:
            return NOT_IMPLEMENTED if activity.type == "invoke" else None
        return await route.handler(incoming, key)

    # -- handlers ------------------------------------------------------------------------------
    async def _card_action(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        ctx = await self._context(incoming)

        async def work(turn: Turn) -> InvokeResponse:
            card = await self._run(ctx, turn)
            answer = InvokeResponse(200, {"statusCode": 200, "type": CONTENT_TYPE, "value": card})
            turn.keep_answer(answer.as_json())  # a re-send gets it on any server
            return answer

        answer = await self._services.turns.run(key, work)
        if isinstance(answer, Duplicate):
            kept = answer.answer
            return InvokeResponse.from_json(kept) if kept is not None else InvokeResponse(200)
        return answer

    async def _codemark(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        return await self._card_actions.handle(incoming, key)

    async def _code(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        """The one-time code the sign-in page handed back through Teams: the `signincode`
        command, answered in the chat; the invoke itself always gets 200."""
        state = _value(incoming).get("state")
        code = clean_text(state, 40) if isinstance(state, str) else ""
        command = Command("signincode", "signincode", code)
        await self._command(incoming, key, await self._context(incoming, command))
        return InvokeResponse(200, {})

    async def _signin_failed(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        """Teams' authentication flow ended without a code: say so, and what to do."""
        value = _value(incoming)
        reason = clean_text(value.get("message"), 200) or clean_text(value.get("code"), 100)
        card = cards.signin_failed_card(reason)

        async def work(turn: Turn) -> None:
            await self._answer(turn, incoming, card)

        await self._services.turns.run(key, work)
        return InvokeResponse(200, {})

    async def _command(
        self, incoming: Incoming, key: str | None, ctx: Context | None = None
    ) -> None:
        """Run the message's command in a turn and answer in its conversation."""
        context = ctx if ctx is not None else await self._context(incoming)

        async def work(turn: Turn) -> None:
            await self._answer(turn, incoming, await self._run(context, turn))

        await self._services.turns.run(key, work)

    async def _in_thread(self, incoming: Incoming, key: str | None) -> None:
        """A message in a channel thread: a command if it @mentions the bot with one (or with
        nothing), a reply to the codemark under a shared card, else chatter (or, @mentioned,
        a command as anywhere)."""
        addressed = mentions_bot(incoming.activity)
        command = command_of(incoming.activity)
        if addressed and (commands.is_thread_command(command) or not command.typed):
            await self._command(incoming, key, await self._context(incoming, command))
            return
        share = await self._services.read(
            shared_card_thread, incoming.tenant_id, incoming.conversation_id
        )
        if share is not None:
            await self._thread_reply(incoming, key, share, addressed=addressed)
        elif addressed:
            await self._command(incoming, key, await self._context(incoming, command))
        # else: channel chatter the team lets us read, not meant for us: nothing is stored

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
                threads=self._services.reply_threads,
                cards=self._services.card_updates,
                notifications=self._services.notifications,
            )
            if added.outcome is not replies.Outcome.ADDED and addressed:
                email = added.user.email if added.user is not None else None
                await self._answer(turn, incoming, cards.reply_not_added_card(added.outcome, email))

        await self._services.turns.run(key, work)

    # -- helpers -------------------------------------------------------------------------------
    async def _context(self, incoming: Incoming, command: Command | None = None) -> Context:
        """The command's inputs; `command` when the caller has read it from the activity."""
        if command is None:
            command = command_of(incoming.activity)
        looked_up = await commands.prepare(incoming, command, self._connector)
        return Context(
            incoming,
            command,
            self._services,
            self._options,
            team_info=looked_up.team_info,
            profile=looked_up.profile,
        )

    async def _run(self, ctx: Context, turn: Turn) -> Card:
        chat = chat_of(ctx.incoming)
        if chat is not None:
            await installs.record_personal_chat(turn.uow, chat, turn.now)
        return await commands.dispatch(ctx, turn)

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


def _value(incoming: Incoming) -> dict[str, object]:
    value = incoming.activity.value
    return value if isinstance(value, dict) else {}


# -- selectors: what an activity looks like, nothing stored ----------------------------------
def _command_click(incoming: Incoming) -> bool:
    """An Action.Execute whose verb (or data's `action`) names one of the bot's commands."""
    activity = incoming.activity
    return is_invoke(activity, CARD_ACTION) and commands.names_command(command_of(activity))


def _chat_or_click(incoming: Incoming) -> bool:
    """A message in a personal or group chat, or an Action.Submit click anywhere."""
    activity = incoming.activity
    return activity.type == "message" and (is_card_action(activity) or incoming.scope != "channel")


def _in_channel_thread(incoming: Incoming) -> bool:
    """A message in a channel thread (not the thread's own first post)."""
    if incoming.activity.type != "message" or incoming.scope != "channel":
        return False
    root = split_thread(incoming.conversation_id)[1]
    return root is not None and root != incoming.activity.id


def _addressed(incoming: Incoming) -> bool:
    """A message that @mentions the bot."""
    return incoming.activity.type == "message" and mentions_bot(incoming.activity)


def _lifecycle(incoming: Incoming) -> bool:
    """The bot installed or removed; members, channels or the team changed."""
    return is_type(incoming.activity, "installationUpdate", "conversationUpdate")
