"""Personal notifications in Teams, through real HTTP: changes made through the REST API and
replies written in Teams reach the people they concern in their personal chat with the bot (in
the emulator), bundled, once, never for their own actions, and not after they muted them or
Teams refused them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from codestream.apppackage.manifest import RSC_PERMISSIONS
from codestream.storage.tables import msteams_personal_chats, notifications_pending, outbox
from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.shared_thread import all_sent
from support.teams_flow import (
    bot_messages,
    card_text,
    say,
    say_in_channel,
    sign_in,
    text_of,
    wait_for_card,
)
from teams_emulator import Message, User

BUNDLE_SECONDS = 3
SETTLE_LIMIT = 60.0
"""How long the pipeline may take to go quiet on a loaded machine (a failing test waits this)."""
ACTIVE = ("queued", "sending", "retrying")


@dataclass
class People:
    """Alice and Bob, both signed in from Teams, in CodeStream team "Plant Eaters"."""

    world: BotWorld
    api: Api
    alice: Member
    bob: Member
    team_id: str

    def chat_of(self, user: User) -> str:
        """The Teams user's personal chat with the bot."""
        return self.world.emu.driver.personal_chat(self.world.bot, user).id

    def messages_to(self, user: User) -> list[Message]:
        """The bot's messages in the user's personal chat."""
        return bot_messages(self.world, self.chat_of(user))

    async def reply(self, author: Member, codemark_id: str, text: str) -> None:
        """A reply written in CodeStream (REST)."""
        response = await self.world.app_client.post(
            f"/api/v1/codemarks/{codemark_id}/replies", json={"text": text}, headers=author.headers
        )
        assert response.status_code == 201, response.text

    async def settled(self) -> None:
        """Wait until every notification event is bundled (no pending rows) and every outbox
        row is delivered or failed: what the bot will send has been sent."""
        deadline = time.monotonic() + SETTLE_LIMIT
        while True:
            async with self.world.uows.engine.connect() as conn:
                pending = (
                    await conn.execute(
                        sa.select(sa.func.count()).select_from(notifications_pending)
                    )
                ).scalar_one()
                waiting = outbox.c.status.in_(ACTIVE)
                active = (
                    await conn.execute(
                        sa.select(sa.func.count()).select_from(outbox).where(waiting)
                    )
                ).scalar_one()
            if pending == 0 and active == 0:
                return
            assert time.monotonic() < deadline, (pending, active)
            await asyncio.sleep(0.1)

    async def notifications_after(self, user: User, before: int) -> list[str]:
        """The texts of the messages the user got after the first `before`, once everything
        queued has been sent."""
        await self.settled()
        return [text_of(m) for m in self.messages_to(user)[before:]]

    async def notification_rows(self) -> list[dict[str, Any]]:
        """The outbox rows of notifications."""
        async with self.world.uows.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox).where(outbox.c.kind == "notification").order_by(outbox.c.id)
            )
            return [dict(row._mapping) for row in rows]


@pytest.fixture
async def people(database_url: str) -> AsyncIterator[People]:
    document = {"notifications": {"bundleSeconds": BUNDLE_SECONDS, "maxPerHour": 10}}
    async with start_bot_world(
        database_url, public_url_is_served=True, migrate=False, document=document
    ) as world:
        driver = world.emu.driver
        api = Api(world.app_client, world.operator)
        alice = await api.sign_up("alice")
        bob = await api.sign_up("bob")
        team = await api.create_team(alice, "Plant Eaters")
        await api.add_member(alice, team["id"], bob)
        for user, member in ((world.alice, alice), (world.bob, bob)):
            await driver.install_bot_personal(world.bot, user)
            await wait_for_card(world, driver.personal_chat(world.bot, user).id, "Welcome")
            await sign_in(world, user, member, [team["id"]])
        yield People(world, api, alice, bob, team["id"])


async def test_an_assignment_reaches_the_assignee_once_and_not_the_actor(people: People) -> None:
    world = people.world
    alice_before, bob_before = (
        len(people.messages_to(world.alice)),
        len(people.messages_to(world.bob)),
    )
    await people.api.create_codemark(
        people.alice,
        people.team_id,
        type="issue",
        title="Rounding loses cents",
        text="Totals are off by one cent.",
        assignees=[people.bob.id],
    )
    (only,) = await people.notifications_after(world.bob, bob_before)
    assert "Alice assigned you 'Rounding loses cents'" in only
    assert "Totals are off by one cent." in only  # the compact card
    assert "Mute this codemark" in str(people.messages_to(world.bob)[-1].attachments)
    assert people.messages_to(world.alice)[alice_before:] == []


