"""Universal Actions on the emulator's page, in real Chromium: an Action.Execute with a typed
input, a loginRequest answer and its sign-in popup, a card's refresh for the viewing user, and
updates and deletions of the card's message appearing without a reload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio

from support.browser import async_chromium
from support.servers import serve_in_thread
from teams_emulator import run_emulator

from .conftest import World, make_world
from .test_signin_browser import _signin_site

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "build" / "screenshots" / "emulator-card-actions.png"
)


def _card(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": text},
            {"type": "Input.Text", "id": "reply", "isMultiline": True, "placeholder": "Reply"},
        ],
        "actions": [
            {
                "type": "Action.Execute",
                "id": "send",
                "title": "Send",
                "verb": "reply",
                "data": {"c": 7},
            }
        ],
        **extra,
    }


def _card_answer(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": ADAPTIVE, "value": _card(text)}


@dataclass
class Scene:
    """The emulator's world, a sign-in site on another origin, and the emulator's page."""

    world: World
    site: str
    page: Any

    def card_actions(self) -> list[dict[str, Any]]:
        """The `adaptiveCard/action` invokes the bot received."""
        received = self.world.recorder.of_type("invoke")
        return [a for a in received if a["name"] == "adaptiveCard/action"]

    async def bot_posts(self, card: dict[str, Any]) -> str:
        """The bot posts a card in the channel; the message id."""
        world = self.world
        response = await world.http.post(
            f"{world.service_url}v3/conversations/{world.channel.id}/activities",
            json={"type": "message", "attachments": [{"contentType": ADAPTIVE, "content": card}]},
            headers=await world.auth(),
        )
        assert response.status_code == 201
        return str(response.json()["id"])

    async def bot_updates(self, message_id: str, card: dict[str, Any]) -> int:
        """The bot replaces its card (Bot Connector update activity); the HTTP status."""
        world = self.world
        response = await world.http.put(
            f"{world.service_url}v3/conversations/{world.channel.id}/activities/{message_id}",
            json={"type": "message", "attachments": [{"contentType": ADAPTIVE, "content": card}]},
            headers=await world.auth(),
        )
        return response.status_code

    async def open_channel(self, as_user: str) -> None:
        """The emulator's page on the channel, looking as `as_user`."""
        world = self.world
        await self.page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")
        await self.page.locator(".ac-card").first.wait_for()
        await self.page.select_option("#as-user", label=as_user)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the module."""
    async with async_chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def scene(browser: Any) -> AsyncIterator[Scene]:
    """A served emulator with the standard world, a sign-in site, a fresh page."""
    async with run_emulator() as served:
        world = await make_world(served)
        with serve_in_thread(_signin_site(served.teams_js_url)) as site:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            yield Scene(world, site, page)
            await context.close()
        await world.http.aclose()


async def test_a_click_with_a_typed_reply_reaches_the_bot_and_its_card_replaces_the_card(
    scene: Scene,
) -> None:
    from playwright.async_api import expect

    await scene.bot_posts(_card("Fix the retry loop"))
    scene.world.recorder.answer = lambda activity: (200, _card_answer("Bob replied"))
    await scene.open_channel("Bob Jones")
    page = scene.page
    card = page.locator(".ac-card").first
    await card.locator("textarea[data-input-id=reply]").fill("Looks right\nship it")
    await card.get_by_role("button", name="Send").click()

    await expect(page.locator(".ac-card").first).to_contain_text("Bob replied")
    [invoke] = scene.card_actions()
    assert invoke["value"] == {
        "action": {
            "type": "Action.Execute",
            "id": "send",
            "title": "Send",
            "verb": "reply",
            "data": {"c": 7, "reply": "Looks right\nship it"},
        },
        "trigger": "manual",
    }
    assert invoke["from"]["id"] == scene.world.bob.id
    # The answer was Bob's alone: Alice still sees the message's own card.
    await page.select_option("#as-user", label="Alice Smith")
    await expect(page.locator(".ac-card").first).to_contain_text("Fix the retry loop")

    # An error answer is shown under the card, which stays as it was.
    scene.world.recorder.answer = lambda activity: (
        200,
        {
            "statusCode": 403,
            "type": "application/vnd.microsoft.error",
            "value": {"code": "forbidden", "message": "You can't reply here."},
        },
    )
    await page.locator(".ac-card").first.get_by_role("button", name="Send").click()
    await expect(page.locator(".card-notice.error")).to_have_text("You can't reply here.")
    await expect(page.locator(".ac-card").first).to_contain_text("Fix the retry loop")


async def test_a_login_request_signs_in_through_the_popup_and_resends_the_action(
    scene: Scene,
) -> None:
    from playwright.async_api import expect

    await scene.bot_posts(_card("Resolve me"))
    signin = f"{scene.site}/signin?mode=success"

    def answer(activity: dict[str, Any]) -> tuple[int, Any]:
        if activity["value"].get("state") == "abc123":
            return 200, _card_answer("Signed in and resolved")
        return 200, {
            "statusCode": 401,
            "type": "application/vnd.microsoft.activity.loginRequest",
            "value": {
                "text": "Sign in to CodeStream first",
                "connectionName": "codestream",
                "buttons": [{"type": "signin", "title": "Sign in", "value": signin}],
            },
        }

    scene.world.recorder.answer = answer
    await scene.open_channel("Bob Jones")
    page = scene.page
    await page.locator(".ac-card").first.get_by_role("button", name="Send").click()
    prompt = page.locator(".card-signin")
    await expect(prompt).to_contain_text("Sign in to CodeStream first")
    await page.screenshot(path=str(SCREENSHOT))

    async with page.expect_popup() as opened:
        await prompt.get_by_role("button", name="Sign in").click()
    popup = await opened.value
    assert popup.url == signin
    await expect(page.locator(".ac-card").first).to_contain_text("Signed in and resolved")
    await expect(page.locator("#signin-status")).to_contain_text("sent again")
    await expect(page.locator(".card-signin")).to_have_count(0)
    first, again = scene.card_actions()
    assert again["value"] == {**first["value"], "state": "abc123"}
    assert again["from"]["id"] == scene.world.bob.id


async def test_a_card_refreshes_itself_for_a_listed_viewer_and_by_hand_for_others(
    scene: Scene,
) -> None:
    from playwright.async_api import expect

    world = scene.world
    refresh = {
        "action": {"type": "Action.Execute", "verb": "view", "data": {"codemark": 9}},
        "userIds": [world.bob.id],
    }
    await scene.bot_posts(_card("Base card", refresh=refresh))
    world.recorder.answer = lambda activity: (
        200,
        _card_answer(f"{activity['from']['name']}'s card ({activity['value']['trigger']})"),
    )
    await scene.open_channel("Bob Jones")
    page = scene.page
    await expect(page.locator(".ac-card").first).to_contain_text("Bob Jones's card (automatic)")
    [automatic] = scene.card_actions()
    assert automatic["from"]["id"] == world.bob.id
    assert automatic["value"]["action"]["verb"] == "view"

    # Alice is not listed: the base card, and "Refresh card" in the message's menu.
    await page.select_option("#as-user", label="Alice Smith")
    await expect(page.locator(".ac-card").first).to_contain_text("Base card")
    assert len(scene.card_actions()) == 1
    await page.locator(".msg-menu summary").first.click()
    await page.get_by_role("button", name="Refresh card").click()
    await expect(page.locator(".ac-card").first).to_contain_text("Alice Smith's card (manual)")


async def test_updates_and_deletions_of_the_card_appear_without_a_reload(scene: Scene) -> None:
    from playwright.async_api import expect

    message_id = await scene.bot_posts(_card("Status: open"))
    await scene.open_channel("Alice Smith")
    page = scene.page
    await page.locator("textarea[data-input-id=reply]").fill("half-typed")
    assert await scene.bot_updates(message_id, _card("Status: resolved")) == 200
    await expect(page.locator(".ac-card").first).to_contain_text("Status: resolved")
    await expect(page.locator(".msg .edited")).to_have_text("Edited")
    await expect(page.locator("textarea[data-input-id=reply]")).to_have_value("half-typed")

    await page.locator(".msg-menu summary").first.click()
    await page.get_by_role("button", name="Delete message (as an admin)").click()
    await expect(page.locator(".msg.deleted .msg-text")).to_have_text(
        "This message has been deleted."
    )
    await expect(page.locator(".ac-card")).to_have_count(0)
    assert await scene.bot_updates(message_id, _card("Too late")) == 404
