"""The pages a Teams user meets, in real Chromium with the bot on the emulator (#16): the sign-in
page says why before asking for a password; the permalink's "Shared to" list is a card whose date
stands apart from its link, and a reply written in Teams says so; the linking page names the
organization by its domain, each checkbox beside its label in a styled box; the privacy page the
app's details link to answers. Writes build/screenshots/teams-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codestream.apppackage.manifest import RSC_PERMISSIONS
from support.bots import start_bot_world
from support.shared_thread import share_into_the_channel
from support.teams_flow import PASSWORD, card_of, say, signin_url

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


async def _box(locator: Any) -> dict[str, float]:
    box = await locator.bounding_box()
    assert box is not None
    return dict(box)


async def test_the_pages_a_teams_user_meets(database_url: str, chromium: Any) -> None:
    from playwright.async_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        thread = await share_into_the_channel(world, RSC_PERMISSIONS)
        heard = await world.emu.driver.reply(
            thread.card, world.alice, "Capping it at 5 attempts.", mention=False
        )
        assert heard is not None and heard.status == 200
        await thread.replies(1)
        base = str(world.app_client.base_url).rstrip("/")
        problems: list[str] = []
        page = await chromium.new_page(viewport={"width": 1100, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

        # The sign-in page says why first, above the password.
        await page.goto(f"{base}/c/{thread.codemark_id}")
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_text("Sign in to see this codemark")
        reason = page.locator("#sign-in-reason")
        await expect(reason).to_contain_text("Someone shared a link to a codemark")
        password = page.locator("input[name=password]")
        assert (await _box(reason))["y"] < (await _box(password))["y"]
        await page.screenshot(path=str(SCREENSHOTS / "teams-login-codemark.png"))
        await page.fill("input[name=email]", thread.alice.email)
        await password.fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/c/{thread.codemark_id}")

        # "Shared to": a card like the rest; the date apart from "Open in Teams".
        shared = page.locator("section.shared-to")
        await expect(shared.get_by_role("heading")).to_have_text("Shared to")
        style = await shared.evaluate(
            "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderTopWidth]"
        )
        assert style == ["rgb(255, 255, 255)", "1px"]
        share = shared.locator("li.share").first
        await expect(share).to_contain_text(f"{world.team.name} / {world.channel.name}")
        when, link = share.locator("time"), share.get_by_role("link", name="Open in Teams")
        await expect(when).to_contain_text("UTC")
        when_box, link_box = await _box(when), await _box(link)
        assert when_box["x"] + when_box["width"] + 8 <= link_box["x"]  # a visible gap
        assert abs(when_box["y"] - link_box["y"]) < when_box["height"]  # on one line
        # A reply written in Teams says so.
        teams_reply = page.locator("article.reply", has_text="Capping it at 5 attempts.")
        await expect(teams_reply.locator(".origin")).to_have_text("from Microsoft Teams")
        await page.screenshot(path=str(SCREENSHOTS / "teams-permalink.png"), full_page=True)

        # The linking page: the organization's domain; each checkbox beside its label.
        link_url = signin_url(card_of(await say(world, world.alice, "signin")))
        await page.goto(link_url)
        domain = world.alice.email.rsplit("@", 1)[1]
        organization = page.locator("#organization")
        await expect(organization.locator("strong")).to_have_text(domain)
        card = await _box(page.locator("section.card"))
        for fact in ("#teams-email", "#organization strong"):  # long names stay in the card
            box = await _box(page.locator(fact))
            assert box["x"] + box["width"] <= card["x"] + card["width"]
        box = page.locator("fieldset.choices")
        assert await box.evaluate("el => getComputedStyle(el).borderTopLeftRadius") == "6px"
        checkbox = page.get_by_role("checkbox", name="Plant Eaters")
        label = page.locator("label", has_text="Plant Eaters")
        check_box, label_box = await _box(checkbox), await _box(label)
        assert check_box["x"] + check_box["width"] <= label_box["x"]  # left of its label
        assert label_box["x"] - (check_box["x"] + check_box["width"]) < 16  # and next to it
        middle = check_box["y"] + check_box["height"] / 2
        assert label_box["y"] <= middle <= label_box["y"] + label_box["height"]  # same line
        await page.screenshot(path=str(SCREENSHOTS / "teams-link-page.png"), full_page=True)

        # The privacy statement the app's details link to.
        answer = await page.goto(f"{base}/web/privacy")
        assert answer is not None and answer.status == 200
        await expect(page.get_by_role("heading", level=1)).to_have_text("Privacy statement")
        await expect(page.locator("main")).to_contain_text("Microsoft Teams ids")
        await page.screenshot(path=str(SCREENSHOTS / "teams-privacy.png"), full_page=True)
        await page.close()
        assert problems == []
