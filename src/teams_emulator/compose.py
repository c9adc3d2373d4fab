"""The compose box's message extension, as a Teams client plays it: link unfurling and search.

What Microsoft documents ("Link unfurling", "Respond to search command", "Add authentication to
your message extension"), and what this module does with it:

- A link pasted into the compose box whose host is one of the app's `messageHandlers` link
  domains sends the bot a `composeExtension/queryLink` invoke (`value.url`). The bot need not be
  in the conversation. A result's first attachment is the card shown in the compose box (its
  `preview` when the list shows it); no attachments: the link stays a bare link.
- The search command sends `composeExtension/query` (`commandId`, `parameters` with the text or
  `initialRun`, `queryOptions.skip/count`); the results list shows each attachment's `preview`;
  choosing one inserts its card into the message being written, or, when the preview has a
  `tap` of type `invoke`, sends `composeExtension/selectItem` with the tap's value and inserts
  the first attachment of that answer (`choose`).
- `type: auth` answers carry `suggestedActions.actions[0]` (openUrl): Teams opens it in its
  sign-in window and, when the page calls `authentication.notifySuccess(code)`, sends the same
  query again with `value.state` = the code (`resume`).
- Limits enforced on the answers: invokes are answered within 5 seconds (else Teams shows
  "Unable to reach app"); each result becomes a message when inserted, so its card must fit a
  Teams message (about 28 KB), else the answer is refused as invalid.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from teams_emulator import activities as act
from teams_emulator.delivery import BotResponse
from teams_emulator.entities import BotApp, Conversation, Message, User
from teams_emulator.messaging import Messaging
from teams_emulator.universal_actions import INVOKE_TIMEOUT, SOMETHING_WRONG, UNREACHABLE

QUERY = "composeExtension/query"
QUERY_LINK = "composeExtension/queryLink"
SELECT_ITEM = "composeExtension/selectItem"
MAX_MESSAGE_BYTES = 28 * 1024
"""A Teams message's size limit; an inserted result must fit in one."""

ComposeKind = Literal["result", "auth", "message", "unreachable", "invalid"]


@dataclass(frozen=True)
class ComposeAnswer:
    """What Teams makes of the bot's answer to a compose extension invoke."""

    kind: ComposeKind
    attachments: list[dict[str, Any]] = field(default_factory=list)
    sign_in_url: str = ""
    text: str = ""
    cache: dict[str, Any] | None = None
    detail: str = ""
    """For a developer: why the answer was not understood."""
    elapsed: float = 0.0

    @property
    def card(self) -> dict[str, Any] | None:
        """The first result's card (what a pasted link unfolds to), or None."""
        return self.attachments[0].get("content") if self.attachments else None

    def to_json(self) -> dict[str, Any]:
        """The answer as the page reads it."""
        return asdict(self)


def message_size(attachment: dict[str, Any]) -> int:
    """Bytes of the message an inserted result becomes (ASCII-escaped JSON, the largest)."""
    inserted = {"type": "message", "attachments": [_without_preview(attachment)]}
    return len(json.dumps(inserted, ensure_ascii=True, separators=(",", ":")))


def _without_preview(attachment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attachment.items() if k != "preview"}


def _invalid(detail: str) -> ComposeAnswer:
    return ComposeAnswer("invalid", text=SOMETHING_WRONG, detail=detail)


