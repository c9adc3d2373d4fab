"""The message extension as people use it, in real Chromium on the emulator's page: Alice types a
codemark's permalink into the compose box of a channel whose team never added the bot and sees
its card previewed, sends it; then opens the Apps flyout, searches by a file name and inserts the
result. Writes build/screenshots/compose-extension.png."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.bot.compose_world import compose_scene

from support.bots import BotWorld, start_bot_world

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "compose-extension.png"


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[BotWorld]:
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield world


async def test_paste_previews_the_card_and_search_inserts_one(
    world: BotWorld, chromium: Any
) -> None:
    from playwright.async_api import expect

    scene = await compose_scene(world)
    issue = await scene.api.create_codemark(
        scene.alice, scene.team_id, type="issue", title="Retry loop never gives up"
    )
    marker = {"file": "src/billing/invoice_totals.py", "lineStart": 1, "lineEnd": 2, "code": "x"}
    await scene.api.create_codemark(scene.alice, scene.team_id, title="Rounding", markers=[marker])

    page = await chromium.new_page(viewport={"width": 1100, "height": 900})
    await page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")
    await page.locator("#composer").wait_for()
    await page.select_option("#as-user", label="Alice Smith")

    await page.fill("#compose-text", f"Look at {scene.link(issue['id'])}")
    preview = page.locator("#compose-preview")
    await expect(preview).to_contain_text("Retry loop never gives up", timeout=10_000)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#threads .ac-card")).to_contain_text("Retry loop never gives up")
    await expect(preview).to_be_hidden()

    await page.get_by_role("button", name="Apps").click()
    flyout = page.locator("#compose-flyout")
    await expect(flyout.locator(".compose-result")).to_have_count(2, timeout=10_000)
    await flyout.get_by_role("searchbox").fill("invoice_totals")
    result = flyout.locator(".compose-result")
    await expect(result).to_have_count(1, timeout=10_000)
    await expect(result).to_contain_text("Rounding")
    await result.click()
    await expect(flyout).to_be_hidden()
    await expect(page.locator("#threads")).to_contain_text("src/billing/invoice_totals.py")
    inserted = world.emu.emulator.world.conversations[world.channel.id].messages
    assert sum(1 for m in inserted.values() if m.via_bot_id == world.bot.mri) == 2
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
