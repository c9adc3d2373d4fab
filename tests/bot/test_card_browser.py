"""Live, actionable codemark cards as people use them, in real Chromium on the emulator's page.

The issue is shared to two channels (Releases and Design). Alice, signed in from Teams, clicks
**Resolve** on the card in Releases: her card answers with Reopen, the card in Design updates in
place to "Resolved" with a line in its thread, and the permalink page agrees. She then replies
from the card's box. Bob, a CodeStream member who never signed in from Teams, clicks **Reopen**:
Teams shows the sign-in prompt, he signs in through the popup, and the action goes through.
Writes build/screenshots/card-actions.png.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.bot.card_world import TITLE, CardWorld, share_to_two_channels

from support.bots import BotWorld, start_bot_world
from support.teams_flow import PASSWORD, browser

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "card-actions.png"


@pytest.fixture
async def cw(database_url: str) -> AsyncIterator[CardWorld]:
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield await share_to_two_channels(world)


async def _open_channel(page: Any, world: BotWorld, channel_id: str, as_user: str) -> None:
    await page.goto(f"{world.emu.base_url}/?poll=100#{quote(channel_id, safe='')}")
    await page.locator(".ac-card").first.wait_for()
    await page.select_option("#as-user", label=as_user)


async def _card(page: Any) -> Any:
    """The codemark's card (its thread's lines and replies come after it)."""
    return page.locator(".ac-card").filter(has_text=TITLE).first


async def test_resolve_and_reply_from_a_card_update_every_card(
    cw: CardWorld, chromium: Any
) -> None:
    from playwright.async_api import expect

    world = cw.world
    releases, design = cw.channels
    page = await chromium.new_page(viewport={"width": 1100, "height": 900})
    await _open_channel(page, world, releases.id, "Alice Smith")
    card = await _card(page)
    await expect(card).to_contain_text("Retry loop never gives up")
    await card.get_by_role("button", name="Resolve").click()
    await expect(card.get_by_role("button", name="Reopen")).to_be_visible()

    codemark = await cw.codemark()
    assert codemark["status"] == "closed"
    await _open_channel(page, world, design.id, "Alice Smith")
    other = await _card(page)
    await expect(other).to_contain_text("Resolved", timeout=15_000)
    await expect(page.locator("#threads")).to_contain_text("Alice resolved this")
    async with browser(world) as person:  # the permalink page agrees
        permalink = await person.log_in(cw.alice.email, PASSWORD, f"/c/{cw.codemark_id}")
    assert permalink.status_code == 200
    assert '<span class="badge status-closed">Closed</span>' in permalink.text

    await other.locator("textarea[data-input-id=replyText]").fill("Fixed in the retry patch")
    await other.get_by_role("button", name="Reply").click()
    await expect(other).to_contain_text("1 reply", timeout=15_000)
    [reply] = await cw.replies()
    assert reply["text"] == "Fixed in the retry patch" and reply["origin"] == "teams"
    await _open_channel(page, world, releases.id, "Alice Smith")
    await expect(page.locator("#threads")).to_contain_text("Fixed in the retry patch")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)


async def test_a_click_by_someone_not_signed_in_signs_them_in_then_acts(
    cw: CardWorld, chromium: Any
) -> None:
    from playwright.async_api import expect

    world = cw.world
    page = await chromium.new_page(viewport={"width": 1100, "height": 900})
    await _open_channel(page, world, cw.channels[0].id, "Bob Jones")
    card = await _card(page)
    await card.get_by_role("button", name="Resolve").click()
    prompt = page.locator(".card-signin")
    await expect(prompt).to_be_visible()
    assert (await cw.codemark())["status"] == "open"

    async with page.expect_popup() as opened:
        await prompt.get_by_role("button", name="Sign in").click()
    popup = await opened.value
    await popup.fill("input[name=email]", cw.bob.email)
    await popup.fill("input[name=password]", PASSWORD)
    await popup.get_by_role("button", name="Sign in").click()
    await popup.get_by_label("Plant Eaters").check()
    await popup.get_by_role("button", name="Link this Teams account").click()

    await expect(page.locator(".card-signin")).to_have_count(0, timeout=15_000)
    for _ in range(100):
        if (await cw.codemark())["status"] == "closed":
            break
        await asyncio.sleep(0.1)
    assert (await cw.codemark())["status"] == "closed"
    await expect(card.get_by_role("button", name="Reopen")).to_be_visible()
