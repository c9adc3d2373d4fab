"""Our outbound side against the emulator: tokens from Entra, calls to the Bot Connector."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from codestream.teams.connector import ConnectorClient, ConnectorError, ServiceUrlNotAllowed
from codestream.teams.http import outbound_client
from codestream.teams.settings import BotSettings, bot_settings
from codestream.teams.tokens import ConnectorTokens, TokenError
from support.bots import bot_block
from teams_emulator import (
    BotApp,
    Channel,
    ManualClock,
    RunningEmulator,
    Team,
    Tenant,
    User,
    run_emulator,
    scene,
)


@dataclass
class Outbound:
    emu: RunningEmulator
    clock: ManualClock
    tenant: Tenant
    team: Team
    channel: Channel
    alice: User
    bot: BotApp
    http: httpx.AsyncClient

    def settings(self, *, secret: str | None = None, tenant: str | None = "home") -> BotSettings:
        def edit(block: dict[str, Any]) -> None:
            block["botAppPassword"] = secret or self.bot.secret
            if tenant is None:
                block.pop("botAppTenantId", None)
            elif tenant != "home":
                block["botAppTenantId"] = tenant

        settings = bot_settings(bot_block(self.emu, self.bot, edit))
        assert settings is not None
        return settings

    def tokens(self, **kwargs: str | None) -> ConnectorTokens:
        return ConnectorTokens(self.http, self.settings(**kwargs), clock=self.clock)

    def connector(self) -> ConnectorClient:
        settings = self.settings()
        return ConnectorClient(
            self.http,
            ConnectorTokens(self.http, settings, clock=self.clock),
            settings.service_url_origins,
        )


@pytest.fixture(params=["httpx", "outbound"])
async def outbound(request: pytest.FixtureRequest) -> AsyncIterator[Outbound]:
    """The emulator on a port, and a client: httpx's own, or the one the server and workers use
    (`outbound_client`, whose connector calls skip httpx's objects)."""
    clock = ManualClock(time.time())
    async with run_emulator(clock=clock) as emu:
        cast = scene(emu.emulator, users=["Alice Smith"])
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
        client = httpx.AsyncClient() if request.param == "httpx" else outbound_client()
        async with client as http:
            yield Outbound(
                emu, clock, cast.tenant, cast.team, cast.channel, cast.alice, cast.bot, http
            )


def _token_requests(world: Outbound) -> int:
    return len(world.emu.emulator.transcript.query(route="token"))


async def test_it_caches_the_token_and_refreshes_five_minutes_before_expiry(
    outbound: Outbound,
) -> None:
    tokens = outbound.tokens()
    first = await tokens.get()
    assert await tokens.get() == first
    assert _token_requests(outbound) == 1
    outbound.clock.advance(3600 - 301)
    assert await tokens.get() == first
    outbound.clock.advance(2)
    assert await tokens.get() != first
    assert _token_requests(outbound) == 2


async def test_it_asks_for_one_token_however_many_callers_wait(outbound: Outbound) -> None:
    tokens = outbound.tokens()
    values = await asyncio.gather(*(tokens.get() for _ in range(50)))
    assert len(set(values)) == 1
    assert _token_requests(outbound) == 1


async def test_it_explains_a_wrong_secret_and_a_wrong_tenant(outbound: Outbound) -> None:
    with pytest.raises(TokenError) as wrong_secret:
        await outbound.tokens(secret="not-the-secret").get()
    assert wrong_secret.value.code == "AADSTS7000215"
    assert not wrong_secret.value.retriable
    assert "client secret" in str(wrong_secret.value)
    assert "not-the-secret" not in str(wrong_secret.value)

    other = outbound.emu.driver.create_tenant("Fabrikam")
    with pytest.raises(TokenError) as wrong_tenant:
        await outbound.tokens(tenant=other.id).get()
    assert wrong_tenant.value.code == "AADSTS700016"
    assert "botAppTenantId" in str(wrong_tenant.value)


async def test_it_treats_a_token_endpoint_outage_as_retriable(outbound: Outbound) -> None:
    outbound.emu.emulator.faults.add("token", status=503, count=1)
    with pytest.raises(TokenError) as down:
        await outbound.tokens().get()
    assert down.value.retriable
    outbound.emu.emulator.faults.add("token", drop=True, count=1)
    with pytest.raises(TokenError) as dropped:
        await outbound.tokens().get()
    assert dropped.value.retriable


async def test_it_posts_a_new_thread_and_replies_in_it(outbound: Outbound) -> None:
    connector = outbound.connector()
    service_url = outbound.emu.service_url(outbound.tenant)
    created = await connector.create_conversation(
        service_url,
        channel_id=outbound.channel.id,
        tenant_id=outbound.tenant.id,
        activity={"type": "message", "text": "A codemark was shared"},
    )
    assert created["id"] == f"{outbound.channel.id};messageid={created['activityId']}"
    reply = await connector.send_to_conversation(
        service_url, created["id"], {"type": "message", "text": "and a reply"}
    )
    conversation = outbound.emu.emulator.world.conversations[outbound.channel.id]
    thread = conversation.thread(created["activityId"])
    assert [m.text for m in thread] == ["A codemark was shared", "and a reply"]
    await connector.update_activity(
        service_url, created["id"], reply["id"], {"type": "message", "text": "edited"}
    )
    assert conversation.messages[reply["id"]].text == "edited"
    await connector.delete_activity(service_url, created["id"], reply["id"])
    assert conversation.messages[reply["id"]].deleted


async def test_it_reads_team_channels_with_general_unnamed(outbound: Outbound) -> None:
    channels = await outbound.connector().get_team_channels(
        outbound.emu.service_url(outbound.tenant), outbound.team.id
    )
    names = {c["id"]: c["name"] for c in channels["conversations"]}
    assert names[outbound.team.id] is None
    assert names[outbound.channel.id] == "Releases"


@pytest.mark.parametrize(
    "service_url",
    [
        "https://smba.trafficmanager.net.evil.example/amer/",
        "https://evil.trafficmanager.net/amer/",
        "https://attacker.example/amer/",
        "https://user:pw@127.0.0.1/amer/",
        "ftp://127.0.0.1/amer/",
    ],
)
async def test_it_never_sends_the_token_off_the_allow_list(
    outbound: Outbound, service_url: str
) -> None:
    connector = outbound.connector()
    with pytest.raises(ServiceUrlNotAllowed):
        await connector.send_to_conversation(service_url, "19:x@thread.tacv2", {"type": "message"})
    assert _token_requests(outbound) == 0


async def test_another_port_or_scheme_on_an_allowed_host_never_sees_the_token(
    outbound: Outbound,
) -> None:
    # A listener on 127.0.0.1, the emulator's host, but on another port: what it receives.
    received: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read(65536))
        writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(record, "127.0.0.1", 0)
    other_port = listener.sockets[0].getsockname()[1]
    connector = outbound.connector()
    emulator_port = urlsplit(outbound.emu.base_url).port
    try:
        for service_url in (
            f"http://127.0.0.1:{other_port}/amer/",
            f"https://127.0.0.1:{emulator_port}/amer/",
            f"http://localhost:{emulator_port}/amer/",
        ):
            with pytest.raises(ServiceUrlNotAllowed, match="not on the allow-list"):
                await connector.send_to_conversation(
                    service_url, "19:x@thread.tacv2", {"type": "message"}
                )
        assert received == []
        # The emulator's own origin, as `msteams_block` lists it, still works.
        await connector.send_to_conversation(
            outbound.emu.service_url(outbound.tenant),
            outbound.channel.id,
            {"type": "message", "text": "hello"},
        )
    finally:
        listener.close()
        await listener.wait_closed()


