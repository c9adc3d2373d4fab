"""Replies written in Teams under a shared codemark's card land on the codemark, and replies written
in CodeStream are posted into that thread, through real HTTP: the API shares the codemark, the
delivery worker posts the card to the emulator, a Teams user replies in the card's thread, and the
reply shows in the codemark's replies.

With the `ChannelMessage.Read.Group` consent our manifest asks for, Teams delivers every channel
message; without it, only those that @mention the bot. Both are covered, and so is what the bot
must leave alone: chatter elsewhere in the channel, and people who haven't signed in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.apppackage.manifest import RSC_PERMISSIONS
from codestream.storage.uow import SqlUnitOfWorkFactory
from support.api import Api
from support.bots import start_bot_world
from support.shared_thread import Thread
from support.shared_thread import all_sent as _all_sent
from support.shared_thread import share_into_the_channel as _share_into_the_channel
from support.teams_flow import (
    no_new_messages,
    say_in_channel,
    sign_in,
    text_of,
    wait_for_card,
    wait_for_new,
)
from teams_emulator import Message


@pytest.fixture
async def thread(database_url: str) -> AsyncIterator[Thread]:
    """The bot added to the team with the consent our manifest asks for."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield await _share_into_the_channel(world, RSC_PERMISSIONS)


@pytest.fixture
async def mention_only(database_url: str) -> AsyncIterator[Thread]:
    """The bot added without the consent: Teams delivers only @mentions."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield await _share_into_the_channel(world, ())


async def test_a_reply_under_the_card_lands_on_the_codemark(thread: Thread) -> None:
    driver = thread.world.emu.driver
    heard = await driver.reply(
        thread.card,
        thread.world.alice,
        "Good catch.\nI'll cap it at 5 attempts in the next release.",
        mention=False,
    )
    assert heard is not None and heard.status == 200
    (reply,) = await thread.replies(1)
    assert reply["text"] == "Good catch.\nI'll cap it at 5 attempts in the next release."
    assert reply["origin"] == "teams"
    assert reply["creatorId"] == thread.alice.id
    codemark = await thread.world.app_client.get(
        f"/api/v1/codemarks/{thread.codemark_id}", headers=thread.alice.headers
    )
    assert codemark.json()["numReplies"] == 1
    # Nothing in the thread: no answer, and the reply is not posted back where it came from.
    await no_new_messages(thread.world, thread.world.channel.id, 2)  # the card, `connect`'s answer


async def test_a_redelivered_reply_is_added_once(thread: Thread) -> None:
    world = thread.world
    heard = await world.emu.driver.reply(thread.card, world.alice, "Fixed in #42.", mention=False)
    assert heard is not None and heard.status == 200
    await thread.replies(1)
    again = await world.post(heard.activity)
    assert again.status_code == 200, again.text
    await asyncio.sleep(0.5)
    assert [r["text"] for r in await thread.replies(1)] == ["Fixed in #42."]


async def test_other_people_are_named_and_the_bot_mention_is_dropped(thread: Thread) -> None:
    world = thread.world
    heard = await world.emu.driver.reply(
        thread.card, world.alice, "Agreed, <at>Bob Jones</at> can you review?", mention=True
    )
    assert heard is not None and heard.status == 200
    (reply,) = await thread.replies(1)
    assert reply["text"] == "Agreed, @Bob Jones can you review?"
    assert thread.bot_answers_in_thread() == []


async def test_a_command_in_the_thread_is_still_a_command(thread: Thread) -> None:
    world = thread.world
    heard = await world.emu.driver.reply(thread.card, world.alice, "status", mention=True)
    assert heard is not None and heard.status == 200
    answer = await wait_for_new(world, world.channel.id, 2, root=thread.card.id)
    assert "Signed in as" in text_of(answer)
    await thread.replies(0, wait=0.5)


async def test_someone_not_signed_in_is_told_only_when_they_mention_the_bot(
    thread: Thread,
) -> None:
    world, driver = thread.world, thread.world.emu.driver
    silent = await driver.reply(thread.card, world.bob, "Is this still happening?", mention=False)
    assert silent is not None and silent.status == 200
    await no_new_messages(world, world.channel.id, 2)
    asked = await driver.reply(thread.card, world.bob, "please add this", mention=True)
    assert asked is not None and asked.status == 200
    answer = await wait_for_new(world, world.channel.id, 2, root=thread.card.id)
    assert "you aren't signed in to CodeStream" in text_of(answer)
    await thread.replies(0, wait=0.5)


async def test_a_user_outside_the_codemarks_team_is_told_why(thread: Thread) -> None:
    world = thread.world
    api = Api(world.app_client, world.operator)
    carol = await api.sign_up("carol")
    elsewhere = await api.create_team(carol, "Finance")
    await world.emu.driver.install_bot_personal(world.bot, world.bob)
    await sign_in(world, world.bob, carol, [elsewhere["id"]])
    asked = await world.emu.driver.reply(thread.card, world.bob, "mine too", mention=True)
    assert asked is not None and asked.status == 200
    answer = await wait_for_new(world, world.channel.id, 2, root=thread.card.id)
    assert f"you're signed in as {carol.email}, who isn't in the CodeStream team" in text_of(answer)
    await thread.replies(0, wait=0.5)


async def test_chatter_elsewhere_in_the_channel_is_left_alone(thread: Thread) -> None:
    world, driver = thread.world, thread.world.emu.driver
    post = await driver.post_message(world.channel, world.alice, "Lunch at noon?", mention=False)
    assert post is not None and post.status == 200  # with the consent, the bot hears it
    root = world.emu.emulator.world.conversations[world.channel.id].messages[post.activity_id]
    under = await driver.reply(root, world.alice, "Sure", mention=False)
    assert under is not None and under.status == 200
    await no_new_messages(world, world.channel.id, 2)
    await thread.replies(0, wait=0.5)


async def test_without_the_consent_an_at_mention_reply_still_lands(mention_only: Thread) -> None:
    world, driver = mention_only.world, mention_only.world.emu.driver
    unheard = await driver.reply(mention_only.card, world.alice, "Not heard", mention=False)
    assert unheard is None  # Teams doesn't deliver it: no consent, no mention
    heard = await driver.reply(mention_only.card, world.alice, "Capped at 5 now.", mention=True)
    assert heard is not None and heard.status == 200
    (reply,) = await mention_only.replies(1)
    assert reply["text"] == "Capped at 5 now."
    assert mention_only.bot_answers_in_thread() == []


def _reply_card_texts(message: Message) -> list[str]:
    """Every text run and block of a bot message's card, in order."""
    (card,) = [a["content"] for a in message.attachments]
    texts: list[str] = []
    for element in card["body"]:
        if element["type"] == "RichTextBlock":
            texts.append("".join(run["text"] for run in element["inlines"]))
        elif element["type"] == "TextBlock":
            texts.append(element["text"])
    return texts


