"""Connected channels as the IDE lists them: renamed, deleted, the bot removed; the list's
errors; duplicate deliveries answered once; Action.Execute answered in the invoke response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from codestream.storage.engine import create_engine
from codestream.web.app import create_app
from codestream.web.bot_endpoint import PATH
from support.api import Api, Member
from support.bots import BotWorld, bot_config, start_bot_world
from support.servers import serve_in_thread
from support.teams_flow import (
    bot_messages,
    card_of,
    card_text,
    no_new_messages,
    say_in_channel,
    sign_in,
    wait_for_card,
)


@dataclass
class Linked:
    world: BotWorld
    alice: Member
    team_id: str
    database_url: str

    async def listed(self, **params: str) -> httpx.Response:
        return await self.world.app_client.get(
            "/msteams_conversations",
            params={"teamId": self.team_id, **params},
            headers=self.alice.headers,
        )

    async def names(self) -> list[tuple[str, str]]:
        response = await self.listed()
        assert response.status_code == 200, response.text
        return [(c["teamName"], c["channelName"]) for c in response.json()["msteams_conversations"]]


@pytest.fixture
async def linked(database_url: str) -> AsyncIterator[Linked]:
    """Alice signed in from Teams with her team "Plant Eaters" linked; the bot in "Engineering"."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        driver = world.emu.driver
        await driver.install_bot(world.bot, world.team, by=world.alice)
        await driver.install_bot_personal(world.bot, world.alice)
        await wait_for_card(world, world.team.id, "Thanks for adding CodeStream")
        chat = driver.personal_chat(world.bot, world.alice).id
        await wait_for_card(world, chat, "Welcome to CodeStream")
        api = Api(world.app_client, world.operator)
        alice = await api.sign_up("alice")
        team = await api.create_team(alice, "Plant Eaters")
        await sign_in(world, world.alice, alice, [team["id"]])
        yield Linked(world, alice, team["id"], database_url)


async def test_renamed_deleted_and_removed_channels_in_the_list(linked: Linked) -> None:
    world, driver = linked.world, linked.world.emu.driver
    assert await linked.names() == []
    await say_in_channel(world, world.alice, "connect")
    await say_in_channel(world, world.alice, "connect", world.team.general)
    assert await linked.names() == [("Engineering", "General"), ("Engineering", "Releases")]

    await driver.rename_channel(world.channel, "Shipping")
    assert await linked.names() == [("Engineering", "General"), ("Engineering", "Shipping")]
    await driver.delete_channel(world.channel)
    assert await linked.names() == [("Engineering", "General")]

    await driver.remove_bot(world.bot, world.team, by=world.alice)
    assert await linked.names() == []
    await driver.install_bot(world.bot, world.team, by=world.alice)
    assert await linked.names() == []  # removing the bot disconnected; connect again to share
    await say_in_channel(world, world.alice, "connect", world.team.general)
    assert await linked.names() == [("Engineering", "General")]


async def test_a_channel_created_after_install_is_named_from_the_event(linked: Linked) -> None:
    world = linked.world
    fresh = await world.emu.driver.create_channel(world.team, "Design Reviews")
    await say_in_channel(world, world.alice, "connect", fresh)
    assert ("Engineering", "Design Reviews") in await linked.names()


