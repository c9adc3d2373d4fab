"""The Teams-like page in real Chromium: channels, cards, typing, card actions, live updates.

Uses Debian's Chromium (`CS_TEST_CHROMIUM` or /usr/bin/chromium); never downloads a browser.
Writes build/screenshots/emulator-channel.png.
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

SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "emulator-channel.png"
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {
            "type": "TextBlock",
            "text": "Codemark: **Fix the retry loop**",
            "size": "medium",
            "weight": "bolder",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": "Shared by _Alice_ with [the diff](https://example.com/d)\n"
            "- retries 429\n- honours Retry-After",
            "wrap": True,
        },
        {
            "type": "ColumnSet",
            "columns": [
                {
                    "type": "Column",
                    "width": "auto",
                    "items": [
                        {
                            "type": "Image",
                            "url": PIXEL,
                            "size": "small",
                            "style": "person",
                            "altText": "avatar",
                        }
                    ],
                },
                {
                    "type": "Column",
                    "width": "stretch",
                    "items": [
                        {
                            "type": "FactSet",
                            "facts": [
                                {"title": "File", "value": "delivery/send.py"},
                                {"title": "Lines", "value": "40-52"},
                            ],
                        }
                    ],
                },
            ],
        },
        {
            "type": "Container",
            "style": "emphasis",
            "items": [
                {
                    "type": "CodeBlock",
                    "language": "Python",
                    "startLineNumber": 40,
                    "codeSnippet": "for attempt in range(5):\n    await send()",
                }
            ],
        },
        {"type": "Input.Text", "id": "comment", "placeholder": "Add a comment"},
    ],
    "actions": [
        {"type": "Action.Submit", "title": "Reply", "data": {"action": "reply"}},
        {"type": "Action.Execute", "title": "Resolve", "verb": "resolve", "data": {"id": 7}},
        {"type": "Action.OpenUrl", "title": "Open in IDE", "url": "https://example.com/ide"},
        {
            "type": "Action.ShowCard",
            "title": "More",
            "card": {
                "type": "AdaptiveCard",
                "body": [{"type": "TextBlock", "text": "Hidden details"}],
            },
        },
    ],
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the module (starting Playwright and Chromium takes seconds)."""
    async with async_chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def page_world(browser: Any) -> AsyncIterator[tuple[World, Any]]:
    """A served emulator with the standard world, and a fresh page."""
    async with run_emulator() as served:
        world = await make_world(served)
        context = await browser.new_context(viewport={"width": 1280, "height": 860})
        page = await context.new_page()
        yield world, page
        await context.close()
        await world.http.aclose()


async def _bot_posts(world: World, activity: dict[str, Any]) -> str:
    response = await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json=activity,
        headers=await world.auth(),
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def test_channel_with_card_typing_and_actions(page_world: tuple[World, Any]) -> None:
    from playwright.async_api import expect

    world, page = page_world
    await world.emu.driver.post_message(world.channel, world.alice, "please share the fix")
    await _bot_posts(
        world,
        {
            "type": "message",
            "text": "Here it is:",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": CARD}
            ],
        },
    )
    await page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")

    card = page.locator(".ac-card").first
    await expect(card).to_contain_text("Fix the retry loop")
    await expect(card.locator("strong")).to_have_text("Fix the retry loop")
    await expect(card.locator(".ac-facts")).to_contain_text("delivery/send.py")
    await expect(card.locator(".ac-code")).to_contain_text("await send()")
    await expect(card.locator("li")).to_have_count(2)
    await expect(card.locator("a.ac-action")).to_have_attribute("href", "https://example.com/ide")
    await expect(page.locator(".title")).to_have_text("Releases")
    await expect(page.locator(".msg-text .mention").first).to_have_text("@CodeStream")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    # ShowCard toggles its nested card.
    await card.get_by_role("button", name="More").click()
    await expect(card.locator(".ac-card.nested")).to_contain_text("Hidden details")

    # Type a new post as Bob; the bot gets a mention.
    await page.select_option("#as-user", label="Bob Jones")
    await page.fill("#compose-text", "ship it")
    await page.click("#send")
    await expect(page.locator(".msg-text").filter(has_text="ship it")).to_have_count(1)
    sent = world.recorder.of_type("message")[-1]
    assert sent["text"] == "<at>CodeStream</at> ship it"
    assert sent["from"]["id"] == world.bob.id

    # Action.Submit carries the input value.
    await card.locator("[data-input-id=comment]").fill("looks right")
    await card.get_by_role("button", name="Reply").click()
    await expect(page.locator("#toast")).to_contain_text("bot answered 200")
    submitted = world.recorder.of_type("message")[-1]
    assert submitted["value"] == {"action": "reply", "comment": "looks right"}

    # Action.Execute: the bot's card replaces the card on the page.
    world.recorder.answer = lambda activity: (
        200,
        {
            "statusCode": 200,
            "type": "application/vnd.microsoft.card.adaptive",
            "value": {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [{"type": "TextBlock", "text": "Resolved by Bob"}],
            },
        },
    )
    await card.get_by_role("button", name="Resolve").click()
    await expect(page.locator(".ac-card").first).to_contain_text("Resolved by Bob")
    invoke = world.recorder.of_type("invoke")[-1]
    assert invoke["value"]["action"]["verb"] == "resolve"


