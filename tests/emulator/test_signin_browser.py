"""Teams' bot authentication flow on the emulator's page, in real Chromium.

A test bot's card holds a sign-in action whose URL is a tiny page on another origin (served here,
not by CodeStream) that loads the emulator's TeamsJS stand-in. Clicking the action opens it in a
popup; its `notifySuccess` reaches the bot as `signin/verifyState` from the user who clicked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from support.browser import async_chromium
from support.servers import serve_in_thread
from teams_emulator import run_emulator

from .conftest import World, make_world

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "emulator-signin.png"

# The bot's sign-in page: `mode` says what it hands back once TeamsJS is initialized.
SIGNIN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in</title><script src="{teams_js}"></script></head>
<body><p id="out">waiting for Teams</p><script>
const mode = new URLSearchParams(location.search).get("mode");
microsoftTeams.app.initialize().then(async () => {{
  const context = await microsoftTeams.app.getContext();
  document.getElementById("out").textContent = "initialized for " + context.user.loginHint;
  if (mode === "success") microsoftTeams.authentication.notifySuccess("abc123");
  if (mode === "fail") microsoftTeams.authentication.notifyFailure("denied");
}});
</script></body></html>"""


def _signin_site(teams_js: str) -> Starlette:
    async def signin(request: Request) -> HTMLResponse:
        return HTMLResponse(SIGNIN_PAGE.format(teams_js=teams_js))

    async def hop(request: Request) -> RedirectResponse:
        return RedirectResponse(request.query_params["to"], 302)

    return Starlette(routes=[Route("/signin", signin), Route("/hop", hop)])


@dataclass
class Scene:
    """The emulator's world, the sign-in site and another origin serving the same pages, and the
    emulator's page."""

    world: World
    site: str
    elsewhere: str
    page: Any

    def invokes(self) -> list[dict[str, Any]]:
        """The `signin/verifyState` invokes the bot received."""
        received = self.world.recorder.of_type("invoke")
        return [a for a in received if a["name"] == "signin/verifyState"]

    async def bot_posts(self, attachment: dict[str, Any]) -> str:
        """The bot posts a card in the channel; the message id."""
        world = self.world
        response = await world.http.post(
            f"{world.service_url}v3/conversations/{world.channel.id}/activities",
            json={"type": "message", "attachments": [attachment]},
            headers=await world.auth(),
        )
        assert response.status_code == 201
        return str(response.json()["id"])

    async def open_channel(self, as_user: str) -> None:
        """The emulator's page on the channel, acting as `as_user`."""
        world = self.world
        await self.page.goto(f"{world.emu.base_url}/?poll=100#{quote(world.channel.id, safe='')}")
        await self.page.locator(".ac-signin").first.wait_for()
        await self.page.select_option("#as-user", label=as_user)


def _submit_signin_card(url: str) -> dict[str, Any]:
    return {
        "contentType": ADAPTIVE,
        "content": {
            "type": "AdaptiveCard",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": "Sign in to the test bot"}],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Sign in",
                    "data": {"msteams": {"type": "signin", "value": url}},
                }
            ],
        },
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the module."""
    async with async_chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def scene(browser: Any) -> AsyncIterator[Scene]:
    """A served emulator with the standard world, a sign-in site on another port, a fresh page."""
    async with run_emulator() as served:
        world = await make_world(served)
        pages = _signin_site(served.teams_js_url)
        with serve_in_thread(pages) as site, serve_in_thread(pages) as elsewhere:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            yield Scene(world, site, elsewhere, page)
            await context.close()
        await world.http.aclose()


async def _closed(popup: Any) -> None:
    """Wait until the emulator's page closes `popup`."""
    closed = asyncio.Event()
    popup.on("close", lambda _: closed.set())
    if not popup.is_closed():
        await asyncio.wait_for(closed.wait(), 5)


