"""Every command as a Teams user meets it: in the right place, the wrong place, signed in or not.

The bot's answers arrive as Adaptive Cards in the emulated Teams, sent by the outbox worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from support.api import Api
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    bot_messages,
    no_new_messages,
    say,
    say_in_channel,
    sign_in,
    text_of,
    wait_for_card,
)

NEED_SIGNIN = "Please sign in first: send **signin** to the CodeStream bot in your personal chat"


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[BotWorld]:
    """The bot installed in the team and in Alice's personal scope; links point at the app."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        driver = world.emu.driver
        await driver.install_bot(world.bot, world.team, by=world.alice)
        await driver.install_bot_personal(world.bot, world.alice)
        chat = driver.personal_chat(world.bot, world.alice).id
        await wait_for_card(world, chat, "Welcome to CodeStream")
        await wait_for_card(world, world.team.id, "Thanks for adding CodeStream")
        yield world


async def test_help_aliases_and_unknown_text(world: BotWorld) -> None:
    personal_help = text_of(await say(world, world.alice, "help"))
    assert personal_help.startswith("The CodeStream bot lets you share discussions about code")
    assert "signin: Sign in to CodeStream and pick the teams to link." in personal_help
    assert "connect:" not in personal_help
    for alias in ("GetStarted", "WELCOME", "ok", "init"):
        assert text_of(await say(world, world.alice, alias)) == personal_help
    unknown = text_of(await say(world, world.alice, "make me a [sandwich](http://x)"))
    assert unknown.startswith(
        "Sorry, I didn't understand 'make me a sandwichhttp://x', but thanks for checking out "
        "CodeStream. Type 'help' if you need assistance."
    )
    channel_help = text_of(await say_in_channel(world, world.bob, "Help"))
    assert "connect: Connect this channel to CodeStream." in channel_help
    assert "signin:" not in channel_help


async def test_a_card_button_runs_its_command(world: BotWorld) -> None:
    chat = world.emu.driver.personal_chat(world.bot, world.alice)
    help_card = await say(world, world.alice, "help")
    before = len(bot_messages(world, chat.id))
    clicked = await world.emu.driver.submit_action(help_card, world.alice, {"action": "status"})
    assert clicked.status == 200
    await no_new_messages(world, chat.id, before + 1)
    assert "CodeStream Teams" in text_of(bot_messages(world, chat.id)[-1])


async def test_commands_in_the_wrong_place_say_where_to_run_them(world: BotWorld) -> None:
    for command in ("signin", "logout"):
        answer = text_of(await say_in_channel(world, world.alice, command))
        expected = "signin" if command == "signin" else "signout"
        assert answer == (
            f"Please run **{expected}** from your personal chat with the CodeStream bot."
        )
    for command in ("connect", "disconnect", "disconnectall"):
        answer = text_of(await say(world, world.alice, command))
        assert answer == (
            f"Please run **{command}** in a team channel, mentioning me: @CodeStream {command}"
        )


async def test_commands_that_need_a_signed_in_user_say_so(world: BotWorld) -> None:
    for command in ("connect", "disconnect", "disconnectall", "uninstall"):
        assert text_of(await say_in_channel(world, world.bob, command)).startswith(NEED_SIGNIN)
    assert text_of(await say(world, world.alice, "signout")).startswith(
        "You aren't signed in to CodeStream."
    )
    assert "Signed in as: Not signed in" in text_of(await say(world, world.alice, "status"))


async def test_signed_in_commands_from_status_to_uninstall(world: BotWorld) -> None:
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    plants = await api.create_team(alice, "Plant Eaters")
    await api.create_team(alice, "Not Linked")
    await sign_in(world, world.alice, alice, [plants["id"]])

    status = text_of(await say(world, world.alice, "status"))
    assert f"Signed in as: {alice.email}" in status and "Plant Eaters: linked" in status
    assert "Not Linked" not in status

    connected = text_of(await say_in_channel(world, world.alice, "connect"))
    assert connected.startswith("This channel is now ready to receive codemarks from CodeStream.")
    again = text_of(await say_in_channel(world, world.alice, "connect"))
    assert again.startswith("This channel was already connected")
    assert "Plant Eaters: connected" in text_of(await say_in_channel(world, world.alice, "status"))

    debug = text_of(await say_in_channel(world, world.alice, "debug"))
    assert f"Tenant id: {world.tenant.id}" in debug
    assert f"CodeStream user: {alice.email} ({alice.id})" in debug
    assert "1 connected channel(s)" in debug and f"Bot app id: {world.bot.app_id}" in debug
    assert world.bot.secret not in debug and "password" not in debug.lower()

    assert text_of(await say_in_channel(world, world.alice, "disconnect")) == (
        "CodeStream has been disconnected from this channel."
    )
    assert text_of(await say_in_channel(world, world.alice, "disconnect")) == (
        "This channel wasn't connected to any of your CodeStream teams."
    )
    await say_in_channel(world, world.alice, "connect")
    assert text_of(await say_in_channel(world, world.alice, "disconnectall")) == (
        "CodeStream has been disconnected from all channels of this team (1)."
    )
    await say_in_channel(world, world.alice, "connect")

    uninstalled = text_of(await say_in_channel(world, world.alice, "uninstall"))
    assert uninstalled.startswith(
        "CodeStream is no longer linked to this Microsoft Teams organization for: Plant Eaters."
    )
    listed = await world.app_client.get(
        "/msteams_conversations", params={"teamId": plants["id"]}, headers=alice.headers
    )
    assert listed.status_code == 409
    assert text_of(await say_in_channel(world, world.alice, "connect")).startswith(
        "None of your CodeStream teams is linked to this Microsoft Teams organization."
    )

    assert text_of(await say(world, world.alice, "logout")) == (
        "You have been signed out of CodeStream."
    )
    assert text_of(await say_in_channel(world, world.alice, "connect")).startswith(NEED_SIGNIN)


async def test_the_personal_welcome_arrives_once(world: BotWorld) -> None:
    chat = world.emu.driver.personal_chat(world.bot, world.alice).id
    welcomes = [m for m in bot_messages(world, chat) if "Welcome to CodeStream" in text_of(m)]
    await no_new_messages(world, chat, len(bot_messages(world, chat)))
    assert len(welcomes) == 1
    assert "[Sign in]" in text_of(welcomes[0])
