"""Delivery status as a user sees it through the API: a share is queued, then the delivery
worker sends its card to the Teams emulator (sent, with the message id and a link); an outage
shows as retrying with the next attempt and the last error; a removed bot as failed with the
reason. Real worker, real emulator, both backends."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.shares.card_rules import check_card
from tests.shares.delivery_flow import Flow

from codestream.config import Config
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from pages.helpers import Site


async def test_a_share_goes_from_queued_to_sent_and_the_card_arrives(flow: Flow) -> None:
    shared = await flow.share()
    assert shared["status"] == "queued"
    await flow.delivery.pump(flow.delivery.worker())
    status = await flow.status()
    assert status["status"] == "sent"
    assert status["attempts"] == 1 and status["sentAt"] is not None
    assert status["nextAttemptAt"] is None and status["lastError"] is None
    assert status["postId"]
    assert status["url"].startswith("https://teams.microsoft.com/l/message/")
    assert status["postId"] in status["url"]
    (card,) = flow.cards()
    check_card(card)
    runs = [r["text"] for b in card["body"] if b["type"] == "RichTextBlock" for r in b["inlines"]]
    assert runs[:2] == [f"{flow.world.alice.email.split('@')[0].title()}", " commented on code"]
    conversation = flow.delivery.emu.emulator.world.conversations[flow.channel.channel_id]
    roots = [m.id for m in conversation.messages.values() if m.thread_root == m.id]
    assert roots == [status["postId"]]


async def test_an_outage_shows_as_retrying_then_sent(flow: Flow) -> None:
    flow.delivery.emu.emulator.faults.add("create_conversation", status=503, count=1)
    shared = await flow.share()
    worker = flow.delivery.worker()
    flow.delivery.clock.advance(max(shared["nextAttemptAt"] - flow.delivery.now_ms(), 0) / 1000)
    assert await worker.run_once() == 1
    status = await flow.status()
    assert status["status"] == "retrying"
    assert status["attempts"] == 1
    assert "503" in status["lastError"] or "unavailable" in status["lastError"].lower()
    assert status["nextAttemptAt"] > 0
    assert status["postId"] is None
    await flow.delivery.pump(worker)
    status = await flow.status()
    assert status["status"] == "sent" and status["lastError"] is None
    assert len(flow.cards()) == 1


async def test_a_removed_bot_shows_as_failed_with_the_reason(flow: Flow) -> None:
    flow.delivery.emu.emulator.faults.add("create_conversation", status=403)
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    status = await flow.status()
    assert status["status"] == "failed"
    assert status["lastError"]
    assert status["nextAttemptAt"] is None and status["postId"] is None
    assert flow.cards() == []


async def test_the_permalink_page_shows_where_it_was_shared_and_how_it_went(
    flow: Flow, config: Config, engine: AsyncEngine
) -> None:
    w = flow.world
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    sent = await flow.status()
    app = create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )
    site = Site(httpx.ASGITransport(app=app))
    try:
        browser = await site.sign_in(w.bob, f"/c/{w.codemark['id']}")
        page = await browser.get(f"/c/{w.codemark['id']}")
        assert page.status_code == 200
        html = page.text
        assert "Shared to" in html
        assert "Engineering / Code review" in html
        assert "Sent" in html
        assert sent["url"].replace("&", "&amp;") in html
    finally:
        await site.close()
