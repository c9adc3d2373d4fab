"""The Teams health page of a team, in real Chromium: a team admin sees each connected channel
with its last delivery, its newest error and what waits; the bot's credentials (a real token
request to the emulated Entra) and its secret's recorded expiry; the linked organizations. A
member who is not an admin gets a 404. Writes build/screenshots/msteams-health.png."""

from __future__ import annotations

import asyncio
import datetime
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from codestream.delivery.retry import deadline_at
from codestream.domain.msteams import TenantLink
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.connected_channels import connect_channel
from support.databases import undelivered
from support.teams_flow import PASSWORD, Browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "msteams-health.png"


async def _enqueue(world: BotWorld, channel_id: str, text: str) -> None:
    now = int(time.time() * 1000)
    async with world.uows() as uow:
        await uow.outbox.enqueue(
            NewOutboxItem(
                "share",
                world.tenant.id,
                world.service_url,
                channel_id,
                Operation.CREATE_CONVERSATION,
                {"type": "message", "text": text},
            ),
            now=now,
            deadline_at=deadline_at(now),
        )
        await uow.commit()


async def _until(check: Any, within: float = 15.0) -> None:
    end = time.monotonic() + within
    while not await check():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.05)


async def _log_in(page: Any, base: str, member: Member, path: str) -> None:
    await page.goto(f"{base}{path}")
    await page.fill("input[name=email]", member.email)
    await page.fill("input[name=password]", PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


@dataclass
class HealthWorld:
    """A team (Dave admin, Ana member) with two connected channels: Code review got its card,
    Releases has one Teams refuses for now (503)."""

    world: BotWorld
    team_id: str
    dave: Member
    ana: Member
    expires: datetime.date

    @property
    def base(self) -> str:
        return str(self.world.app_client.base_url).rstrip("/")


@asynccontextmanager
async def health_world(database_url: str, secret: str | None = None) -> AsyncIterator[HealthWorld]:
    expires = datetime.date.today() + datetime.timedelta(days=400)

    def edit(block: dict[str, Any]) -> None:
        block["botAppPasswordExpiresAt"] = expires.isoformat()
        if secret is not None:
            block["botAppPassword"] = secret

    async with start_bot_world(
        database_url, public_url_is_served=True, migrate=False, edit=edit
    ) as world:
        if secret is None:
            await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)
            await _until(lambda: _none_waiting(world))
        api = Api(world.app_client, world.operator)
        dave = await api.sign_up("dave", password=PASSWORD)
        ana = await api.sign_up("ana", password=PASSWORD)
        team = await api.create_team(dave, "Plant Eaters")
        await api.add_member(dave, team["id"], ana)
        engine = world.uows.engine
        common = {
            "team_id": team["id"],
            "user_id": dave.id,
            "service_url": world.service_url,
            "tenant_id": world.tenant.id,
            "msteams_team_id": world.team.id,
            "team_name": "Engineering",
        }
        healthy = await connect_channel(
            engine, channel_id=world.channel.id, channel_name="Code review", **common
        )
        stuck = await connect_channel(engine, channel_name="Releases", **common)
        async with world.uows() as uow:
            await uow.msteams.add_tenant_link(
                TenantLink(world.tenant.id, team["id"], dave.id, int(time.time() * 1000))
            )
            await uow.commit()
        if secret is None:
            await _enqueue(world, healthy.channel_id, "a card that arrives")
            await _until(lambda: _none_waiting(world))
            world.emu.emulator.faults.add("create_conversation", status=503, duration=120)
        await _enqueue(world, stuck.channel_id, "a card Teams refuses for now")

        async def retrying() -> bool:
            async with world.uows(read_only=True) as uow:
                return (await uow.outbox.depth())[DeliveryStatus.RETRYING] == 1

        await _until(retrying)
        yield HealthWorld(world, team["id"], dave, ana, expires)


def _cells(html: str, channel: str) -> list[str]:
    row = re.search(r"<tr>\s*<td>" + re.escape(channel) + r"(.*?)</tr>", html, re.DOTALL)
    assert row is not None, html
    return [
        re.sub(r"<[^>]+>", " ", cell).strip()
        for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.DOTALL)
    ]