@pytest.mark.parametrize(
    ("entries", "service_url", "allowed"),
    [
        (["smba.trafficmanager.net"], "https://smba.trafficmanager.net/amer/", True),
        (["smba.trafficmanager.net"], "https://smba.trafficmanager.net:443/amer/", True),
        (["smba.trafficmanager.net"], "https://smba.trafficmanager.net:8443/amer/", False),
        (["smba.trafficmanager.net"], "http://smba.trafficmanager.net/amer/", False),
        (["https://teams.example.com:8443"], "https://teams.example.com:8443/x/", True),
        (["https://teams.example.com:8443"], "https://teams.example.com/x/", False),
        (["http://127.0.0.1:3978"], "http://127.0.0.1:3978/", True),
        (["http://127.0.0.1:3978"], "http://127.0.0.1:3979/", False),
        (["http://127.0.0.1:3978"], "http://127.0.0.1/", False),
    ],
)
def test_allow_list_entries_match_scheme_host_and_port(
    outbound: Outbound, entries: list[str], service_url: str, allowed: bool
) -> None:
    settings = bot_settings(
        bot_block(outbound.emu, outbound.bot, lambda b: b.update(serviceUrlAllowList=entries))
    )
    assert settings is not None
    connector = ConnectorClient(
        outbound.http, ConnectorTokens(outbound.http, settings), settings.service_url_origins
    )
    if allowed:
        assert connector.check_service_url(service_url) == service_url.rstrip("/")
    else:
        with pytest.raises(ServiceUrlNotAllowed):
            connector.check_service_url(service_url)


async def test_it_fetches_a_new_token_once_when_the_connector_says_401(outbound: Outbound) -> None:
    connector = outbound.connector()
    service_url = outbound.emu.service_url(outbound.tenant)
    outbound.emu.emulator.faults.add("send_to_conversation", status=401, count=1)
    sent = await connector.send_to_conversation(
        service_url, outbound.channel.id, {"type": "message", "text": "after a 401"}
    )
    assert sent["id"]
    assert _token_requests(outbound) == 2


async def test_it_reports_throttling_and_removal_as_typed_errors(outbound: Outbound) -> None:
    connector = outbound.connector()
    service_url = outbound.emu.service_url(outbound.tenant)
    outbound.emu.emulator.faults.add(
        "send_to_conversation", status=429, headers={"Retry-After": "7"}, count=1
    )
    with pytest.raises(ConnectorError) as throttled:
        await connector.send_to_conversation(
            service_url, outbound.channel.id, {"type": "message", "text": "x"}
        )
    assert throttled.value.status == 429
    assert throttled.value.retriable
    assert throttled.value.retry_after == 7.0

    await outbound.emu.driver.remove_bot(outbound.bot, outbound.team, by=outbound.alice)
    with pytest.raises(ConnectorError) as removed:
        await connector.send_to_conversation(
            service_url, outbound.channel.id, {"type": "message", "text": "x"}
        )
    assert removed.value.status == 403
    assert removed.value.code == "BotNotInConversationRoster"
    assert not removed.value.retriable