async def test_page_updates_live_and_threads_replies(page_world: tuple[World, Any]) -> None:
    from playwright.async_api import expect

    world, page = page_world
    await page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")
    await expect(page.locator(".threads")).to_contain_text("No messages yet")
    root = await _bot_posts(world, {"type": "message", "text": "Deploy **started**"})
    await expect(page.locator(".msg-text strong")).to_have_text("started")
    thread = f"{world.channel.id};messageid={root}"
    await world.http.post(
        f"{world.service_url}v3/conversations/{quote(thread, safe='')}/activities",
        json={"type": "message", "text": "Deploy finished"},
        headers=await world.auth(),
    )
    await expect(page.locator(".replies")).to_contain_text("Deploy finished")
    await page.locator(".reply-form input").fill("thanks")
    await page.locator(".reply-form button").click()
    await expect(page.locator(".replies")).to_contain_text("thanks")
    reply = world.recorder.of_type("message")[-1]
    assert reply["conversation"]["id"] == thread
    # The sidebar lists both channels; switching shows the other one.
    await page.locator(".tree .item", has_text="General").click()
    await expect(page.locator(".title")).to_have_text("General")


async def test_card_enum_values_match_case_insensitively(page_world: tuple[World, Any]) -> None:
    """Microsoft's renderer reads "Bolder", "Medium", "Good", "Emphasis", "Person" as their
    lower-case selves; so does the page."""
    from playwright.async_api import expect

    world, page = page_world
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {
                "type": "Container",
                "style": "Emphasis",
                "items": [
                    {
                        "type": "TextBlock",
                        "text": "Loud",
                        "size": "Medium",
                        "weight": "Bolder",
                        "color": "Good",
                    },
                    {"type": "TextBlock", "text": "Quiet", "size": "Small", "weight": "Lighter"},
                    {"type": "Image", "url": PIXEL, "size": "Small", "style": "Person"},
                ],
            }
        ],
    }
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    await _bot_posts(world, {"type": "message", "attachments": [attachment]})
    await page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")

    loud = page.locator(".ac-text", has_text="Loud")
    await expect(loud).to_have_css("font-weight", "600")
    await expect(loud).to_have_css("font-size", "16px")
    await expect(loud).to_have_css("color", "rgb(35, 123, 75)")
    quiet = page.locator(".ac-text", has_text="Quiet")
    await expect(quiet).to_have_css("font-weight", "300")
    await expect(quiet).to_have_css("font-size", "12px")
    container = page.locator(".ac-container")
    await expect(container).to_have_css("background-color", "rgb(245, 245, 245)")
    await expect(page.locator(".ac-image")).to_have_css("border-radius", "50%")
    await expect(page.locator(".ac-image")).to_have_css("width", "40px")
