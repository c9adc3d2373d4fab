"""The shared storage contract the bot and the delivery worker build on."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory


def bot_message(
    text: str = "hi",
    *,
    conversation: str = "19:c@thread.tacv2",
    payload: dict[str, Any] | None = None,
    share_id: str | None = None,
) -> NewOutboxItem:
    """An outbox row to a channel of tenant t1 (a share's card when `share_id` is given)."""
    return NewOutboxItem(
        kind="share" if share_id else "bot_reply",
        tenant_id="t1",
        service_url="https://smba.trafficmanager.net/amer/t1/",
        conversation_id=conversation,
        operation=Operation.SEND,
        payload=payload if payload is not None else {"type": "message", "text": text},
        share_id=share_id,
    )


async def test_it_remembers_an_activity_key_once_across_transactions(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.inbound.first_time("19:a|1", now=1)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert not await uow.inbound.first_time("19:a|1", now=2)
        assert await uow.inbound.first_time("19:a|2", now=2)


async def test_it_keeps_an_enqueued_message_only_when_committed(engine: AsyncEngine) -> None:
    item = bot_message()
    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue(item, now=10, deadline_at=100)
        # no commit: rolled back
    async with SqlUnitOfWork(engine) as uow:
        queued = await uow.outbox.enqueue(item, now=20, deadline_at=200)
        await uow.commit()
    assert queued.status is DeliveryStatus.QUEUED
    assert queued.payload == {"type": "message", "text": "hi"}
    assert queued.next_attempt_at == 20
    async with engine.connect() as conn:
        count = (await conn.exec_driver_sql("SELECT count(*) FROM outbox")).scalar()
    assert count == 1


async def test_due_heads_are_the_first_unsent_row_of_each_conversation(engine: AsyncEngine) -> None:
    def message(conversation: str, text: str) -> NewOutboxItem:
        return bot_message(text, conversation=conversation)

    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue_many(
            [(message("19:flood", f"flood {n}"), 10**9) for n in range(300)]
            + [(message("19:quiet", "quiet 0"), 10**9), (message("19:quiet", "quiet 1"), 10**9)]
            + [(message("19:done", "done 0"), 10**9), (message("19:done", "done 1"), 10**9)],
            now=1,
        )
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        heads = {item.payload["text"]: item for item in await uow.outbox.due_heads(now=2, limit=10)}
        assert set(heads) == {"flood 0", "quiet 0", "done 0"}
        # The flood's head waits (paced), the quiet channel's head went out, "done 0" failed.
        await uow.outbox.postpone([heads["flood 0"].id], until=1_000, now=2)
        await uow.outbox.mark_sent(heads["quiet 0"].id, result_id="m1", now=2)
        await uow.outbox.mark_failed(heads["done 0"].id, error="403", now=2)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        due = [item.payload["text"] for item in await uow.outbox.due_heads(now=3, limit=10)]
        later = [item.payload["text"] for item in await uow.outbox.due_heads(now=1_000, limit=10)]
        next_due = await uow.outbox.next_due_at()

    # Rows behind a waiting head are not due, however long the queue behind it.
    assert sorted(due) == ["done 1", "quiet 1"]
    assert sorted(later) == ["done 1", "flood 0", "quiet 1"]
    assert next_due == 1  # "quiet 1" and "done 1", queued at 1


async def test_it_forgets_the_oldest_activity_keys_first_and_no_more_than_asked(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.inbound.first_times([f"19:a|{n}" for n in range(5)], now=100)
        await uow.inbound.first_times(["19:a|older"], now=50)
        await uow.inbound.first_times(["19:a|recent"], now=500)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.inbound.forget_before(200, limit=4) == 4
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        new_again = await uow.inbound.first_times(
            ["19:a|older", *(f"19:a|{n}" for n in range(5)), "19:a|recent"], now=600
        )
    # The oldest went first; the limit left two of the five; the recent one stays.
    assert "19:a|older" in new_again
    assert len(new_again - {"19:a|older"}) == 3
    assert "19:a|recent" not in new_again


async def test_queued_messages_keep_their_order_and_exact_payloads(engine: AsyncEngine) -> None:
    payloads = [
        {"type": "message", "text": 'quotes " and \\ backslashes', "n": 0},
        {"type": "message", "text": "unicode: ünïcödé ✓ 🚀 \u2028", "n": 1},
        {"type": "message", "attachments": [{"content": {"body": [None, 1.5, True]}}], "n": 2},
    ]
    items = [
        (
            bot_message(payload=payload),
            10**12 + n,
        )
        for n, payload in enumerate(payloads)
    ]
    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue_many(items, now=5)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        (head,) = await uow.outbox.due_heads(now=5, limit=10)
        stored = [await uow.outbox.get(head.id + n) for n in range(3)]

    assert [item.payload if item else None for item in stored] == payloads
    assert [item.deadline_at if item else None for item in stored] == [
        10**12,
        10**12 + 1,
        10**12 + 2,
    ]
    assert all(
        item and item.status is DeliveryStatus.QUEUED and item.share_id is None for item in stored
    )


async def test_pruning_deletes_old_finished_messages_shares_cards_too_but_never_an_unsent_one(
    engine: AsyncEngine,
) -> None:
    def message(text: str, share_id: str | None = None) -> NewOutboxItem:
        return bot_message(text, conversation=f"19:{text}@thread.tacv2", share_id=share_id)

    names = ["sent", "failed", "queued", "retrying", "card", "recent", "oldest"]
    async with SqlUnitOfWork(engine) as uow:
        rows = {
            name: await uow.outbox.enqueue(
                message(name, "s1" if name == "card" else None), now=1, deadline_at=10**9
            )
            for name in names
        }
        await uow.outbox.mark_sent(rows["oldest"].id, result_id="m0", now=5)
        await uow.outbox.mark_sent(rows["sent"].id, result_id="m1", now=10)
        await uow.outbox.mark_failed(rows["failed"].id, error="403", now=10)
        await uow.outbox.mark_retrying(
            rows["retrying"].id, next_attempt_at=10**8, error="x", now=10
        )
        await uow.outbox.mark_sent(rows["card"].id, result_id="19:card;messageid=1", now=10)
        await uow.outbox.mark_sent(rows["recent"].id, result_id="m2", now=500)
        await uow.commit()

    async with SqlUnitOfWork(engine) as uow:
        assert await uow.outbox.prune_finished(before=100, limit=1) == 1  # the oldest first
        assert await uow.outbox.get(rows["oldest"].id) is None
        assert await uow.outbox.prune_finished(before=100, limit=100) == 3
        await uow.commit()

    async with SqlUnitOfWork(engine) as uow:
        kept = {name for name in names if await uow.outbox.get(rows[name].id) is not None}
    assert kept == {"queued", "retrying", "recent"}


async def test_a_commit_that_queued_messages_wakes_the_worker_and_no_other_does(
    engine: AsyncEngine,
) -> None:
    wakes: list[str] = []
    uows = SqlUnitOfWorkFactory(engine, on_queued=lambda: wakes.append("wake"))
    item = bot_message()
    async with uows() as uow:
        await uow.outbox.enqueue(item, now=1, deadline_at=100)
        assert wakes == []  # not before it is durable
    assert wakes == []  # rolled back: nothing to send
    async with uows() as uow:
        await uow.inbound.first_times(["19:c|1"], now=1)
        await uow.outbox.enqueue_many([], now=1)
        await uow.commit()
    assert wakes == []  # committed, but queued nothing
    async with uows() as uow:
        await uow.outbox.enqueue_many([(item, 100), (item, 100)], now=2)
        await uow.commit()
    assert wakes == ["wake"]  # once per commit, however many rows


async def test_enqueue_latest_gives_each_waiting_update_its_own_card_and_queues_the_rest(
    engine: AsyncEngine,
) -> None:
    def update(conversation: str, title: str) -> NewOutboxItem:
        return NewOutboxItem(
            kind="codemark_card_update",
            tenant_id="t1",
            service_url="https://smba.trafficmanager.net/amer/t1/",
            conversation_id=conversation,
            operation=Operation.UPDATE,
            payload={"id": conversation[-1], "title": title},
        )

    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue_latest(
            [update("19:w;messageid=1", "v1"), update("19:s;messageid=2", "v1")],
            now=1,
            deadline_at=100,
        )
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:  # a worker takes the second card's update
        (sending,) = [
            i for i in await uow.outbox.due_heads(now=2, limit=10) if "19:s" in i.conversation_id
        ]
        await uow.outbox.claim([sending.id], worker_id="w", now=2, lease_until=10**9)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue_latest(
            [
                update("19:w;messageid=1", "w2"),
                update("19:s;messageid=2", "s2"),
                update("19:n;messageid=3", "n2"),
            ],
            now=3,
            deadline_at=300,
        )
        await uow.commit()
    async with engine.connect() as conn:
        rows = (
            await conn.exec_driver_sql(
                "SELECT conversation_id, status, payload, deadline_at FROM outbox ORDER BY id"
            )
        ).all()
    found = [
        (c, s, (p if isinstance(p, dict) else json.loads(p))["title"], d) for c, s, p, d in rows
    ]
    assert found == [
        ("19:w;messageid=1", "queued", "w2", 300),  # replaced in place: one row, the newest card
        ("19:s;messageid=2", "sending", "v1", 100),  # never changed under the worker
        ("19:s;messageid=2", "queued", "s2", 300),  # queued behind it
        ("19:n;messageid=3", "queued", "n2", 300),
    ]