def read_compose_answer(response: BotResponse) -> ComposeAnswer:
    """Teams' reading of the bot's HTTP answer to a compose extension invoke."""
    if response.status != 200:
        why = response.error or f"HTTP {response.status}"
        return ComposeAnswer("unreachable", text=UNREACHABLE, detail=why)
    if response.elapsed > INVOKE_TIMEOUT:
        return ComposeAnswer("unreachable", text=UNREACHABLE, detail="answered after 5 s")
    body = response.body
    extension = body.get("composeExtension") if isinstance(body, dict) else None
    if not isinstance(extension, dict):
        return _invalid("the answer has no 'composeExtension' object")
    assert isinstance(body, dict)
    cache = body.get("cacheInfo") if isinstance(body.get("cacheInfo"), dict) else None
    kind = extension.get("type")
    if kind == "result":
        attachments = extension.get("attachments")
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            return _invalid("a result's attachments must be a list of attachments")
        for position, found in enumerate(attachments):
            if not isinstance(found.get("content"), dict) or not found.get("contentType"):
                return _invalid(f"attachment {position} has no contentType and content")
            size = message_size(found)
            if size > MAX_MESSAGE_BYTES:
                return _invalid(
                    f"attachment {position} would be a message of {size} bytes; Teams takes "
                    f"at most {MAX_MESSAGE_BYTES}"
                )
        return ComposeAnswer("result", attachments=attachments, cache=cache)
    if kind == "auth":
        suggested = extension.get("suggestedActions")
        actions = suggested.get("actions") if isinstance(suggested, dict) else None
        first = actions[0] if isinstance(actions, list) and actions else None
        if not isinstance(first, dict) or first.get("type") != "openUrl":
            return _invalid("an auth answer needs suggestedActions.actions[0] of type openUrl")
        url = first.get("value")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return _invalid("the openUrl action's value must be a URL")
        return ComposeAnswer("auth", sign_in_url=url, text=str(first.get("title") or "Sign in"))
    if kind == "message":
        return ComposeAnswer("message", text=str(extension.get("text") or ""), cache=cache)
    return _invalid(f"composeExtension type {kind!r} is not one Teams shows here")


@dataclass(frozen=True)
class Extension:
    """What an app's manifest declares of its message extension (`composeExtensions[0]`): the
    link domains of its `messageHandlers` and its search command (id and parameter name)."""

    domains: tuple[str, ...] = ()
    search_command: str = "searchCodemarks"
    search_parameter: str = "query"

    def covers(self, host: str) -> bool:
        """Whether a link to `host` goes to this extension (`*.` matches one label)."""
        return any(
            host == domain
            or (
                domain.startswith("*.")
                and host.endswith(domain[1:])
                and host.count(".") == domain.count(".")
            )
            for domain in self.domains
        )


@dataclass(frozen=True)
class Chosen:
    """A result chosen: the message it became (None when the bot's answer gave nothing to
    insert) and, for a result with a tap, the bot's answer to `composeExtension/selectItem`."""

    message: Message | None
    answer: ComposeAnswer | None = None


def tap_of(result: dict[str, Any]) -> dict[str, Any] | None:
    """The invoke value of a result's preview `tap`, if it has one."""
    preview = result.get("preview")
    content = preview.get("content") if isinstance(preview, dict) else None
    tap = content.get("tap") if isinstance(content, dict) else None
    if isinstance(tap, dict) and tap.get("type") == "invoke" and isinstance(tap.get("value"), dict):
        return dict(tap["value"])
    return None


@dataclass
class _Pending:
    """A query that got an auth answer: what Teams sends again after the sign-in window."""

    where: Conversation
    name: str
    value: dict[str, Any]