async def test_a_mention_and_a_reply_reach_the_author_once_each(people: People) -> None:
    world = people.world
    codemark = await people.api.create_codemark(
        people.bob, people.team_id, type="question", title="Why retry 5 times?", text="Ask."
    )
    bob_before = len(people.messages_to(world.bob))
    # A reply on Bob's codemark that also @mentions him: one message, the mention.
    await people.reply(people.alice, codemark["id"], "@bob because the token endpoint flaps")
    (mentioned,) = await people.notifications_after(world.bob, bob_before)
    assert "Alice mentioned you on 'Why retry 5 times?'" in mentioned
    bob_before = len(people.messages_to(world.bob))
    await people.reply(people.alice, codemark["id"], "Five is what the SDK does.")
    (replied,) = await people.notifications_after(world.bob, bob_before)
    assert "Alice replied on 'Why retry 5 times?'" in replied
    # Bob answers on his own codemark: not to himself, and Alice (who replied) hears nothing
    # by default.
    alice_before, bob_before = (
        len(people.messages_to(world.alice)),
        len(people.messages_to(world.bob)),
    )
    await people.reply(people.bob, codemark["id"], "Thanks @alice? no, thanks all")
    assert await people.notifications_after(world.bob, bob_before) == []
    alice_got = await people.notifications_after(world.alice, alice_before)
    assert len(alice_got) == 1 and "Bob mentioned you" in alice_got[0]


async def test_a_burst_of_twenty_replies_is_one_or_two_messages(people: People) -> None:
    world = people.world
    codemark = await people.api.create_codemark(
        people.bob, people.team_id, type="issue", title="Rounding loses cents", text="Off by one."
    )
    bob_before = len(people.messages_to(world.bob))
    for n in range(20):
        await people.reply(people.alice, codemark["id"], f"Looking at it ({n})")
    got = await people.notifications_after(world.bob, bob_before)
    assert 1 <= len(got) <= 2, got
    assert any("new replies on 'Rounding loses cents'" in text for text in got), got


async def test_muting_holds_until_unmuted(people: People) -> None:
    world, client = people.world, people.world.app_client
    codemark = await people.api.create_codemark(
        people.bob, people.team_id, type="issue", title="Flaky login", text="Sometimes 500."
    )
    muted = await client.patch(
        "/api/v1/me/notifications", json={"mute": "1h"}, headers=people.bob.headers
    )
    assert muted.status_code == 200, muted.text
    assert muted.json()["mutedUntil"] > time.time() * 1000
    bob_before = len(people.messages_to(world.bob))
    await people.reply(people.alice, codemark["id"], "Seen it too.")
    assert await people.notifications_after(world.bob, bob_before) == []
    # Unmuted, but this codemark muted: still nothing about it.
    await client.patch("/api/v1/me/notifications", json={"mute": "off"}, headers=people.bob.headers)
    put = await client.put(
        f"/api/v1/me/notifications/muted-codemarks/{codemark['id']}", headers=people.bob.headers
    )
    assert put.status_code == 204, put.text
    await people.reply(people.alice, codemark["id"], "And again.")
    assert await people.notifications_after(world.bob, bob_before) == []
    settings = await client.get("/api/v1/me/notifications", headers=people.bob.headers)
    assert settings.json()["mutedCodemarks"] == [codemark["id"]]
    # Replies switched off: nothing either, even on another codemark.
    await client.delete(
        f"/api/v1/me/notifications/muted-codemarks/{codemark['id']}", headers=people.bob.headers
    )
    await client.patch(
        "/api/v1/me/notifications", json={"replies": False}, headers=people.bob.headers
    )
    await people.reply(people.alice, codemark["id"], "Third time.")
    assert await people.notifications_after(world.bob, bob_before) == []
    await client.patch(
        "/api/v1/me/notifications", json={"replies": True}, headers=people.bob.headers
    )
    await people.reply(people.alice, codemark["id"], "Fourth time.")
    (back,) = await people.notifications_after(world.bob, bob_before)
    assert "Alice replied on 'Flaky login'" in back


async def test_bad_settings_are_refused_and_change_nothing(people: People) -> None:
    client = people.world.app_client
    bad = await client.patch(
        "/api/v1/me/notifications", json={"mute": "forever"}, headers=people.bob.headers
    )
    assert bad.status_code == 422, bad.text
    assert "error" in bad.json()
    settings = await client.get("/api/v1/me/notifications", headers=people.bob.headers)
    assert settings.json()["mutedUntil"] is None
    assert settings.json()["assigned"] and settings.json()["replies"]


async def test_an_unreachable_person_stops_getting_messages_and_nothing_retries(
    people: People,
) -> None:
    world = people.world
    codemark = await people.api.create_codemark(
        people.bob, people.team_id, type="issue", title="Cache never expires", text="TTL 0."
    )
    world.emu.emulator.world.cut_off_user(world.bot, world.bob.id)  # Teams tells us nothing
    await people.reply(people.alice, codemark["id"], "Confirmed.")
    await people.settled()
    (row,) = await people.notification_rows()
    assert row["status"] == "failed" and row["attempts"] == 1, row
    settings = await world.app_client.get("/api/v1/me/notifications", headers=people.bob.headers)
    assert settings.json()["unreachableSince"] is not None
    await people.reply(people.alice, codemark["id"], "Still there?")
    await people.settled()
    assert len(await people.notification_rows()) == 1  # nothing queued, nothing retried
    # Bob adds the app again and so talks to the bot: he is reachable again.
    await world.emu.driver.install_bot_personal(world.bot, world.bob)
    settings = await world.app_client.get("/api/v1/me/notifications", headers=people.bob.headers)
    assert settings.json()["unreachableSince"] is None