async def test_the_page_over_http_for_an_admin_and_a_member(database_url: str) -> None:
    async with health_world(database_url) as health:
        path = f"/web/teams/{health.team_id}/msteams"
        async with httpx.AsyncClient(base_url=health.base) as client:
            page = await Browser(client).log_in(health.dave.email, PASSWORD, path)
        assert page.status_code == 200
        html = page.text
        assert "Token endpoint reachable; it accepts the bot's credentials." in html
        assert f"Client secret expires on {health.expires.isoformat()} (400 days left)." in html
        delivered, error, waiting = _cells(html, "Engineering / Code review")
        assert "nothing" not in delivered and delivered
        assert error == "none"
        assert waiting == "0"
        delivered, error, waiting = _cells(html, "Engineering / Releases")
        assert "nothing in the last 7 days" in delivered
        assert "HTTP 503 ServiceUnavailable" in error
        assert waiting == "1"
        assert health.world.tenant.id in html.split('id="organizations"')[1]
        assert health.dave.email in html.split('id="organizations"')[1]
        async with httpx.AsyncClient(base_url=health.base) as client:
            team_page = await Browser(client).log_in(
                health.dave.email, PASSWORD, f"/web/teams/{health.team_id}"
            )
            assert f'href="{path}"' in team_page.text
        async with httpx.AsyncClient(base_url=health.base) as client:
            refused = await Browser(client).log_in(health.ana.email, PASSWORD, path)
            assert refused.status_code == 404
            team_page = await client.get(f"/web/teams/{health.team_id}")
            assert team_page.status_code == 200
            assert path not in team_page.text


async def test_a_wrong_secret_is_on_the_page_with_its_reason(sqlite_url: str) -> None:
    async with health_world(sqlite_url, secret="not-the-secret-0123456789") as health:
        path = f"/web/teams/{health.team_id}/msteams"
        async with httpx.AsyncClient(base_url=health.base) as client:
            page = await Browser(client).log_in(health.dave.email, PASSWORD, path)
        assert "The bot cannot get a token, so nothing is sent to Teams" in page.text
        assert "AADSTS7000215" in page.text
        assert "not-the-secret-0123456789" not in page.text
        _, error, waiting = _cells(page.text, "Engineering / Releases")
        assert "AADSTS7000215" in error
        assert waiting == "1"


@pytest.mark.browser
async def test_a_team_admin_sees_channels_credentials_and_organizations(
    sqlite_url: str, chromium: Any
) -> None:
    from playwright.async_api import expect

    async with health_world(sqlite_url) as health:
        world, base, dave = health.world, health.base, health.dave
        page = await chromium.new_page(viewport={"width": 1200, "height": 900})
        await _log_in(page, base, dave, f"/web/teams/{health.team_id}")
        await page.get_by_role("link", name="Microsoft Teams health").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Plant Eaters: Microsoft Teams"
        )
        await expect(page.locator("#token-state")).to_have_text(
            "Token endpoint reachable; it accepts the bot's credentials."
        )
        await expect(page.locator("#secret-expiry")).to_contain_text(
            f"Client secret expires on {health.expires.isoformat()} (400 days left)."
        )
        rows = page.locator("#channels tr")
        await expect(rows).to_have_count(3)
        code_review = rows.filter(has_text="Engineering / Code review")
        await expect(code_review.locator("td").nth(1)).not_to_contain_text("nothing")
        await expect(code_review.locator("td").nth(2)).to_have_text("none")
        await expect(code_review.locator("td").nth(3)).to_have_text("0")
        releases = rows.filter(has_text="Engineering / Releases")
        await expect(releases.locator("td").nth(1)).to_contain_text("nothing in the last 7 days")
        await expect(releases.locator("td").nth(2)).to_contain_text("HTTP 503 ServiceUnavailable")
        await expect(releases.locator("td").nth(3)).to_have_text("1")
        await expect(page.locator("#organizations")).to_contain_text(world.tenant.id)
        await expect(page.locator("#organizations")).to_contain_text(dave.email)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT), full_page=True)

        other = await chromium.new_context()
        ana_page = await other.new_page()
        await _log_in(ana_page, base, health.ana, f"/web/teams/{health.team_id}/msteams")
        await expect(ana_page.get_by_role("heading", level=1)).to_have_text("Team not found")
        await other.close()


async def _none_waiting(world: BotWorld) -> bool:
    return await undelivered(world.uows) == 0