async def test_a_reply_written_in_codestream_is_posted_in_the_cards_thread(
    thread: Thread,
) -> None:
    world = thread.world
    written = await world.app_client.post(
        f"/api/v1/codemarks/{thread.codemark_id}/replies",
        json={"text": "Capped at **5** attempts.\nSee the retry policy."},
        headers=thread.alice.headers,
    )
    assert written.status_code == 201, written.text
    posted = await wait_for_new(world, world.channel.id, 2, root=thread.card.id)
    name = thread.alice.email.split("@")[0].title()
    assert _reply_card_texts(posted) == [
        f"{name} replied in CodeStream",
        "Capped at **5** attempts.\nSee the retry policy.",
    ]
    (card,) = [a["content"] for a in posted.attachments]
    assert [a["url"] for a in card["actions"]] == [
        f"{world.app_client.base_url}/c/{thread.codemark_id}"
    ]
    await no_new_messages(world, world.channel.id, 3)


async def test_a_disconnected_channel_gets_no_more_replies(thread: Thread) -> None:
    world = thread.world
    await say_in_channel(world, world.alice, "disconnect")
    written = await world.app_client.post(
        f"/api/v1/codemarks/{thread.codemark_id}/replies",
        json={"text": "Anyone?"},
        headers=thread.alice.headers,
    )
    assert written.status_code == 201, written.text
    await no_new_messages(world, world.channel.id, 3)  # the card, `connect`'s and `disconnect`'s


