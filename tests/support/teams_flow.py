"""Helpers for bot stories: read the bot's cards in the emulator, follow its sign-in link with a
browser-like HTTP client, and move the app's clock."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from codestream.domain.clock import system_clock
from codestream.teams.cards import CONTENT_TYPE
from support.api import Member
from support.bots import BotWorld
from support.databases import undelivered
from teams_emulator import Channel, Message, User
from teams_emulator import activities as act
from teams_emulator.delivery import BotResponse

PASSWORD = "correct horse 1"
"""The password `Api.sign_up` gives users."""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STATE = re.compile(r'name="state" value="([^"]+)"')
_CODE = re.compile(r'id="signin-code">([^<]+)<')


class OffsetClock:
    """The wall clock in milliseconds, plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return system_clock() + self.offset

    def advance(self, minutes: float) -> None:
        """Jump ahead."""
        self.offset += int(minutes * 60_000)


def card_of(message: Message) -> dict[str, Any]:
    """The Adaptive Card a bot message carries."""
    cards = [a["content"] for a in message.attachments if a.get("contentType") == CONTENT_TYPE]
    assert len(cards) == 1, message.attachments
    card: dict[str, Any] = cards[0]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return card


def card_text(card: dict[str, Any]) -> str:
    """Every text a person sees on a card, one per line."""
    lines = []
    for element in card.get("body", []):
        if element.get("type") == "TextBlock":
            lines.append(element["text"])
        elif element.get("type") == "FactSet":
            lines.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
    lines.extend(f"[{a['title']}]" for a in card.get("actions", []))
    return "\n".join(lines)


def signin_url(card: dict[str, Any]) -> str:
    """The page the card's sign-in button opens in Teams' authentication window: an
    Action.Submit whose data is `{"msteams": {"type": "signin", "value": <url>}}`."""
    urls = [
        a["data"]["msteams"]["value"]
        for a in card.get("actions", [])
        if a["type"] == "Action.Submit"
        and a.get("data", {}).get("msteams", {}).get("type") == "signin"
    ]
    assert len(urls) == 1, card
    return str(urls[0])


def bot_messages(world: BotWorld, conversation_id: str) -> list[Message]:
    """The bot's messages in a conversation (a channel's threads included), oldest first."""
    conversation = world.emu.emulator.world.conversations[conversation_id]
    return [m for m in list(conversation.messages.values()) if m.from_bot]


async def wait_for_card(
    world: BotWorld,
    conversation_id: str,
    text: str,
    *,
    root: str | None = None,
    since: int = 0,
    wait: float = 15.0,
) -> Message:
    """The first bot message whose card shows `text` (in the thread of `root`, if given), among
    the conversation's bot messages after the first `since`."""
    deadline = time.monotonic() + wait
    while True:
        for message in bot_messages(world, conversation_id)[since:]:
            if root is not None and message.thread_root != root:
                continue
            if text in card_text(card_of(message)):
                return message
        if time.monotonic() > deadline:
            shown = [card_text(card_of(m)) for m in bot_messages(world, conversation_id)]
            raise AssertionError(f"no bot card with {text!r} in {conversation_id}: {shown}")
        await asyncio.sleep(0.05)


async def no_new_messages(
    world: BotWorld, conversation_id: str, count: int, *, wait: float = 15.0
) -> None:
    """Check the conversation still has `count` bot messages once everything the bot queued has
    been delivered.

    The bot queues what it says in the transaction of the turn that decides it, before it
    answers Teams' request; so once the requests that could cause a message have been answered,
    an outbox with nothing queued, retrying or being sent means that every such message is in
    Teams already, however late the worker sent it.
    """
    deadline = time.monotonic() + wait
    while (left := await undelivered(world.uows)) > 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} outbox rows still undelivered after {wait} s")
        await asyncio.sleep(0.02)
    found = len(bot_messages(world, conversation_id))
    assert found == count, f"{found} bot messages in {conversation_id}, expected {count}"


