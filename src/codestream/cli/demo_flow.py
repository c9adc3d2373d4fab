"""The Teams half of `codestream demo`: the emulator in a thread of its own, and the README's
story played against the running server: install the bot, sign in from the personal chat
(following the card's link like a browser), connect a channel, share the codemark, and wait for
its card to arrive in the channel.
"""

from __future__ import annotations

import asyncio
import html
import re
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from codestream.apppackage.manifest import RSC_PERMISSIONS
from codestream.teams.cards import CONTENT_TYPE
from teams_emulator import BotApp, Channel, RunningEmulator, Team, Tenant, User, run_emulator
from teams_emulator.cli import extension_domains

T = TypeVar("T")

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STATE = re.compile(r'name="state" value="([^"]+)"')
_CODE = re.compile(r'id="signin-code">([^<]+)<')


class DemoError(Exception):
    """A step of the demo's story did not happen; the message says which."""


@dataclass
class TeamsSide:
    """The emulator's side of the demo: a tenant, a Teams team with a channel, a user, our bot."""

    emu: RunningEmulator
    tenant: Tenant
    ms_team: Team
    channel: Channel
    user: User
    bot: BotApp

    @property
    def channel_page(self) -> str:
        """The emulator's Teams-like page, opened on the channel."""
        return f"{self.emu.base_url}/#{quote(self.channel.id, safe='')}"


class EmulatorThread:
    """Runs the emulator's event loop in a daemon thread; `call` runs coroutines on it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stop: asyncio.Event | None = None
        self._done = threading.Event()
        self.side: TeamsSide | None = None

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run `coro` on the emulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self, bot_endpoint: str, port: int = 0) -> TeamsSide:
        """Serve the emulator and seed Contoso, Engineering / Code review, Ada and our bot."""
        ready = asyncio.run_coroutine_threadsafe(self._serve(bot_endpoint, port), self._loop)
        deadline = time.monotonic() + 30
        while self.side is None:
            if ready.done():
                ready.result()  # raises what went wrong
            if time.monotonic() > deadline:
                raise DemoError("the Teams emulator did not start within 30 s")
            time.sleep(0.02)
        return self.side

    async def _serve(self, bot_endpoint: str, port: int) -> None:
        self._stop = asyncio.Event()
        async with run_emulator(port=port) as emu:
            driver = emu.driver
            tenant = driver.create_tenant("Contoso")
            user = driver.create_user(tenant, "Ada Lovelace", email="ada@example.com")
            ms_team = driver.create_team(tenant, "Engineering", [user])
            channel = await driver.create_channel(ms_team, "Code review")
            bot = emu.emulator.add_bot(tenant=tenant, endpoint=bot_endpoint, name="CodeStream")
            # As the app package's messageHandlers do: permalinks of this server unfold.
            driver.compose.register_extension(bot, domains=extension_domains(bot_endpoint))
            self.side = TeamsSide(emu, tenant, ms_team, channel, user, bot)
            await self._stop.wait()
        self._done.set()

    def stop(self) -> None:
        """Stop the emulator and its loop."""
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._done.wait(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()


def _card_texts(message: Any) -> list[str]:
    texts = []
    for attachment in message.attachments:
        if attachment.get("contentType") != CONTENT_TYPE:
            continue
        stack = [attachment["content"]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key in ("text", "title", "codeSnippet"):
                    if isinstance(node.get(key), str):
                        texts.append(node[key])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return texts


def _signin_urls(message: Any) -> list[str]:
    """The pages the card's sign-in buttons open (Action.Submit with `msteams` type `signin`)."""
    urls = []
    for attachment in message.attachments:
        if attachment.get("contentType") != CONTENT_TYPE:
            continue
        for action in attachment["content"].get("actions", []):
            msteams = (action.get("data") or {}).get("msteams") or {}
            if msteams.get("type") == "signin" and isinstance(msteams.get("value"), str):
                urls.append(msteams["value"])
    return urls