async def test_the_list_explains_its_errors(linked: Linked) -> None:
    world = linked.world
    api = Api(world.app_client, world.operator)
    bob = await api.sign_up("bob")
    unlinked = await api.create_team(linked.alice, "Not Linked")
    get = world.app_client.get

    async def error(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()["error"]
        return body

    missing = await get(
        "/msteams_conversations", params={"teamId": "0" * 24}, headers=linked.alice.headers
    )
    assert (await error(missing, 404))["code"] == "not_found"
    stranger = await get(
        "/msteams_conversations", params={"teamId": linked.team_id}, headers=bob.headers
    )
    assert (await error(stranger, 403))["code"] == "not_a_member"
    not_linked = await get(
        "/msteams_conversations", params={"teamId": unlinked["id"]}, headers=linked.alice.headers
    )
    body = await error(not_linked, 409)
    assert body["code"] == "msteams_not_linked" and "send `signin`" in body["message"]
    other_tenant = await linked.listed(tenantId="00000000-0000-4000-8000-000000000000")
    assert (await error(other_tenant, 409))["code"] == "msteams_not_linked"
    assert (await linked.listed(tenantId=world.tenant.id)).status_code == 200
    await error(await get("/msteams_conversations", params={"teamId": linked.team_id}), 401)
    await error(await get("/msteams_conversations", headers=linked.alice.headers), 422)
    schema = (await get("/openapi.json")).json()
    assert "409" in schema["paths"]["/msteams_conversations"]["get"]["responses"]


async def _outbox_rows(database_url: str, conversation_id: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = sa.text("SELECT count(*) FROM outbox WHERE conversation_id = :c")
            return int((await conn.execute(query, {"c": conversation_id})).scalar_one())
    finally:
        await engine.dispose()


async def test_a_duplicate_delivery_is_answered_once_even_by_another_process(
    linked: Linked,
) -> None:
    world = linked.world
    posted = await world.emu.driver.post_message(world.channel, world.alice, "status")
    assert posted is not None and posted.status == 200
    await wait_for_card(world, world.channel.id, "CodeStream Teams", root=posted.activity_id)
    thread = posted.conversation_id
    assert await _outbox_rows(linked.database_url, thread) == 1
    sent = world.emu.emulator.transcript.query(direction="teams_to_bot")[-1]
    again = await world.app_client.post(
        PATH, content=sent.request_body, headers=sent.request_headers
    )
    assert again.status_code == 200
    # A second server process on the same database (no shared memory) gets the re-send too.
    other = create_app(bot_config(world.emu, world.bot, linked.database_url), migrate=False)
    with serve_in_thread(other) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            third = await client.post(PATH, content=sent.request_body, headers=sent.request_headers)
    assert third.status_code == 200
    assert await _outbox_rows(linked.database_url, thread) == 1
    await no_new_messages(world, world.channel.id, len(bot_messages(world, world.channel.id)))


async def test_action_execute_is_answered_with_a_card_in_the_invoke(linked: Linked) -> None:
    world = linked.world
    reply = await say_in_channel(world, world.alice, "help")
    before = len(bot_messages(world, world.channel.id))
    answer = await world.emu.driver.execute_action(reply, world.alice, verb="status")
    assert answer.status == 200
    assert answer.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Plant Eaters: not connected" in card_text(answer.body["value"])
    # Teams shows the answer in place of the card, to the clicking user only.
    assert "CodeStream Teams" in card_text(world.emu.driver.card_for(reply, world.alice) or {})
    sent = world.emu.emulator.transcript.query(direction="teams_to_bot")[-1]
    repeat = await world.app_client.post(
        PATH, content=sent.request_body, headers=sent.request_headers
    )
    assert repeat.status_code == 200 and repeat.json() == answer.body
    assert json.dumps(card_of(reply))  # still a valid card
    await no_new_messages(world, world.channel.id, before)


async def _inbound_rows(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = sa.text("SELECT count(*) FROM inbound_activities")
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_an_invoke_the_bot_does_not_implement_gets_501_and_changes_nothing(
    linked: Linked,
) -> None:
    world = linked.world
    await say_in_channel(world, world.alice, "help")
    sent = world.emu.emulator.transcript.query(direction="teams_to_bot")[-1]
    invoke = {
        **json.loads(sent.request_body),
        "type": "invoke",
        "id": "f:unknown-invoke-1",
        "name": "composeExtension/querySettingUrl",
        "value": {},
    }
    invoke.pop("text", None)
    inbound, outbox = (
        await _inbound_rows(linked.database_url),
        await _outbox_rows(linked.database_url, invoke["conversation"]["id"]),
    )
    answer = await world.emu.driver.send_activity(world.bot, invoke)
    assert answer.status == 501
    # Signed like any activity and refused by no check: the bot simply has no such handler.
    assert await _inbound_rows(linked.database_url) == inbound
    assert await _outbox_rows(linked.database_url, invoke["conversation"]["id"]) == outbox