@dataclass
class Browser:
    """A person's browser: cookies kept, redirects followed by hand so each step is checked."""

    client: httpx.AsyncClient

    async def log_in(self, email: str, password: str, next_path: str) -> httpx.Response:
        """Fill in the sign-in page and follow the redirect to `next_path`."""
        page = await self.client.get("/web/login", params={"next": next_path})
        assert page.status_code == 200, page.text
        token = _CSRF.search(page.text)
        assert token is not None
        done = await self.client.post(
            "/web/login",
            data={
                "csrf_token": token.group(1),
                "next": next_path,
                "email": email,
                "password": password,
            },
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == next_path
        return await self.client.get(next_path)

    async def open_signin(self, url: str, email: str, password: str) -> httpx.Response:
        """Follow the card's link: sent to the sign-in page, signed in, back to the picker."""
        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}"
        first = await self.client.get(path)
        if first.status_code != 303:
            return first
        location = first.headers["location"]
        assert location.startswith("/web/login?next="), location
        return await self.log_in(email, password, path)

    async def submit(self, page: httpx.Response, team_ids: list[str]) -> httpx.Response:
        """Pick teams on the picker page and submit it."""
        token, state = _CSRF.search(page.text), _STATE.search(page.text)
        assert token is not None and state is not None, page.text
        fields = [("csrf_token", token.group(1)), ("state", _unescape(state.group(1)))]
        fields += [("team_id", team_id) for team_id in team_ids]
        return await self.post_form("/web/msteams/signin", fields)

    async def post_form(self, path: str, fields: list[tuple[str, str]]) -> httpx.Response:
        """POST an HTML form (repeated fields allowed)."""
        return await self.client.post(
            path,
            content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


def _unescape(value: str) -> str:
    return value.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


def code_on(page: httpx.Response) -> str:
    """The one-time code the success page shows."""
    found = _CODE.search(page.text)
    assert found is not None, page.text
    return found.group(1).strip()


def csrf_on(page: httpx.Response) -> str:
    """The CSRF token of a page's form."""
    found = _CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


@asynccontextmanager
async def browser(world: BotWorld) -> AsyncIterator[Browser]:
    """A fresh browser pointed at our app."""
    async with httpx.AsyncClient(base_url=str(world.app_client.base_url), timeout=20) as client:
        yield Browser(client)


async def say(world: BotWorld, user: User, text: str) -> Message:
    """Send the bot a personal message; the bot's answer."""
    chat = world.emu.driver.personal_chat(world.bot, user).id
    before = len(bot_messages(world, chat))
    answer = await world.emu.driver.send_personal_message(world.bot, user, text)
    assert answer.status == 200, answer.body
    return await wait_for_new(world, chat, before)


async def say_in_channel(
    world: BotWorld, user: User, text: str, channel: Channel | None = None
) -> Message:
    """@mention the bot in a new channel post; the bot's answer in the thread."""
    where = channel or world.channel
    posted = await world.emu.driver.post_message(where, user, text)
    assert posted is not None and posted.status == 200
    return await wait_for_new(world, where.id, 0, root=posted.activity_id)


async def wait_for_new(
    world: BotWorld, conversation_id: str, since: int, *, root: str | None = None
) -> Message:
    """The first bot message after the first `since` (in `root`'s thread, if given)."""
    deadline = time.monotonic() + 15
    while True:
        for message in bot_messages(world, conversation_id)[since:]:
            if root is None or message.thread_root == root:
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot did not answer in {conversation_id}")
        await asyncio.sleep(0.05)


def text_of(message: Message) -> str:
    """What a bot message's card says."""
    return card_text(card_of(message))


async def send_invoke(world: BotWorld, user: User, name: str, value: Any) -> BotResponse:
    """A signed invoke named `name` from `user` in their personal chat with the bot."""
    chat = world.emu.driver.personal_chat(world.bot, user)
    activity = world.emu.driver.sender.frame(
        "invoke",
        world.bot,
        user,
        act.personal_conversation(chat),
        {"tenant": {"id": chat.tenant_id}, "source": {"name": "message"}},
    )
    activity.update(name=name, value=value)
    return await world.emu.driver.send_activity(world.bot, activity)


async def hand_back(world: BotWorld, user: User, state: Any) -> BotResponse:
    """What Teams does when the sign-in page calls `authentication.notifySuccess(state)`: a
    `signin/verifyState` invoke from `user` in their personal chat with the bot (the emulator's
    own hand-back for a text; a malformed `state` is framed here, as no Teams client sends one)."""
    if not isinstance(state, str):
        return await send_invoke(world, user, "signin/verifyState", {"state": state})
    chat = world.emu.driver.personal_chat(world.bot, user)
    return await world.emu.driver.verify_signin_state(chat, user, state, bot=world.bot)


async def pick_teams(
    world: BotWorld, user: User, member: Member, team_ids: list[str], password: str = PASSWORD
) -> tuple[Message, str]:
    """`user` sends `signin`; `member` opens the card's page, signs in and picks the teams. The
    sign-in card and the one-time code the page showed (nothing is linked yet)."""
    chat = world.emu.driver.personal_chat(world.bot, user).id
    before = len(bot_messages(world, chat))
    sent = await world.emu.driver.send_personal_message(world.bot, user, "signin")
    assert sent.status == 200
    card = await wait_for_card(world, chat, "Sign in to CodeStream", since=before)
    async with browser(world) as person:
        picker = await person.open_signin(signin_url(card_of(card)), member.email, password)
        assert picker.status_code == 200, picker.text
        done = await person.submit(picker, team_ids)
        assert done.status_code == 200, done.text
    return card, code_on(done)


async def sign_in(
    world: BotWorld, user: User, member: Member, team_ids: list[str], password: str = PASSWORD
) -> str:
    """The whole sign-in from Teams for `user` as `member`, the code handed back by Teams'
    authentication flow; the one-time code the page showed (used up)."""
    chat = world.emu.driver.personal_chat(world.bot, user).id
    before = len(bot_messages(world, chat))
    _card, code = await pick_teams(world, user, member, team_ids, password)
    answered = await hand_back(world, user, code)
    assert answered.status == 200, answered.body
    await wait_for_card(
        world, chat, f"You're signed in to CodeStream as {member.email}", since=before
    )
    return code
