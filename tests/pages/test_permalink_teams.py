"""The permalink page of a codemark shared into Teams, with the real bot and the emulator: a reply
written in the card's Teams thread shows on the page as written in Microsoft Teams, and a reply
posted from the page reaches that thread; resolving from the page is what the REST API reports."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from codestream.apppackage.manifest import RSC_PERMISSIONS
from support.bots import start_bot_world
from support.shared_thread import Thread, share_into_the_channel
from support.teams_flow import PASSWORD, browser, card_of, csrf_on, text_of, wait_for_new


@pytest.fixture
async def thread(database_url: str) -> AsyncIterator[Thread]:
    """Alice's comment shared into the channel; its card is in Teams."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield await share_into_the_channel(world, RSC_PERMISSIONS)


async def test_replies_travel_between_the_page_and_the_cards_thread(thread: Thread) -> None:
    world = thread.world
    heard = await world.emu.driver.reply(
        thread.card, world.alice, "Capping it at 5 attempts.", mention=False
    )
    assert heard is not None and heard.status == 200
    await thread.replies(1)
    permalink = f"/c/{thread.codemark_id}"

    async with browser(world) as web:
        page = await web.log_in(thread.alice.email, PASSWORD, permalink)
        assert page.status_code == 200
        assert "Capping it at 5 attempts." in page.text
        assert '<span class="origin origin-teams">from Microsoft Teams</span>' in page.text
        # The date and the link are apart even as plain text ("09:57 UTC Open in Teams").
        assert re.search(r"UTC</time> <a class=\"open-in-teams\"[^>]*>Open in Teams</a>", page.text)
        assert "posted under this codemark's cards in Microsoft Teams too" in page.text

        posted = await web.client.post(
            f"{permalink}/replies",
            data={"text": "Released in 2.3, see the changelog.", "csrf_token": csrf_on(page)},
        )
        assert posted.status_code == 303, posted.text
        landed = await web.client.get(posted.headers["location"])
        assert (
            "Your reply was posted. It goes to the codemark&#39;s cards in Microsoft Teams too."
            in landed.text
        )
        assert '<span class="origin origin-web">from the web</span>' in landed.text

        resolved = await web.client.post(
            f"{permalink}/resolve", data={"csrf_token": csrf_on(landed)}
        )
        assert resolved.status_code == 303, resolved.text

    # The channel held the card and `connect`'s answer; the web reply is the next bot message.
    in_thread = await wait_for_new(world, world.channel.id, 2, root=thread.card.id)
    assert "Released in 2.3, see the changelog." in text_of(in_thread)
    teams_reply, web_reply = await thread.replies(2)
    assert (teams_reply["origin"], web_reply["origin"]) == ("teams", "web")
    assert web_reply["creatorId"] == thread.alice.id
    codemark = await world.app_client.get(
        f"/api/v1/codemarks/{thread.codemark_id}", headers=thread.alice.headers
    )
    assert codemark.json()["status"] == "closed"
    # Resolving on the page reached the card in Teams: it is updated in place.
    messages = world.emu.emulator.world.conversations[world.channel.id].messages

    def status_on_card() -> list[str]:
        card = card_of(messages[thread.card.id])
        return [
            run["text"]
            for element in card["body"]
            if element["type"] == "RichTextBlock"
            for run in element["inlines"]
            if run.get("weight") == "Bolder"
        ]

    for _ in range(150):
        if "Resolved" in status_on_card():
            break
        await asyncio.sleep(0.1)
    assert "Resolved" in status_on_card()
