"""Cards update in place: a codemark shared to two channels; every change (REST API, a reply
written in a card's thread in Teams) reaches both cards through the outbox, coalesced, paced, in
order with the thread; a card deleted in Teams stops being updated and says so in the share's
status; a worker killed in the middle of a burst loses no final state. Real HTTP to our app (the
REST API and the bot endpoint, activities signed by the emulator), the emulator as Teams, the
delivery worker wired as `codestream worker` wires it; both backends."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import sqlalchemy as sa
from tests.shares.card_world import CardWorld

from codestream.delivery.leases import DEFAULT_LEASE_MS
from codestream.domain.outbox import DeliveryStatus
from codestream.domain.services.shares import SHARE_KIND
from codestream.storage.tables import outbox

CARD_UPDATE_KIND = "codemark_card_update"
"""The outbox rows that update a card (`card_updates.CARD_UPDATE_KIND`)."""


async def _shared_and_sent(cards: CardWorld) -> None:
    await cards.share()
    await cards.delivery.pump(cards.worker())
    assert [s["status"] for s in await cards.shares()] == ["sent", "sent"]


async def _rows(cards: CardWorld, kind: str) -> list[tuple[str, str]]:
    """(conversation, status) of the outbox rows of a kind."""
    async with cards.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.conversation_id, outbox.c.status).where(outbox.c.kind == kind)
        )
        return [(row[0], row[1]) for row in rows]


async def _until_sending(cards: CardWorld, kind: str) -> None:
    for _ in range(200):
        if {s for _, s in await _rows(cards, kind)} == {"sending"}:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(await _rows(cards, kind))


async def _update_rows(cards: CardWorld) -> list[tuple[str, str]]:
    """(conversation, status) of the card-update rows in the outbox."""
    async with cards.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.conversation_id, outbox.c.status).where(
                outbox.c.kind == CARD_UPDATE_KIND
            )
        )
        return [(row[0], row[1]) for row in rows]


async def test_a_change_through_the_api_reaches_both_cards_and_the_status_line_both_threads(
    cards: CardWorld,
) -> None:
    await _shared_and_sent(cards)
    bob = cards.world.bob
    for channel in cards.channels:
        assert "Resolved" not in cards.card_text(channel)
    await cards.change(title="Rounding loses cents on refunds", assignees=[bob.id])
    await cards.change(bob, status="closed")
    await cards.delivery.pump(cards.worker())
    bob_name = await cards.name_of(bob)
    for channel in cards.channels:
        shown = cards.card_text(channel)
        assert "Rounding loses cents on refunds" in shown
        assert "Status: Resolved" in shown
        assert f"Assignees: {bob_name}" in shown
        assert cards.thread(channel) == [f"{bob_name} resolved this"]
        assert set(cards.updates_of(channel)) == {200}
    await cards.change(status="open")
    await cards.delivery.pump(cards.worker())
    for channel in cards.channels:
        assert "Resolved" not in cards.card_text(channel)
        assert cards.thread(channel)[-1].endswith("reopened this")


async def test_a_reply_written_in_one_thread_shows_on_both_cards(cards: CardWorld) -> None:
    await _shared_and_sent(cards)
    first = cards.channels[0]
    card = cards.card(first)
    heard = await cards.delivery.emu.driver.reply(
        card, cards.cast.alice, "Fixed in #42, released tonight.", mention=False
    )
    assert heard is not None and heard.status == 200
    await cards.delivery.pump(cards.worker())
    for channel in cards.channels:
        shown = cards.card_text(channel)
        assert "2 replies" in shown and "Fixed in #42, released tonight." in shown, shown
        assert "(in Teams)" in shown
    # The other channel's thread got the reply itself; the one it was written in did not.
    assert cards.thread(first) == []
    assert len(cards.thread(cards.channels[1])) == 1


async def test_fifty_quick_changes_cost_each_card_a_few_calls_and_end_in_the_final_state(
    cards: CardWorld,
) -> None:
    await _shared_and_sent(cards)
    worker = cards.worker()
    for n in range(1, 51):
        await cards.change(title=f"Rounding, take {n}")
        if n % 10 == 0:  # the worker keeps up meanwhile, as it would in a server
            await worker.run_once()
        pending = [s for _, s in await _update_rows(cards) if s in ("queued", "retrying")]
        assert len(pending) <= len(cards.channels)  # at most one waiting update per card
    await cards.delivery.pump(worker)
    for channel in cards.channels:
        assert "Rounding, take 50" in cards.card_text(channel)
        calls = cards.updates_of(channel)
        assert 1 <= len(calls) <= 6, calls
        assert set(calls) == {200}
    assert cards.delivery.emu.emulator.transcript.query(status=429) == []


async def test_a_card_deleted_in_teams_shows_in_the_share_and_gets_no_more_updates(
    cards: CardWorld,
) -> None:
    await _shared_and_sent(cards)
    gone, kept = cards.channels
    cards.delivery.emu.driver.delete_message(cards.card(gone))  # an admin removed it in Teams
    await cards.change(title="Still rounding")
    await cards.delivery.pump(cards.worker())
    assert cards.updates_of(gone) == [404]  # not retried
    assert cards.updates_of(kept) == [200]
    by_channel = {s["channelId"]: s for s in await cards.shares()}
    assert by_channel[gone.channel_id]["status"] == "card_deleted"
    assert by_channel[kept.channel_id]["status"] == "sent"
    # The channel stays connected (a deleted message is not a removed bot), and new changes
    # reach the other card only.
    await cards.change(title="Rounding fixed")
    await cards.delivery.pump(cards.worker())
    assert cards.updates_of(gone) == [404]
    assert cards.updates_of(kept) == [200, 200]
    assert "Rounding fixed" in cards.card_text(kept)
    targets = await cards.client.get(
        f"/api/v1/teams/{cards.world.team['id']}/share-targets",
        headers=cards.world.alice.headers,
    )
    if targets.status_code == 200:
        assert gone.channel_id in targets.text


async def test_a_change_while_the_card_waits_or_is_being_sent_still_ends_on_the_card(
    cards: CardWorld,
) -> None:
    await cards.share()
    await cards.change(title="Changed before the card left")  # the waiting card takes it
    emulator = cards.delivery.emu.emulator
    emulator.faults.add("create_conversation", latency=0.5, count=2)
    worker = cards.worker()
    cards.catch_up()
    sending = asyncio.ensure_future(worker.run_once())
    await _until_sending(cards, SHARE_KIND)  # both cards are on their way to Teams now
    await cards.change(title="Changed while the card was being sent")
    await sending
    await cards.delivery.pump(worker)
    for channel in cards.channels:  # one card each, brought up to date by one update
        assert "Changed while the card was being sent" in cards.card_text(channel)
        assert cards.updates_of(channel) == [200]


async def test_a_worker_killed_in_a_burst_leaves_every_card_in_the_final_state(
    cards: CardWorld,
) -> None:
    await _shared_and_sent(cards)
    for n in range(1, 11):
        await cards.change(title=f"Burst {n}")
    # Worker A claims both cards' updates; Teams hangs; A dies holding them.
    rule = cards.delivery.emu.emulator.faults.add("update_activity", latency=5, drop=True)
    async with httpx.AsyncClient() as doomed_http:  # the dead process's connections go with it
        doomed = cards.worker("doomed", doomed_http)
        cards.catch_up()
        call = asyncio.ensure_future(doomed.run_once())
        await _until_sending(cards, CARD_UPDATE_KIND)
        await asyncio.sleep(0.1)  # the calls are on their way to Teams
        call.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await call
    assert sorted(s for _, s in await _update_rows(cards)) == ["sending", "sending"]
    cards.delivery.emu.emulator.faults.remove(rule.id)
    for n in range(11, 21):  # the burst goes on: one new waiting update per card
        await cards.change(title=f"Burst {n}")
    statuses = sorted(s for _, s in await _update_rows(cards))
    assert statuses == ["queued", "queued", "sending", "sending"]
    # A new worker, once the dead one's leases ran out.
    cards.delivery.clock.advance(DEFAULT_LEASE_MS / 1000 + 0.01)
    await cards.delivery.pump(cards.worker("restarted"))
    for channel in cards.channels:
        assert "Burst 20" in cards.card_text(channel)
    assert {s for _, s in await _update_rows(cards)} == {DeliveryStatus.SENT.value}


async def test_the_answer_to_a_change_tells_each_share_as_the_shares_listing_does(
    cards: CardWorld,
) -> None:
    # The PATCH answers the shares from what the change itself read: the same as a look after
    # it, whether the cards are waiting, in Teams, or one was deleted there.
    await cards.share()
    waiting = await cards.change(title="Before the cards left")
    assert [s["status"] for s in waiting["sharedTo"]] == ["queued", "queued"]
    assert waiting["sharedTo"] == await cards.shares()
    await cards.delivery.pump(cards.worker())
    gone = cards.channels[0]
    cards.delivery.emu.driver.delete_message(cards.card(gone))
    await cards.change(title="Once they arrived")
    await cards.delivery.pump(cards.worker())
    changed = await cards.change(status="closed")
    by_channel = {s["channelId"]: s for s in changed["sharedTo"]}
    assert by_channel[gone.channel_id]["status"] == "card_deleted"
    kept = by_channel[cards.channels[1].channel_id]
    assert kept["status"] == "sent" and kept["postId"] and kept["url"]
    assert changed["sharedTo"] == await cards.shares()
    unchanged = await cards.change(status="closed")  # nothing to change: still answered
    assert unchanged["sharedTo"] == changed["sharedTo"]
