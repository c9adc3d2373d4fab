"""The shared codemark's card as a person sees it in the emulator's Teams-like page, in Debian's
Chromium: who did what, the title, the code, the buttons. Writes
build/screenshots/shared-card.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.shares.delivery_flow import Flow

SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "shared-card.png"

pytestmark = pytest.mark.browser


async def test_the_shared_card_renders_in_the_channel(flow: Flow, chromium: Any) -> None:
    from playwright.async_api import expect

    w = flow.world
    await w.client.patch(
        f"/api/v1/codemarks/{w.codemark['id']}",
        json={"assignees": [w.bob.id]},
        headers=w.alice.headers,
    )
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    emu = flow.delivery.emu
    page = await chromium.new_page(viewport={"width": 1000, "height": 720})
    await page.goto(f"{emu.base_url}/?poll=100#{quote(flow.channel.channel_id, safe='')}")
    card = page.locator(".ac-card").first
    await expect(card).to_contain_text("commented on code")
    await expect(card).to_contain_text("This loop never ends when")
    await expect(card).to_contain_text("[api] src/app/loop.py (Lines 3-5)")
    await expect(card.locator(".ac-code")).to_contain_text("while n != 0:")
    await expect(card.locator("a.ac-action")).to_have_count(3)
    await expect(card.locator("a.ac-action").nth(1)).to_have_text("Open on GitHub")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
