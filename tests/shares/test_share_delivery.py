"""Delivery status as a user sees it through the API: a share is queued, then the delivery
worker sends its card to the Teams emulator (sent, with the message id and a link); an outage
shows as retrying with the next attempt and the last error; a removed bot as failed with the
reason. Real worker, real emulator, both backends."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.shares.card_rules import check_card
from tests.shares.delivery_flow import Flow, config_with

from codestream.config import Config
from codestream.domain.outbox import DeliveryStatus
from codestream.domain.services.reply_threads import REPLY_KIND
from codestream.passwords import Argon2Hasher
from codestream.storage.outbox import outbox_item
from codestream.storage.tables import outbox
from codestream.web.app import create_app
from codestream.wiring import build_runtime
from pages.helpers import Site
from support.servers import serve_in_thread

HASHER = Argon2Hasher(time_cost=1, memory_cost=8192)


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


async def test_a_reply_teams_keeps_refusing_is_failed_at_the_configured_deadline(
    flow: Flow, config: Config, engine: AsyncEngine
) -> None:
    delivery, w = flow.delivery, flow.world
    await flow.share()
    await delivery.pump(delivery.worker())
    card = await flow.status()
    assert card["status"] == "sent"
    delivery.emu.emulator.faults.add("send_to_conversation", status=502)
    # The server that takes the reply: a 3-minute deadline, on the emulator's clock.
    app = create_app(
        config_with(config, delivery={"deadlineHours": 0.05}),
        engine=engine,
        hasher=HASHER,
        clock=delivery.now_ms,
        migrate=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        written = await client.post(
            f"/api/v1/codemarks/{w.codemark['id']}/replies",
            json={"text": "Capped at 5 attempts."},
            headers=w.alice.headers,
        )
    assert written.status_code == 201, written.text
    started = delivery.clock()
    await delivery.pump(delivery.worker())
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox).where(outbox.c.kind == REPLY_KIND))).all()
    (reply,) = [outbox_item(row) for row in rows]
    assert reply.conversation_id == f"{flow.channel.channel_id};messageid={card['postId']}"
    assert reply.status is DeliveryStatus.FAILED
    assert reply.last_error is not None
    assert "deadline" in reply.last_error and "502" in reply.last_error
    assert reply.attempts > 3  # retried all along, not failed at once
    assert reply.deadline_at - reply.created_at == 180_000
    assert delivery.clock() - started == pytest.approx(180, abs=0.01)
    refused = delivery.requests("send_to_conversation")
    assert len(refused) == reply.attempts and {c.status for c in refused} == {502}
    conversation = delivery.emu.emulator.world.conversations[flow.channel.channel_id]
    assert list(conversation.messages) == [card["postId"]]  # no reply reached the thread


async def test_with_the_in_process_worker_off_the_server_sends_nothing_and_a_worker_does(
    flow: Flow, config: Config, engine: AsyncEngine
) -> None:
    delivery, w = flow.delivery, flow.world
    served = config_with(
        config,
        integrations={"msteams": {"microsoft.com": delivery.emu.msteams_block(delivery.bot)}},
        delivery={"inProcessWorker": False},
    )
    server = serve_in_thread(create_app(served, hasher=HASHER, migrate=False))
    base = server.__enter__()
    try:
        async with httpx.AsyncClient(base_url=base, timeout=20) as client:
            shared = await client.post(
                f"/api/v1/codemarks/{w.codemark['id']}/shares",
                json={"provider": "msteams", "channelIds": [flow.channel.channel_id]},
                headers=w.alice.headers,
            )
        assert shared.status_code == 202, shared.text
        assert [s["status"] for s in shared.json()] == ["queued"]
    finally:
        # Stopped off this loop: the emulator runs on it. A server running a worker would have
        # been woken by the share's commit and finishes a send in flight before it stops.
        await asyncio.to_thread(server.__exit__, None, None, None)
    status = await flow.status()
    assert (status["status"], status["attempts"]) == ("queued", 0)
    assert delivery.requests() == [] and flow.cards() == []

    async with httpx.AsyncClient() as http:  # what `codestream worker` runs
        worker = build_runtime(served, engine, http, clock=delivery.now_ms).delivery
        assert worker is not None
        await delivery.pump(worker)
    status = await flow.status()
    assert status["status"] == "sent" and status["attempts"] == 1
    assert len(flow.cards()) == 1