async def test_without_a_known_chat_the_bot_opens_one(people: People) -> None:
    world = people.world
    async with world.uows.engine.begin() as conn:  # linked before the chat was recorded
        await conn.execute(sa.delete(msteams_personal_chats))
    bob_before = len(people.messages_to(world.bob))
    await people.api.create_codemark(
        people.alice,
        people.team_id,
        type="issue",
        title="Logs leak tokens",
        text="Mask them.",
        assignees=[people.bob.id],
    )
    (only,) = await people.notifications_after(world.bob, bob_before)
    assert "Alice assigned you 'Logs leak tokens'" in only
    (row,) = await people.notification_rows()
    assert row["operation"] == "create_conversation" and row["status"] == "sent"
    async with world.uows() as uow:
        chat = await uow.msteams.get_personal_chat(people.chat_of(world.bob))
    assert chat is not None and chat.bot_installed


async def test_the_notifications_command_shows_and_flips_the_switches(people: People) -> None:
    world = people.world
    answer = await say(world, world.bob, "notifications")
    shown = text_of(answer)
    assert "Replies on your codemarks: **on**" in shown
    assert "Replies on codemarks you replied to: **off**" in shown
    clicked = await world.emu.driver.execute_action(
        answer, world.bob, verb="notifications", data={"set": "replies", "on": False}
    )
    assert clicked.status == 200, clicked.body
    assert "Replies on your codemarks: **off**" in card_text(clicked.body["value"])
    settings = await world.app_client.get("/api/v1/me/notifications", headers=people.bob.headers)
    assert settings.json()["replies"] is False
    codemark = await people.api.create_codemark(
        people.bob, people.team_id, type="issue", title="Slow search", text="Takes 9 s."
    )
    bob_before = len(people.messages_to(world.bob))
    await people.reply(people.alice, codemark["id"], "Index missing.")
    assert await people.notifications_after(world.bob, bob_before) == []


async def test_mute_this_codemark_on_the_notification_card(people: People) -> None:
    world = people.world
    bob_before = len(people.messages_to(world.bob))
    codemark = await people.api.create_codemark(
        people.alice,
        people.team_id,
        type="issue",
        title="Rounding loses cents",
        text="Off by one.",
        assignees=[people.bob.id],
    )
    await people.notifications_after(world.bob, bob_before)
    notification = people.messages_to(world.bob)[-1]
    assert "assigned you" in text_of(notification)
    clicked = await world.emu.driver.execute_action(
        notification, world.bob, verb="notifications", data={"muteCodemark": codemark["id"]}
    )
    assert clicked.status == 200, clicked.body
    assert "you won't hear about 'Rounding loses cents' again" in card_text(clicked.body["value"])
    bob_before = len(people.messages_to(world.bob))
    await people.reply(people.alice, codemark["id"], "@bob any news?")
    assert await people.notifications_after(world.bob, bob_before) == []


async def test_a_reply_written_in_teams_reaches_the_author_unless_they_are_active_there(
    people: People,
) -> None:
    world = people.world
    driver = world.emu.driver
    await driver.install_bot(world.bot, world.team, by=world.alice, consent=RSC_PERMISSIONS)
    await say_in_channel(world, world.alice, "connect")
    codemark = await people.api.create_codemark(
        people.bob, people.team_id, type="issue", title="Deadlock on save", text="Two locks."
    )
    shared = await world.app_client.post(
        f"/api/v1/codemarks/{codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [world.channel.id]},
        headers=people.bob.headers,
    )
    assert shared.status_code == 202, shared.text
    (share,) = await all_sent(world, people.bob, codemark["id"])
    card = world.emu.emulator.world.conversations[world.channel.id].messages[share["postId"]]
    bob_before = len(people.messages_to(world.bob))
    heard = await driver.reply(card, world.alice, "Take them in one order.", mention=False)
    assert heard is not None and heard.status == 200
    (told,) = await people.notifications_after(world.bob, bob_before)
    assert "Alice replied on 'Deadlock on save'" in told
    # Bob answers in the thread: he is active there, so Alice's next reply there reaches him
    # in the thread, not in his personal chat.
    answered = await driver.reply(card, world.bob, "Will do.", mention=False)
    assert answered is not None and answered.status == 200
    bob_before = len(people.messages_to(world.bob))
    again = await driver.reply(card, world.alice, "Thanks!", mention=False)
    assert again is not None and again.status == 200
    assert await people.notifications_after(world.bob, bob_before) == []
