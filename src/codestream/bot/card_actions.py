"""Actions on the codemark card: the `adaptiveCard/action` invokes its buttons send
(`card_views.py`), answered within Teams' 5 s in the Universal Actions format
(`teams/universal_actions.py`): the card as it is now for the clicking user, or an error.

Who may act: the clicking Teams user must be linked to a CodeStream user whom the use cases let
see and change the codemark (`domain/services/access.py`, the REST API's rules). Someone not
linked gets Teams' sign-in (a loginRequest whose button opens the binding sign-in page of
`SignInService`); the code the page hands back comes with the same action again as `state`, is
redeemed for that Teams user only (`SignInService.redeem_code`), and the action then runs in the
same turn. Someone linked without access gets a refusal that tells nothing of the codemark.

A click is one turn (its key recorded: a re-sent click changes nothing and gets the card as it is
now). A refresh without a code only reads: a member gets their buttons; anyone else, the card as
shared in this thread with a Sign in button. Bad data gets an error answer and changes nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import quote

from codestream.bot import cards, texts
from codestream.bot.card_views import (
    ASSIGN_ME,
    CODEMARK_ID,
    MAX_REPLY,
    REFRESH,
    REOPEN,
    REPLY,
    REPLY_INPUT,
    RESOLVE,
    SIGN_IN,
    SIGN_IN_VIEW,
    UNASSIGN_ME,
    VERBS,
    CardView,
    member_view,
)
from codestream.bot.codemark_card import render_codemark_card
from codestream.bot.command_registry import BotOptions
from codestream.bot.incoming import Incoming, clean_text
from codestream.bot.members import describe_sender
from codestream.domain.ids import is_id
from codestream.domain.models import Codemark, CodemarkStatus, CodemarkType, Origin, User
from codestream.domain.msteams import TeamsProfile
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import Services
from codestream.domain.services import msteams_links as links
from codestream.domain.services.access import visible_codemark
from codestream.domain.services.codemarks import CodemarkChanges
from codestream.domain.services.msteams_signin import CodeRedeemed
from codestream.domain.services.msteams_turns import Duplicate, Turn
from codestream.domain.services.reply_threads import shared_card_thread
from codestream.errors import InvalidInput, NotFound, PermissionDenied
from codestream.teams.activities import InvokeResponse
from codestream.teams.connector import ConnectorClient
from codestream.teams.universal_actions import (
    card_answer,
    error_answer,
    invalid_auth_code,
    login_request,
    read_action,
)

CONNECTION_NAME = "CodeStream"
"""The loginRequest's `connectionName`: required by the protocol, though our sign-in is our own
page, not an Azure Bot OAuth connection."""
_ISSUE_VERBS = (RESOLVE, REOPEN, ASSIGN_ME, UNASSIGN_ME)


@dataclass(frozen=True)
class CardRequest:
    """A well-formed click: the verb, the codemark, the reply typed (REPLY only), and the code
    the sign-in page handed back, if this is the click again after signing in."""

    verb: str
    codemark_id: str
    reply: str
    state: str | None


def parse(incoming: Incoming) -> CardRequest | InvokeResponse:
    """The click, or the error answer saying what is wrong with it."""
    invoke = read_action(incoming.activity)
    if invoke.verb not in VERBS:
        shown = clean_text(invoke.verb, 40) or "(none)"
        return error_answer(400, "unknown_action", texts.CARD_UNKNOWN_ACTION.format(verb=shown))
    codemark_id = invoke.data.get(CODEMARK_ID)
    if not isinstance(codemark_id, str) or not is_id(codemark_id):
        return error_answer(400, "bad_codemark_id", texts.CARD_BAD_CODEMARK)
    reply = ""
    if invoke.verb == REPLY:
        typed = invoke.data.get(REPLY_INPUT)
        reply = typed.strip() if isinstance(typed, str) else ""
        if not reply:
            return error_answer(400, "empty_reply", texts.CARD_EMPTY_REPLY)
        if len(reply) > MAX_REPLY:
            message = texts.CARD_REPLY_TOO_LONG.format(length=len(reply), limit=MAX_REPLY)
            return error_answer(400, "reply_too_long", message)
    return CardRequest(invoke.verb, codemark_id, reply, invoke.state)


class CardActions:
    """Answers the codemark card's `adaptiveCard/action` invokes (a route of `BotRouter`)."""

    def __init__(
        self, services: Services, connector: ConnectorClient | None, options: BotOptions
    ) -> None:
        self._services = services
        self._connector = connector
        self._options = options

    async def handle(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        """Answer one click (or refresh) on a codemark card."""
        request = parse(incoming)
        if isinstance(request, InvokeResponse):
            return request
        if incoming.user_id is None:
            return error_answer(400, "unknown_user", texts.CARD_NO_TEAMS_USER)
        if request.verb == REFRESH and request.state is None:
            return await self._services.read(self._view, incoming, request)
        profile = None  # for the sign-in page, looked up before the turn when it may be needed
        if request.state is None and (
            request.verb == SIGN_IN or not await self._services.read(self._is_linked, incoming)
        ):
            profile = await _describe_clicker(incoming, self._connector)

        async def work(turn: Turn) -> InvokeResponse:
            answer = await self._act(turn, incoming, request, profile)
            turn.keep_answer(answer.as_json())  # a re-send gets it on any server
            return answer

        answer = await self._services.turns.run(key, work)
        if isinstance(answer, Duplicate):  # done before: its answer, else the card as it is now
            if answer.answer is not None:
                return InvokeResponse.from_json(answer.answer)
            return await self._services.read(self._view, incoming, request)
        return answer

    # -- in the turn ---------------------------------------------------------------------------
    async def _act(
        self, turn: Turn, incoming: Incoming, request: CardRequest, profile: TeamsProfile | None
    ) -> InvokeResponse:
        assert incoming.user_id is not None
        user = await links.linked_user(turn.uow, incoming.tenant_id, incoming.user_id)
        if request.state is not None:
            redeemed = await self._services.signin.redeem_code(
                turn,
                request.state,
                tenant_id=incoming.tenant_id,
                teams_user_id=incoming.user_id,
                aad_object_id=incoming.aad_object_id,
            )
            if redeemed is None:
                return invalid_auth_code()
            user = redeemed.user
            await _confirm_privately(turn, incoming, redeemed)
        if user is None:
            return await self._login_request(turn, incoming, profile)
        try:
            codemark = await visible_codemark(turn.uow, user, request.codemark_id)
        except NotFound:
            if request.verb == SIGN_IN:  # signed in as someone else: sign in again
                return await self._login_request(turn, incoming, profile)
            return _refusal(user)
        try:
            codemark = await self._perform(turn, user, codemark, request)
        except (NotFound, PermissionDenied):
            return _refusal(user)
        except InvalidInput as exc:
            return error_answer(400, exc.code, exc.message)
        return await self._card(turn.uow, incoming, codemark, member_view(user.id))

    async def _perform(
        self, turn: Turn, user: User, codemark: Codemark, request: CardRequest
    ) -> Codemark:
        """Do what the verb says, as `user`, through the use cases; the codemark afterwards.
        Nothing changes when it is so already (Resolve on a resolved issue)."""
        verb = request.verb
        if verb in _ISSUE_VERBS and codemark.type is not CodemarkType.ISSUE:
            raise InvalidInput(texts.CARD_NOT_AN_ISSUE, code="not_an_issue")
        codemarks = self._services.codemarks
        if verb in (RESOLVE, REOPEN):
            status = CodemarkStatus.CLOSED if verb == RESOLVE else CodemarkStatus.OPEN
            if codemark.status is not status:
                changes = CodemarkChanges(status=status)
                return await codemarks.change_codemark(turn.uow, user, codemark.id, changes)
        elif verb in (ASSIGN_ME, UNASSIGN_ME):
            assigned = verb == ASSIGN_ME
            changed, _ = await codemarks.set_assigned(
                turn.uow, user, codemark.id, user.id, assigned=assigned
            )
            return changed
        elif verb == REPLY:
            await codemarks.add_reply(turn.uow, user, codemark.id, request.reply, Origin.TEAMS)
            return await visible_codemark(turn.uow, user, codemark.id)
        return codemark

    async def _login_request(
        self, turn: Turn, incoming: Incoming, profile: TeamsProfile | None
    ) -> InvokeResponse:
        """Teams' sign-in, with a fresh grant of the binding sign-in made in this conversation
        (the card's thread), for this Teams user."""
        assert incoming.user_id is not None
        state = await self._services.signin.start_signin(
            turn,
            tenant_id=incoming.tenant_id,
            teams_user_id=incoming.user_id,
            aad_object_id=incoming.aad_object_id,
            conversation_id=incoming.conversation_id,
            profile=profile,
        )
        url = f"{self._options.signin_page}?state={quote(state, safe='')}"
        return login_request(
            texts.CARD_SIGNIN, url, connection_name=CONNECTION_NAME, title=texts.BUTTON_SIGNIN
        )

    # -- reads ---------------------------------------------------------------------------------
    async def _is_linked(self, uow: UnitOfWork, incoming: Incoming) -> bool:
        assert incoming.user_id is not None
        return await links.linked_user(uow, incoming.tenant_id, incoming.user_id) is not None

    async def _view(
        self, uow: UnitOfWork, incoming: Incoming, request: CardRequest
    ) -> InvokeResponse:
        """The card for the clicking user, changing nothing: a member's buttons; for anyone
        else, the card of the codemark shared in this thread, with Sign in instead."""
        assert incoming.user_id is not None
        user = await links.linked_user(uow, incoming.tenant_id, incoming.user_id)
        if user is not None:
            try:
                codemark = await visible_codemark(uow, user, request.codemark_id)
            except NotFound:
                pass
            else:
                return await self._card(uow, incoming, codemark, member_view(user.id))
        share = await shared_card_thread(uow, incoming.tenant_id, incoming.conversation_id)
        codemark_or_none = await uow.codemarks.get(request.codemark_id)
        if (
            share is None
            or share.codemark_id != request.codemark_id
            or codemark_or_none is None
            or codemark_or_none.deactivated
        ):
            return _refusal(user)
        return await self._card(uow, incoming, codemark_or_none, SIGN_IN_VIEW)

    async def _card(
        self, uow: UnitOfWork, incoming: Incoming, codemark: Codemark, view: CardView
    ) -> InvokeResponse:
        data = await self._services.shares.card_data(uow, codemark, tenant_id=incoming.tenant_id)
        return card_answer(render_codemark_card(data, view))


def _refusal(user: User | None) -> InvokeResponse:
    """No access: says nothing of the codemark."""
    if user is None:
        return error_answer(403, "not_available", texts.CARD_NOT_AVAILABLE)
    return error_answer(403, "no_access", texts.CARD_NO_ACCESS.format(email=user.email))


async def _describe_clicker(incoming: Incoming, connector: ConnectorClient | None) -> TeamsProfile:
    """Who clicked, as Teams' member lookup says (for the sign-in page), before the turn. In a
    channel the lookup asks the channel (the team's roster), not the card's thread."""
    if incoming.in_channel and incoming.channel_id is not None:
        incoming = dataclasses.replace(incoming, conversation_id=incoming.channel_id)
    return await describe_sender(incoming, connector)


async def _confirm_privately(turn: Turn, incoming: Incoming, redeemed: CodeRedeemed) -> None:
    """Confirm a sign-in made from a card in the user's personal chat with the bot, if they
    have one; never in the channel (the refreshed card is the confirmation there)."""
    assert incoming.user_id is not None
    card = cards.signed_in_card(redeemed.user.email, [t.name for t in redeemed.teams])
    await turn.send_to_personal_chat(incoming.tenant_id, incoming.user_id, cards.message(card))


__all__ = ["CardActions", "CardRequest", "parse"]