class Compose:
    """A user's compose box with a bot's message extension."""

    def __init__(self, messaging: Messaging, *, timeout: float = INVOKE_TIMEOUT) -> None:
        self.messaging = messaging
        self.world = messaging.world
        self.timeout = timeout
        self.extensions: dict[str, Extension] = {}
        """Per bot app id: its message extension, as its app's manifest declares it."""
        self._pending: dict[tuple[str, str], _Pending] = {}

    def register_extension(
        self,
        bot: BotApp,
        *,
        domains: list[str],
        search_command: str = "searchCodemarks",
        search_parameter: str = "query",
    ) -> Extension:
        """The app (manifest) of `bot` has a message extension: link domains, a search command."""
        extension = Extension(tuple(d.lower() for d in domains), search_command, search_parameter)
        self.extensions[bot.app_id] = extension
        self.world.touch()
        return extension

    def bot_for_link(self, url: str) -> BotApp | None:
        """The bot whose extension's link domains cover `url`, or None."""
        try:
            host = (urlsplit(url.strip()).hostname or "").lower()
        except ValueError:
            return None
        for app_id, extension in self.extensions.items():
            if host and extension.covers(host):
                return self.world.bots.get(app_id)
        return None

    async def query_link(
        self,
        where: Conversation,
        user: User,
        url: str,
        *,
        bot: BotApp | None = None,
        state: str | None = None,
    ) -> ComposeAnswer:
        """`user` pastes `url` into the compose box of `where`."""
        target = bot or self.bot_for_link(url)
        if target is None:
            raise ValueError(f"no app registered the domain of {url}")
        value: dict[str, Any] = {"url": url}
        return await self._send(where, user, target, QUERY_LINK, value, state)

    async def search(
        self,
        where: Conversation,
        user: User,
        text: str,
        *,
        bot: BotApp,
        skip: int = 0,
        count: int = 25,
        state: str | None = None,
    ) -> ComposeAnswer:
        """`user` types `text` into the extension's search box ("" = opening it: the initial
        run), Teams asking for the page at `skip`, with the bot's registered search command."""
        extension = self.extensions.get(bot.app_id) or Extension()
        parameters = [{"name": extension.search_parameter, "value": text}]
        if not text:
            parameters = [{"name": "initialRun", "value": "true"}]
        value: dict[str, Any] = {
            "commandId": extension.search_command,
            "parameters": parameters,
            "queryOptions": {"skip": skip, "count": count},
        }
        return await self._send(where, user, bot, QUERY, value, state)

    async def resume(self, user: User, bot: BotApp, state: str) -> ComposeAnswer:
        """After the sign-in window handed back `state`: the query that got `auth`, again."""
        pending = self._pending.get((user.id, bot.app_id))
        if pending is None:
            raise ValueError(f"no compose sign-in is pending for {user.name}")
        return await self._send(pending.where, user, bot, pending.name, pending.value, state)

    async def choose(
        self, where: Conversation, user: User, result: dict[str, Any], bot: BotApp
    ) -> Chosen:
        """`user` picks a search result: with a tap, Teams asks the bot for the card to insert
        (`composeExtension/selectItem`); without, the result's own card is inserted."""
        tap = tap_of(result)
        if tap is None:
            return Chosen(self.insert(where, user, result, bot))
        answer = await self._send(where, user, bot, SELECT_ITEM, tap, None)
        if answer.kind != "result" or not answer.attachments:
            return Chosen(None, answer)
        return Chosen(self.insert(where, user, answer.attachments[0], bot), answer)

    def insert(
        self, where: Conversation, user: User, result: dict[str, Any], bot: BotApp
    ) -> Message:
        """`user` sends the message with the chosen result's card (as Teams posts it: from the
        user, "via" the app); a new post in a channel."""
        sender = self.messaging.sender
        message_id = sender.new_id()
        card = _without_preview(result)
        message = Message(
            id=message_id,
            conversation_id=where.id,
            thread_root=message_id if where.kind == "channel" else None,
            sender_id=user.id,
            sender_name=user.name,
            text="",
            timestamp=self.messaging.clock(),
            attachments=[card],
            via_bot_id=bot.mri,
        )
        return sender.store(where, message)

    async def _send(
        self,
        where: Conversation,
        user: User,
        bot: BotApp,
        name: str,
        value: dict[str, Any],
        state: str | None,
    ) -> ComposeAnswer:
        sender = self.messaging.sender
        conversation, data = self._frame_of(where)
        data["source"] = {"name": "compose"}
        activity = sender.frame("invoke", bot, user, conversation, data)
        activity["id"] = f"f:{uuid.uuid4()}"
        sent = dict(value)
        if state is not None:
            sent["state"] = state
        activity.update(name=name, value=sent)
        response = await sender.send(bot, activity, timeout=self.timeout)
        answer = read_compose_answer(response)
        key = (user.id, bot.app_id)
        if answer.kind == "auth":
            self._pending[key] = _Pending(where, name, value)
        elif state is not None:
            self._pending.pop(key, None)
        return ComposeAnswer(**{**asdict(answer), "elapsed": response.elapsed})

    def _frame_of(self, where: Conversation) -> tuple[dict[str, Any], dict[str, Any]]:
        if where.kind == "personal":
            return act.personal_conversation(where), {"tenant": {"id": where.tenant_id}}
        team = self.world.teams[where.team_id or ""]
        channel = self.world.channels[where.id]
        return act.channel_conversation(team, channel.id), act.channel_data(team, channel)
