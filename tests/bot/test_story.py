"""The README's story, through real HTTP: install the bot, sign in from the personal chat by
following the card's link (Teams hands the page's code back to the bot), connect a channel, and
see it listed for the IDE."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from support.api import Api
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    browser,
    card_of,
    card_text,
    code_on,
    hand_back,
    signin_url,
    wait_for_card,
)


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[BotWorld]:
    """The bot world, with links the bot sends pointing at the app itself."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield world


async def test_install_sign_in_connect_and_list(story: BotWorld) -> None:
    world, driver = story, story.emu.driver
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    team = await api.create_team(alice, "Plant Eaters")

    installed = await driver.install_bot(world.bot, world.team, by=world.alice)
    assert [r.status for r in installed] == [200, 200]
    welcome = await wait_for_card(
        world, world.team.id, "Thanks for adding CodeStream to Engineering!"
    )
    assert "[Connect this channel]" in card_text(card_of(welcome))

    await driver.install_bot_personal(world.bot, world.alice)
    chat = driver.personal_chat(world.bot, world.alice).id
    await wait_for_card(world, chat, "Welcome to CodeStream, Alice Smith!")

    answer = await driver.send_personal_message(world.bot, world.alice, "signin")
    assert answer.status == 200
    signin = await wait_for_card(world, chat, "Sign in to CodeStream to get started!")
    url = signin_url(card_of(signin))
    assert url.startswith(f"{world.app_client.base_url}/web/msteams/signin?state=")

    async with browser(world) as alices_browser:
        picker = await alices_browser.open_signin(url, alice.email, "correct horse 1")
        assert picker.status_code == 200, picker.text
        assert "Alice Smith" in picker.text and world.tenant.id in picker.text
        assert world.alice.email in picker.text and "Plant Eaters" in picker.text
        done = await alices_browser.submit(picker, [team["id"]])
        assert done.status_code == 200, done.text
        code = code_on(done)
        assert len(code.replace("-", "")) >= 8

    handed_back = await hand_back(world, world.alice, code)
    assert handed_back.status == 200

    await wait_for_card(
        world,
        chat,
        f"You're signed in to CodeStream as {alice.email}. "
        "Next: add me to a channel and say @CodeStream connect.",
    )

    posted = await driver.post_message(world.channel, world.alice, "connect")
    assert posted is not None and posted.status == 200
    reply = await wait_for_card(
        world,
        world.channel.id,
        "This channel is now ready to receive codemarks from CodeStream.",
        root=posted.activity_id,
    )
    assert "For CodeStream teams: Plant Eaters" in card_text(card_of(reply))

    listed = await world.app_client.get(
        "/msteams_conversations", params={"teamId": team["id"]}, headers=alice.headers
    )
    assert listed.status_code == 200, listed.text
    assert listed.json() == {
        "msteams_conversations": [
            {
                "conversationId": world.channel.id,
                "msTeamsTeamId": world.team.id,
                "tenantId": world.tenant.id,
                "teamName": "Engineering",
                "channelName": "Releases",
                "organization": world.alice.email.split("@")[1],
            }
        ]
    }