async def test_sign_in_popup_hands_the_state_to_the_bot_from_the_clicking_user(
    scene: Scene,
) -> None:
    from playwright.async_api import expect

    card_id = await scene.bot_posts(_submit_signin_card(f"{scene.site}/signin?mode=success"))
    await scene.open_channel("Bob Jones")
    page = scene.page

    async with page.expect_popup() as opened:
        await page.locator(".ac-signin").click()
    popup = await opened.value
    assert popup.url == f"{scene.site}/signin?mode=success"

    await expect(page.locator("#signin-status")).to_contain_text("Signed in")
    await _closed(popup)
    [invoke] = scene.invokes()
    assert invoke["value"] == {"state": "abc123"}
    assert invoke["from"]["id"] == scene.world.bob.id
    assert invoke["replyToId"] == card_id
    assert invoke["conversation"]["id"] == f"{scene.world.channel.id};messageid={card_id}"
    assert invoke["channelData"]["tenant"] == {"id": scene.world.tenant.id}
    await expect(page.locator(".ac-signin")).to_have_text("Sign in")
    # A sign-in action starts the flow instead of submitting: no message carried its data.
    assert [a for a in scene.world.recorder.of_type("message") if "value" in a] == []

    # The bot refuses the next hand-back: the page says so.
    scene.world.recorder.answer = lambda activity: (403, None)
    async with page.expect_popup():
        await page.locator(".ac-signin").click()
    await expect(page.locator("#signin-status.error")).to_contain_text("answered 403")
    assert len(scene.invokes()) == 2


async def test_a_window_closed_or_failed_sends_nothing(scene: Scene) -> None:
    from playwright.async_api import expect

    waiting = f"{scene.site}/signin?mode=wait"
    await scene.bot_posts(
        {
            "contentType": "application/vnd.microsoft.card.oauth",
            "content": {
                "text": "Please sign in",
                "connectionName": "test",
                "buttons": [{"type": "signin", "title": "Sign In", "value": waiting}],
            },
        }
    )
    await scene.bot_posts(
        {
            "contentType": "application/vnd.microsoft.card.signin",
            "content": {
                "text": "Sign in, then fail",
                "buttons": [
                    {"type": "signin", "title": "Try", "value": f"{scene.site}/signin?mode=fail"}
                ],
            },
        }
    )
    await scene.open_channel("Alice Smith")
    page = scene.page

    # Initialized in the popup (with the clicker's context), then closed by the user.
    async with page.expect_popup() as opened:
        await page.get_by_role("button", name="Sign In").click()
    popup = await opened.value
    await expect(popup.locator("#out")).to_have_text(f"initialized for {scene.world.alice.email}")
    await expect(page.locator("#signin-status")).to_contain_text("Signing in…")
    await expect(page.locator(".ac-signin").first).to_have_text("Signing in…")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))
    await popup.close()
    await expect(page.locator("#signin-status")).to_contain_text("nothing was sent")

    # notifyFailure: the window closes, the page says why, the bot hears nothing.
    async with page.expect_popup() as opened:
        await page.get_by_role("button", name="Try").click()
    failing = await opened.value
    await expect(page.locator("#signin-status.error")).to_contain_text("Sign-in failed: denied")
    await _closed(failing)
    assert scene.invokes() == []


async def test_the_sign_in_page_opened_directly_never_initializes(scene: Scene) -> None:
    from playwright.async_api import expect

    direct = await scene.page.context.new_page()
    await direct.goto(f"{scene.site}/signin?mode=success")
    await expect(direct.locator("#out")).to_have_text("waiting for Teams")
    await asyncio.sleep(1.0)
    await expect(direct.locator("#out")).to_have_text("waiting for Teams")
    initialized = await direct.evaluate("microsoftTeams.app.isInitialized()")
    assert initialized is False
    assert scene.invokes() == []


async def test_a_hand_back_from_another_origin_than_the_sign_in_urls_is_ignored(
    scene: Scene,
) -> None:
    """The card's URL redirects the window to another origin, whose page tries to initialize and
    call notifySuccess: the emulator's page answers and hears only the sign-in URL's origin, so
    the page there never initializes and nothing reaches the bot."""
    from playwright.async_api import expect

    target = quote(f"{scene.elsewhere}/signin?mode=success", safe="")
    await scene.bot_posts(_submit_signin_card(f"{scene.site}/hop?to={target}"))
    await scene.open_channel("Bob Jones")
    page = scene.page

    async with page.expect_popup() as opened:
        await page.locator(".ac-signin").click()
    popup = await opened.value
    await popup.wait_for_url(f"{scene.elsewhere}/signin?mode=success")
    await popup.wait_for_load_state()
    await asyncio.sleep(0.5)
    await expect(popup.locator("#out")).to_have_text("waiting for Teams")
    await expect(page.locator("#signin-status")).to_contain_text("Signing in…")
    assert scene.invokes() == []
    await popup.close()
    await expect(page.locator("#signin-status")).to_contain_text("nothing was sent")
