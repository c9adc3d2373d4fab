"""Signing in from Teams as the user docs describe it, in real Chromium on the emulator's page.

Alice sends `signin` in her personal chat with the bot, clicks **Sign in** on the card; Teams (the
emulator) opens CodeStream's page in its authentication popup; she logs in, picks her team and
links it; the page hands the one-time code back through TeamsJS (the emulator's stand-in), Teams
sends it to the bot as `signin/verifyState` from Alice, and the bot confirms in the chat. The
same page opened outside Teams (a forwarded link) links nothing: it shows the code and the warning.
Writes build/screenshots/signin-popup.png.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from support.api import Api
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    PASSWORD,
    bot_messages,
    card_of,
    say,
    signin_url,
    text_of,
    wait_for_card,
)

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "signin-popup.png"
NOT_SIGNED_IN = "Signed in as: Not signed in"


async def _status(world: BotWorld, user: Any) -> str:
    return text_of(await say(world, user, "status"))


async def _log_in_and_link(window: Any, email: str, team_name: str) -> None:
    await window.fill("input[name=email]", email)
    await window.fill("input[name=password]", PASSWORD)
    await window.get_by_role("button", name="Sign in").click()
    await window.get_by_label(team_name).check()
    await window.get_by_role("button", name="Link this Teams account").click()


async def test_the_sign_in_popup_links_the_teams_user_who_clicked(
    database_url: str, chromium: Any
) -> None:
    from playwright.async_api import expect

    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        driver = world.emu.driver
        await driver.install_bot_personal(world.bot, world.alice)
        chat = driver.personal_chat(world.bot, world.alice).id
        await wait_for_card(world, chat, "Welcome to CodeStream")
        api = Api(world.app_client, world.operator)
        alice = await api.sign_up("alice")
        await api.create_team(alice, "Plant Eaters")

        page = await chromium.new_page(viewport={"width": 1100, "height": 800})
        await page.goto(f"{world.emu.base_url}/?poll=100#{quote(chat, safe='')}")
        await page.fill("#compose-text", "signin")
        await page.click("#send")
        button = page.locator(".ac-signin").last
        await expect(button).to_have_text("Sign in")

        async with page.expect_popup() as opened:
            await button.click()
        popup = await opened.value
        await _log_in_and_link(popup, alice.email, "Plant Eaters")
        await expect(page.locator("#signin-status")).to_contain_text("Signed in")
        closed = asyncio.Event()
        popup.on("close", lambda _: closed.set())
        if not popup.is_closed():
            await asyncio.wait_for(closed.wait(), 10)

        confirmation = f"You're signed in to CodeStream as {alice.email}"
        await expect(page.locator(".ac-card").last).to_contain_text(confirmation)
        assert f"Signed in as: {alice.email}" in await _status(world, world.alice)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT), full_page=True)


async def test_a_forwarded_sign_in_link_opened_in_a_browser_links_nothing(
    database_url: str, chromium: Any
) -> None:
    """Bob (no CodeStream account) forwards his sign-in link; the victim opens it in her own
    browser, logs in and submits. The page shows the code with a warning naming Bob's Teams
    account, the script finds no Teams to hand it to, and Bob stays signed out."""
    from playwright.async_api import expect

    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        driver = world.emu.driver
        await driver.install_bot_personal(world.bot, world.bob)
        chat = driver.personal_chat(world.bot, world.bob).id
        await wait_for_card(world, chat, "Welcome to CodeStream")
        api = Api(world.app_client, world.operator)
        victim = await api.sign_up("victim")
        await api.create_team(victim, "Plant Eaters")
        link = signin_url(card_of(await say(world, world.bob, "signin")))
        before = len(bot_messages(world, chat))

        page = await chromium.new_page()
        await page.goto(link)
        await _log_in_and_link(page, victim.email, "Plant Eaters")
        code = page.locator("#signin-code")
        await expect(code).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$"))
        warning = page.locator("#code-warning")
        await expect(warning).to_contain_text(world.bob.email)
        await expect(warning).to_contain_text("Never give it to anyone else")
        await asyncio.sleep(4)  # longer than the page waits for Teams before giving up
        assert len(bot_messages(world, chat)) == before
        assert NOT_SIGNED_IN in await _status(world, world.bob)
