"""The message extension: permalinks unfold into codemark cards, and codemarks are searched from
the compose box of any chat, group chat or channel (the bot need not be in it).

- `composeExtension/queryLink`: a pasted permalink (`<public URL>/c/<id>`, any query or
  fragment) unfolds to the codemark's card for a linked user who may see it (the shared view,
  so its buttons serve whoever may act, with the `refresh` that gives each linked member of the
  tenant their own view when Teams shows it: that is how an unfurled card stays current, since
  the bot can't update a message it did not send). Teams may cache the answer for
  `LINK_CACHE_SECONDS`; answers that aren't a card are not cached. A codemark the user may not
  see, or an id that isn't one, unfolds to nothing (an empty result: the bare link stays).
- `composeExtension/query` (command `SEARCH_COMMAND`): the codemarks the user may see having
  every word typed (title, text, file path, repo, tag), newest first, `queryOptions.skip/count`
  as Teams pages; nothing typed: the newest. Each result is a light thumbnail (title, who did
  what, status, file; a link to the codemark's page) whose `tap` names the codemark: choosing it
  sends `composeExtension/selectItem`, answered with the live card (as a pasted permalink), so a
  page of 25 results renders no card at all.
- A user not linked gets the extension's sign-in (`type: auth`, an openUrl to the binding
  sign-in page of `SignInService`); Teams then sends the query again with `state` = the code the
  page handed back, redeemed for that Teams user only, and answered in the same turn.

Looking up for a linked user only reads (`Services.read`: no write transaction, no dedupe row).
Starting or completing a sign-in writes (the grant, the link), so those run as a turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import quote, urlsplit

from codestream.apppackage.manifest import SEARCH_COMMAND
from codestream.bot import texts
from codestream.bot.card_code import cut
from codestream.bot.card_views import CODEMARK_ID, SHARED_VIEW
from codestream.bot.codemark_card import action_phrase, render_codemark_card, status_label
from codestream.bot.command_registry import BotOptions
from codestream.bot.incoming import Incoming
from codestream.bot.members import describe_sender
from codestream.domain.ids import is_id
from codestream.domain.models import Codemark, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import Services
from codestream.domain.services import msteams_links as links
from codestream.domain.services.access import visible_codemark
from codestream.domain.services.msteams_turns import Duplicate, Turn
from codestream.errors import NotFound
from codestream.teams.activities import InvokeResponse
from codestream.teams.cards import CONTENT_TYPE
from codestream.teams.connector import ConnectorClient
from codestream.teams.message_extensions import (
    attachment,
    message,
    read_link,
    read_query,
    read_selected,
    results,
    sign_in,
    thumbnail,
)

LINK_CACHE_SECONDS: Final = 300
"""How long Teams may keep an unfurled card before asking again (five minutes: a card pasted
again after a change shows it soon; a card already in a message is kept current by its refresh)."""
MAX_PREVIEW_TEXT: Final = 160

NOTHING: Final = results([])
"""The answer that unfolds nothing and reveals nothing."""

Answer = Callable[[UnitOfWork, User], Awaitable[InvokeResponse]]
"""What a query answers a linked user, read in the given unit of work."""


def permalink_id(url: str, public_url: str) -> str | None:
    """The codemark id of a permalink on this server (`<public URL>/c/<id>`, with or without a
    query or fragment, http or https); None for any other URL."""
    try:
        link, public = urlsplit(url.strip()), urlsplit(public_url)
    except ValueError:
        return None
    if link.scheme not in ("http", "https") or not link.hostname or not public.hostname:
        return None
    if (link.hostname.lower(), link.port) != (public.hostname.lower(), public.port):
        return None
    prefix = public.path.rstrip("/") + "/c/"
    if not link.path.startswith(prefix):
        return None
    codemark_id = link.path[len(prefix) :].rstrip("/")
    return codemark_id if is_id(codemark_id) else None


class MessageExtension:
    """Answers the message extension's invokes (routes of `BotRouter`)."""

    def __init__(
        self, services: Services, connector: ConnectorClient | None, options: BotOptions
    ) -> None:
        self._services = services
        self._connector = connector
        self._options = options

    # -- link unfurling ------------------------------------------------------------------------
    async def unfurl(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        """Answer a pasted link."""
        link = read_link(incoming.activity)
        codemark_id = permalink_id(link.url, self._options.public_url)
        if codemark_id is None or incoming.user_id is None:
            return NOTHING

        async def answer_for(uow: UnitOfWork, user: User) -> InvokeResponse:
            return await self._unfurled(uow, incoming, user, codemark_id)

        if link.state is None:
            answer = await self._services.read(self._read, incoming, answer_for)
            if answer is not None:
                return answer
        return await self._signed_in(incoming, key, link.state, answer_for)

    async def _unfurled(
        self,
        uow: UnitOfWork,
        incoming: Incoming,
        user: User,
        codemark_id: str,
        *,
        cache_seconds: int = LINK_CACHE_SECONDS,
    ) -> InvokeResponse:
        """The codemark's live card (shared view, refreshed for the tenant's linked members),
        with its preview; nothing when the user may not see it."""
        try:
            codemark = await visible_codemark(uow, user, codemark_id)
        except NotFound:
            return NOTHING
        data = await self._services.shares.card_data(uow, codemark, tenant_id=incoming.tenant_id)
        card = render_codemark_card(data, SHARED_VIEW)
        found = attachment(CONTENT_TYPE, card, _preview(codemark, data.author))
        return results([found], cache_seconds=cache_seconds)

    # -- search --------------------------------------------------------------------------------
    async def search(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        """Answer a search from the compose box."""
        query = read_query(incoming.activity)
        if incoming.user_id is None:
            return NOTHING
        if query.command_id != SEARCH_COMMAND:
            return message(texts.COMPOSE_UNKNOWN_COMMAND)
        text = "" if query.initial_run else query.text

        async def answer_for(uow: UnitOfWork, user: User) -> InvokeResponse:
            codemarks = self._services.codemarks
            found = await codemarks.search_codemarks(
                uow, user, text, skip=query.skip, count=query.count
            )
            if not found and text and query.skip == 0:
                return message(texts.COMPOSE_NOTHING_FOUND)
            authors = await uow.users.get_many(sorted({c.creator_id for c in found}))
            by_id = {u.id: u for u in authors}
            return results([self._result(c, by_id.get(c.creator_id)) for c in found])

        if query.state is None:
            answer = await self._services.read(self._read, incoming, answer_for)
            if answer is not None:
                return answer
        return await self._signed_in(incoming, key, query.state, answer_for)

    async def select(self, incoming: Incoming, key: str | None) -> InvokeResponse:
        """A search result chosen: the codemark's live card, for a linked user who may see it
        (only reads); nothing otherwise."""
        codemark_id = read_selected(incoming.activity).get(CODEMARK_ID)
        if incoming.user_id is None or not isinstance(codemark_id, str) or not is_id(codemark_id):
            return NOTHING

        async def answer_for(uow: UnitOfWork, user: User) -> InvokeResponse:
            return await self._unfurled(uow, incoming, user, codemark_id, cache_seconds=0)

        return await self._services.read(self._read, incoming, answer_for) or NOTHING

    # -- sign-in -------------------------------------------------------------------------------
    async def _signed_in(
        self,
        incoming: Incoming,
        key: str | None,
        state: str | None,
        answer_for: Answer,
    ) -> InvokeResponse:
        """A turn: redeem the code Teams handed back (`state`) and answer as the user it links;
        without a good code, start a sign-in and ask for it."""
        assert incoming.user_id is not None
        profile = None
        if state is None:  # Teams' lookup before the turn, for the sign-in page
            profile = await describe_sender(incoming, self._connector)

        async def work(turn: Turn) -> InvokeResponse:
            assert incoming.user_id is not None
            user = await self._linked(turn.uow, incoming)
            if state is not None:
                redeemed = await self._services.signin.redeem_code(
                    turn,
                    state,
                    tenant_id=incoming.tenant_id,
                    teams_user_id=incoming.user_id,
                    aad_object_id=incoming.aad_object_id,
                )
                user = redeemed.user if redeemed is not None else user
            if user is not None:
                return await answer_for(turn.uow, user)
            grant = await self._services.signin.start_signin(
                turn,
                tenant_id=incoming.tenant_id,
                teams_user_id=incoming.user_id,
                aad_object_id=incoming.aad_object_id,
                conversation_id=incoming.conversation_id,
                profile=profile,
            )
            url = f"{self._options.signin_page}?state={quote(grant, safe='')}"
            return sign_in(url, texts.COMPOSE_SIGNIN)

        answer = await self._services.turns.run(key, work)
        if isinstance(answer, Duplicate):  # handled before (another process): answer it again
            return await self._services.read(self._read, incoming, answer_for) or NOTHING
        return answer

    # -- helpers -------------------------------------------------------------------------------
    async def _read(
        self, uow: UnitOfWork, incoming: Incoming, answer_for: Answer
    ) -> InvokeResponse | None:
        """The answer for a linked user, only reading; None when the user isn't linked."""
        user = await self._linked(uow, incoming)
        return None if user is None else await answer_for(uow, user)

    async def _linked(self, uow: UnitOfWork, incoming: Incoming) -> User | None:
        assert incoming.user_id is not None
        return await links.linked_user(uow, incoming.tenant_id, incoming.user_id)

    def _result(self, codemark: Codemark, author: User | None) -> dict[str, Any]:
        """A search result: a thumbnail that links the codemark's page, chosen by its `tap`."""
        preview = _preview(
            codemark,
            author,
            tap={CODEMARK_ID: codemark.id},
            link=("Open", codemark.permalink(self._options.public_url)),
        )
        return attachment(preview["contentType"], preview["content"], preview)


def _preview(codemark: Codemark, author: User | None, **extra: Any) -> dict[str, Any]:
    """The codemark as a thumbnail: its headline, who did what, status and file, its text."""
    headline = codemark.title or codemark.text.strip().split("\n", 1)[0] or "Codemark"
    who = (author.full_name or author.username) if author is not None else "A former member"
    facts = [f"{who} {action_phrase(codemark)}"]
    status = status_label(codemark)
    if status:
        facts.append(status)
    if codemark.markers:
        facts.append(codemark.markers[0].file)
    body = codemark.text if codemark.title else ""
    summary = cut(" ".join(body.split()), MAX_PREVIEW_TEXT)
    return thumbnail(cut(headline, 120), summary, cut(" · ".join(facts), 160), **extra)
