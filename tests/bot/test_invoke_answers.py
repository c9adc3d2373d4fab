"""A re-sent invoke gets the answer the first one got, whichever server it reaches: two app
instances on one database, no memory shared (the load-balanced layout of docs/admin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tests.bot.card_world import CardWorld, actions_of, share_to_two_channels

from codestream.web.app import create_app
from codestream.web.bot_endpoint import PATH
from support.bots import bot_config, start_bot_world
from support.servers import serve_in_thread
from teams_emulator.transcript import Exchange


@pytest.fixture
async def cw(database_url: str) -> AsyncIterator[CardWorld]:
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield await share_to_two_channels(world)


@pytest.fixture
def second_server(cw: CardWorld, database_url: str) -> Iterator[str]:
    """Another `codestream serve` on the same database; its base URL."""
    world = cw.world
    other = create_app(bot_config(world.emu, world.bot, database_url), migrate=False)
    with serve_in_thread(other) as base:
        yield base


def _last_invoke(cw: CardWorld) -> Exchange:
    """The signed request Teams sent for the last click, to send it again as Teams would."""
    return cw.world.emu.emulator.transcript.query(direction="teams_to_bot")[-1]


async def test_a_resent_click_gets_the_first_answer_from_another_server(
    cw: CardWorld, second_server: str
) -> None:
    resolved = await cw.click(cw.world.alice, "codemark.resolve")
    resend = _last_invoke(cw)
    assert "Reopen" in actions_of(resolved.body["value"])
    await cw.click(cw.world.alice, "codemark.reopen")  # the card has changed since

    async with httpx.AsyncClient(base_url=second_server) as client:
        again = await client.post(PATH, content=resend.request_body, headers=resend.request_headers)
    assert again.status_code == 200
    assert again.json() == resolved.body  # the first click's answer, not the card as it is now
    assert (await cw.codemark())["status"] == "open"  # and the click was not done again


async def test_a_resent_sign_in_request_is_the_same_sign_in_request(
    cw: CardWorld, second_server: str
) -> None:
    clicked = await cw.click(cw.world.bob, "codemark.resolve")  # Bob is not signed in
    resend = _last_invoke(cw)
    assert clicked.body["type"] == "application/vnd.microsoft.activity.loginRequest"

    async with httpx.AsyncClient(base_url=second_server) as client:
        again = await client.post(PATH, content=resend.request_body, headers=resend.request_headers)
    assert again.status_code == 200
    assert again.json() == clicked.body
