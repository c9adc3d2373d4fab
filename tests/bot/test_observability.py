"""What an admin sees when sends fail: `/metrics`, the worker's log lines, the request id that ties
an inbound activity to its outbox rows and their sends. Through HTTP, against the emulator."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from codestream.config import config_from_document, new_document
from codestream.domain.outbox import DeliveryStatus
from codestream.storage.tables import outbox
from codestream.web.app import create_app
from support.api import Api
from support.bots import BotWorld, start_bot_world
from support.connected_channels import connect_channel

WRONG_SECRET = "not-the-bots-secret-0123456789"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with these labels in a /metrics page (0 when absent)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


async def scrape(world: BotWorld) -> str:
    response = await world.app_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def outbox_rows(world: BotWorld) -> list[Any]:
    async with world.uows.engine.connect() as conn:
        return list((await conn.execute(sa.select(outbox).order_by(outbox.c.id))).all())


async def until(check: Any, within: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + within
    while not await check():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture
async def wrong_secret(database_url: str) -> AsyncIterator[BotWorld]:
    """The bot's secret in our config is not the one the (emulated) Entra knows."""

    def edit(block: dict[str, Any]) -> None:
        block["botAppPassword"] = WRONG_SECRET

    async with start_bot_world(database_url, edit=edit, migrate=False) as world:
        yield world


async def test_a_wrong_secret_is_logged_once_with_its_reason_and_counted(
    wrong_secret: BotWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = wrong_secret
    before = await scrape(world)
    await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)
    for text in ("help", "status"):
        posted = await world.emu.driver.post_message(world.channel, world.alice, text)
        assert posted is not None and posted.status == 200

    async def three_retrying() -> bool:
        rows = await outbox_rows(world)
        retrying = [r for r in rows if r.status == DeliveryStatus.RETRYING.value]
        return len(retrying) >= 3

    await until(three_retrying)
    credential_lines = [
        r for r in caplog.records if "cannot get a Bot Connector token" in r.getMessage()
    ]
    assert len(credential_lines) == 1, [r.getMessage() for r in credential_lines]
    line = credential_lines[0].getMessage()
    assert "AADSTS7000215" in line
    assert "botAppPassword is wrong; often the secret's ID was copied instead of its Value" in line
    assert "codestream restart" in line
    assert WRONG_SECRET not in caplog.text

    rows = await outbox_rows(world)
    assert all("AADSTS7000215" in (r.last_error or "") for r in rows if r.status == "retrying")
    # Each row keeps the inbound request that queued it; rows of different activities differ.
    assert all(r.request_id for r in rows)
    assert len({r.request_id for r in rows}) >= 3

    after = await scrape(world)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("codestream_token_failures_total", code="AADSTS7000215") >= 1
    assert moved("codestream_token_requests_total", outcome="refused") >= 1
    assert moved("codestream_teams_requests_total", outcome="token") >= 3
    assert moved("codestream_bot_activities_total", type="message", status="200") == 2
    assert moved("codestream_bot_activities_total", type="conversationUpdate", status="200") >= 1
    assert moved("codestream_bot_turn_duration_seconds_count", type="message") == 2
    assert moved("codestream_delivery_rows_claimed_total") >= 3
    assert sample(after, "codestream_outbox_rows", status="retrying") >= 3
    assert sample(after, "codestream_outbox_oldest_waiting_age_seconds") > 0
    assert (
        moved(
            "codestream_http_requests_total",
            route="/no-auth/provider-action/msteams",
            method="POST",
            status="200",
        )
        >= 2
    )


async def test_refusals_and_routes_are_counted_by_reason_and_template(
    auth_world: BotWorld,
) -> None:
    world = auth_world
    before = await scrape(world)
    assert (await world.post(authorization="")).status_code == 401
    assert (await world.post(token=world.token(expires=time.time() - 3600))).status_code == 401
    assert (await world.app_client.get("/c/some-codemark-id")).status_code in (200, 302, 303, 404)
    after = await scrape(world)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("codestream_bot_auth_refusals_total", reason="missing_token") == 1
    assert moved("codestream_bot_auth_refusals_total", reason="expired") == 1
    assert moved("codestream_http_requests_total", route="/c/{codemark_id}", method="GET") == 1
    assert "/c/some-codemark-id" not in after
    assert moved("codestream_http_requests_total", route="/metrics", status="200") == 1


