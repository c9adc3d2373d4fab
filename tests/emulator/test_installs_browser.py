"""The page's installs in real Chromium: Apps under the Chat rail adds the bot for a user (Teams'
personal install) and opens the chat; a channel's header says how the bot was added to the team.

Uses Debian's Chromium (`CS_TEST_CHROMIUM` or /usr/bin/chromium); never downloads a browser.
Writes build/screenshots/emulator-personal-install.png.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio

from support.browser import async_chromium
from teams_emulator import run_emulator

from .conftest import World, make_world

SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "build" / "screenshots" / "emulator-personal-install.png"
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the module."""
    async with async_chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def fresh(browser: Any) -> AsyncIterator[tuple[World, Any]]:
    """A served emulator whose bot is installed nowhere yet, and a fresh page."""
    async with run_emulator() as served:
        world = await make_world(served, install=False)
        context = await browser.new_context(viewport={"width": 1280, "height": 860})
        page = await context.new_page()
        yield world, page
        await context.close()
        await world.http.aclose()


async def test_the_chat_rail_adds_the_bot_for_a_user_and_they_chat(
    fresh: tuple[World, Any],
) -> None:
    from playwright.async_api import expect

    world, page = fresh
    await page.goto(f"{world.emu.base_url}/?poll=100")
    await expect(page.locator("#chats")).to_contain_text("No chats yet")

    await page.get_by_role("button", name="Chat", exact=True).click()
    pick = page.get_by_label("Add CodeStream for")
    await expect(pick).to_be_focused()
    await pick.select_option(label="Bob Jones")
    await page.locator(".app-add").get_by_role("button", name="Add", exact=True).click()

    # The chat opens, as in Teams after Add; the bot heard what Teams sends for a personal install.
    await expect(page.locator("#title")).to_have_text("CodeStream")
    await expect(page.locator("#subtitle")).to_have_text("Chat")
    await expect(page.locator("#chats .item.selected")).to_contain_text("Bob Jones")
    install, update = world.recorder.received[-2:]
    assert install["type"] == "installationUpdate" and install["action"] == "add"
    assert update["type"] == "conversationUpdate"
    assert update["membersAdded"] == [{"id": world.bot.mri}]
    for activity in (install, update):
        assert activity["conversation"]["conversationType"] == "personal"
        assert activity["from"]["id"] == world.bob.id
    chat = install["conversation"]["id"]

    # The bot answers in the chat (as a bot does: through the connector); the page shows it.
    welcome = await world.http.post(
        f"{world.service_url}v3/conversations/{chat}/activities",
        json={"type": "message", "text": "Welcome! I am CodeStream."},
        headers=await world.auth(),
    )
    assert welcome.status_code == 201
    await expect(page.locator(".msg-text").filter(has_text="Welcome!")).to_have_count(1)

    # Bob writes to the bot there: no @mention needed in a personal chat.
    await expect(page.locator("#mention-wrap")).to_be_hidden()
    await page.fill("#compose-text", "signin")
    await page.click("#send")
    await expect(page.locator(".msg-text").filter(has_text="signin")).to_have_count(1)
    sent = world.recorder.of_type("message")[-1]
    assert sent["text"] == "signin" and sent["conversation"]["id"] == chat
    assert sent["from"]["id"] == world.bob.id
    await expect(page.locator(".app-add button")).to_have_text("Open chat")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)


async def test_the_channel_header_says_how_the_bot_was_added(fresh: tuple[World, Any]) -> None:
    from playwright.async_api import expect

    world, page = fresh
    await page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")
    header = page.locator("#bot-controls")
    await expect(header.locator(".install-note")).to_have_count(0)

    await header.get_by_role("button", name="Add CodeStream to team").click()
    await expect(header.locator(".install-note")).to_have_text("CodeStream added · only @mentions")
    assert world.team.consents[world.bot.app_id] == frozenset()

    await header.get_by_role("button", name="Remove CodeStream").click()
    await expect(header.locator(".install-note")).to_have_count(0)
    await header.get_by_role(
        "button", name="Add CodeStream, allowing it to read channel messages"
    ).click()
    await expect(header.locator(".install-note")).to_have_text(
        "CodeStream added · reads all messages (RSC)"
    )
    assert world.team.may_read_all_messages(world.bot.app_id)