async def test_a_reply_in_one_cards_thread_is_posted_in_the_codemarks_other_threads(
    thread: Thread,
) -> None:
    world = thread.world
    other = await world.emu.driver.create_channel(world.team, "Backend")
    await say_in_channel(world, world.alice, "connect", channel=other)
    shared = await world.app_client.post(
        f"/api/v1/codemarks/{thread.codemark_id}/shares",
        json={"provider": "msteams", "channelIds": [other.id]},
        headers=thread.alice.headers,
    )
    assert shared.status_code == 202, shared.text
    await _all_sent(world, thread.alice, thread.codemark_id)
    second_card = await wait_for_card(world, other.id, "The retry loop never gives up")
    await thread.world.emu.driver.reply(thread.card, world.alice, "Fixed in 2.3.", mention=False)
    await thread.replies(1)

    copied = await wait_for_new(world, other.id, 2, root=second_card.id)
    name = thread.alice.email.split("@")[0].title()
    assert _reply_card_texts(copied) == [f"{name} replied in Teams", "Fixed in 2.3."]
    # Not back into the thread it was written in, and only once into the other.
    await no_new_messages(world, world.channel.id, 2)  # the card, `connect`'s answer
    await no_new_messages(world, other.id, 3)  # `connect`'s answer, the card, the copy


async def test_replies_written_while_the_card_waits_for_teams_follow_it_into_its_thread(
    thread: Thread,
) -> None:
    world = thread.world
    api = Api(world.app_client, world.operator)
    codemark = await api.create_codemark(thread.alice, thread.team_id, text="Cache never expires.")
    url = f"/api/v1/codemarks/{codemark['id']}"
    before = await world.app_client.post(
        f"{url}/replies", json={"text": "Said before sharing."}, headers=thread.alice.headers
    )
    assert before.status_code == 201, before.text
    # Teams takes a second to answer the card's post: the reply below finds no thread yet.
    world.emu.emulator.faults.add("create_conversation", latency=1.0, count=1)
    shared = await world.app_client.post(
        f"{url}/shares",
        json={"provider": "msteams", "channelIds": [world.channel.id]},
        headers=thread.alice.headers,
    )
    assert shared.status_code == 202, shared.text
    during = await world.app_client.post(
        f"{url}/replies",
        json={"text": "Said while it was on its way."},
        headers=thread.alice.headers,
    )
    assert during.status_code == 201, during.text
    listed = await world.app_client.get(f"{url}/shares", headers=thread.alice.headers)
    assert listed.json()[0]["status"] != "sent"  # the reply really came first

    card = await wait_for_card(world, world.channel.id, "Cache never expires.")
    posted = await wait_for_new(world, world.channel.id, 3, root=card.id)
    assert _reply_card_texts(posted)[1] == "Said while it was on its way."
    await no_new_messages(world, world.channel.id, 4)  # the first card, `connect`, this card, one


async def _prune_every_finished_outbox_row(engine: AsyncEngine) -> None:
    """What the delivery worker does a week after delivery: the share's card row goes too."""
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.outbox.prune_finished(before=2**62, limit=10_000)
        await uow.commit()
    async with engine.connect() as connection:
        left = "SELECT count(*) FROM outbox WHERE share_id IS NOT NULL"
        assert (await connection.execute(sa.text(left))).scalar_one() == 0


async def test_a_reply_under_a_card_whose_outbox_row_was_pruned_lands_on_the_codemark(
    thread: Thread, engine: AsyncEngine
) -> None:
    await _prune_every_finished_outbox_row(engine)
    heard = await thread.world.emu.driver.reply(
        thread.card, thread.world.alice, "Still reading this thread.", mention=False
    )
    assert heard is not None and heard.status == 200
    (reply,) = await thread.replies(1)
    assert reply["text"] == "Still reading this thread."
    assert reply["origin"] == "teams"


async def test_a_reply_written_in_codestream_reaches_a_pruned_cards_thread(
    thread: Thread, engine: AsyncEngine
) -> None:
    await _prune_every_finished_outbox_row(engine)
    world = thread.world
    written = await world.app_client.post(
        f"/api/v1/codemarks/{thread.codemark_id}/replies",
        json={"text": "Posted after the card's row went."},
        headers=thread.alice.headers,
    )
    assert written.status_code == 201, written.text
    posted = await wait_for_new(world, world.channel.id, 2, root=thread.card.id)
    assert "Posted after the card's row went." in _reply_card_texts(posted)