async def test_a_throttled_send_is_logged_with_its_reason_and_next_attempt(
    bot_world: BotWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = bot_world
    caplog.set_level(logging.INFO, logger="codestream")
    await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)

    async def all_sent() -> bool:
        rows = await outbox_rows(world)
        return bool(rows) and all(r.status == DeliveryStatus.SENT.value for r in rows)

    await until(all_sent)
    before = await scrape(world)
    world.emu.emulator.faults.add("send_to_conversation", status=429, count=1)
    world.emu.emulator.faults.add("reply_to_activity", status=429, count=1)
    posted = await world.emu.driver.post_message(world.channel, world.alice, "help")
    assert posted is not None and posted.status == 200
    await until(all_sent)
    lines = [r for r in caplog.records if "attempt 1 failed" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    record = lines[0]
    assert "HTTP 429 Throttled" in record.getMessage()
    assert "next attempt at" in record.getMessage()
    assert record.http_status == 429  # type: ignore[attr-defined]
    assert record.error_code == "Throttled"  # type: ignore[attr-defined]
    rows = await outbox_rows(world)
    assert record.request_id == rows[-1].request_id  # type: ignore[attr-defined]
    after = await scrape(world)
    assert (
        sample(after, "codestream_teams_requests_total", outcome="http_429")
        - sample(before, "codestream_teams_requests_total", outcome="http_429")
        == 1
    )
    assert sample(after, "codestream_teams_retry_after_seconds_total") - sample(
        before, "codestream_teams_retry_after_seconds_total"
    ) == pytest.approx(1.0)


async def test_a_share_through_the_api_names_its_request_on_the_row_and_its_send(
    bot_world: BotWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = bot_world
    caplog.set_level(logging.INFO, logger="codestream")
    await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    team = await api.create_team(alice, "Plant Eaters")
    codemark = await api.create_codemark(alice, team["id"])
    channel = await connect_channel(
        world.uows.engine,
        team_id=team["id"],
        user_id=alice.id,
        service_url=world.service_url,
        tenant_id=world.tenant.id,
        msteams_team_id=world.team.id,
        channel_id=world.channel.id,
    )
    world.emu.emulator.faults.add("create_conversation", status=503, count=1)
    shared = await world.app_client.post(
        f"/api/v1/codemarks/{codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [channel.channel_id]},
        headers=alice.headers,
    )
    assert shared.status_code == 202, shared.text

    async def share_sent() -> bool:
        rows = [r for r in await outbox_rows(world) if r.kind == "codemark_share"]
        return bool(rows) and rows[0].status == DeliveryStatus.SENT.value

    await until(share_sent)
    (row,) = [r for r in await outbox_rows(world) if r.kind == "codemark_share"]
    assert row.request_id
    failed = [r for r in caplog.records if f"outbox row {row.id} " in r.getMessage()]
    assert len(failed) == 1
    assert failed[0].request_id == row.request_id  # type: ignore[attr-defined]
    others = {r.request_id for r in await outbox_rows(world) if r.id != row.id}
    assert row.request_id not in others


@pytest.mark.parametrize(
    ("metrics_block", "served_at", "absent_at"),
    [({"path": "/internal/prometheus"}, "/internal/prometheus", "/metrics"),
     ({"enabled": False}, None, "/metrics")],
)  # fmt: skip
async def test_the_config_says_whether_and_where_metrics_are_served(
    sqlite_url: str, metrics_block: dict[str, Any], served_at: str | None, absent_at: str
) -> None:
    document = new_document("https://codestream.example.com")
    document["metrics"] = metrics_block
    config = config_from_document(document, environ={"CS_DATABASE_URL": sqlite_url})
    app = create_app(config, migrate=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as client:
        if served_at is not None:
            page = await client.get(served_at)
            assert page.status_code == 200
            assert "codestream_outbox_rows" in page.text
        assert (await client.get(absent_at)).status_code == 404