async def wait_for_bot_message(
    side: TeamsSide, conversation_id: str, text: str, wait: float = 20.0
) -> Any:
    """The first bot message in the conversation whose card shows `text`."""
    deadline = time.monotonic() + wait
    while True:
        conversation = side.emu.emulator.world.conversations.get(conversation_id)
        for message in list(conversation.messages.values()) if conversation else []:
            if message.from_bot and any(text in t for t in _card_texts(message)):
                return message
        if time.monotonic() > deadline:
            raise DemoError(f"no card saying {text!r} arrived in {conversation_id}")
        await asyncio.sleep(0.05)


async def install_and_ask_to_sign_in(side: TeamsSide) -> str:
    """Install the bot in the team and a personal chat, say `signin`; the sign-in link."""
    driver = side.emu.driver
    installing = driver.install_bot(side.bot, side.ms_team, by=side.user, consent=RSC_PERMISSIONS)
    for response in await installing:
        if response.status != 200:
            raise DemoError(f"the bot answered {response.status} to being installed")
    await driver.install_bot_personal(side.bot, side.user)
    chat = driver.personal_chat(side.bot, side.user).id
    answer = await driver.send_personal_message(side.bot, side.user, "signin")
    if answer.status != 200:
        raise DemoError(f"the bot answered {answer.status} to `signin`")
    card = await wait_for_bot_message(side, chat, "Sign in to CodeStream")
    urls = _signin_urls(card)
    if not urls:
        raise DemoError("the sign-in card has no link")
    return urls[0]


def sign_in_on_the_web(server: str, link: str, email: str, password: str, cs_team_id: str) -> str:
    """Follow the sign-in link like a browser: log in, pick the CodeStream team, submit; the
    one-time code the page shows."""
    parts = urlsplit(link)
    path = f"{parts.path}?{parts.query}"
    with httpx.Client(base_url=server, timeout=20) as browser:
        page = browser.get("/web/login", params={"next": path})
        token = _CSRF.search(page.text)
        if token is None:
            raise DemoError("the sign-in page has no form")
        done = browser.post(
            "/web/login",
            data={"csrf_token": token.group(1), "next": path, "email": email, "password": password},
        )
        if done.status_code != 303:
            raise DemoError(f"signing in on the web answered {done.status_code}")
        picker = browser.get(path)
        token, state = _CSRF.search(picker.text), _STATE.search(picker.text)
        if token is None or state is None:
            raise DemoError(f"the team picker did not show ({picker.status_code})")
        fields = {
            "csrf_token": token.group(1),
            "state": html.unescape(state.group(1)),
            "team_id": cs_team_id,
        }
        picked = browser.post("/web/msteams/signin", data=fields)
        code = _CODE.search(picked.text)
        if picked.status_code != 200 or code is None:
            raise DemoError(f"linking Teams to CodeStream answered {picked.status_code}")
        return code.group(1).strip()


async def hand_back_code(side: TeamsSide, code: str) -> None:
    """Paste the page's one-time code into the personal chat, as the user who asked; wait for
    the bot's confirmation."""
    driver = side.emu.driver
    answer = await driver.send_personal_message(side.bot, side.user, code)
    if answer.status != 200:
        raise DemoError(f"the bot answered {answer.status} to the sign-in code")
    chat = driver.personal_chat(side.bot, side.user).id
    await wait_for_bot_message(side, chat, "You're signed in to CodeStream")


async def connect_channel(side: TeamsSide) -> None:
    """Say `@CodeStream connect` in the channel and wait for the bot's confirmation."""
    posted = await side.emu.driver.post_message(side.channel, side.user, "connect")
    if posted is None or posted.status != 200:
        raise DemoError("the bot did not take `connect`")
    await wait_for_bot_message(side, side.channel.id, "ready to receive codemarks")


def share(server: str, email: str, password: str, codemark_id: str, channel_id: str) -> None:
    """Share the codemark to the channel through the REST API."""
    with httpx.Client(base_url=f"{server}/api/v1", timeout=20) as api:
        login = api.post("/login", json={"email": email, "password": password})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        shared = api.post(
            f"/codemarks/{codemark_id}/shares",
            json={"provider": "msteams", "channelIds": [channel_id]},
            headers=headers,
        )
        if shared.status_code != 202:
            raise DemoError(f"sharing answered {shared.status_code}: {shared.text[:300]}")
