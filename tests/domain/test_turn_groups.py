"""Bot turns committed in groups: concurrent turns share transactions, and nothing about a turn's
outcome depends on its neighbours (each is recorded once, durable when its caller resumes, and one
failing turn rolls back only itself)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.services.msteams_turns import DUPLICATE, Turn, TurnGroups
from codestream.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory


class CountingUnitsOfWork(SqlUnitOfWorkFactory):
    """Opens real units of work and counts them (one per transaction)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.opened = 0

    def __call__(self) -> SqlUnitOfWork:
        self.opened += 1
        return super().__call__()


def reply(text: str) -> NewOutboxItem:
    return NewOutboxItem(
        kind="bot_reply",
        tenant_id="t1",
        service_url="https://smba.trafficmanager.net/amer/t1/",
        conversation_id="19:c@thread.tacv2",
        operation=Operation.SEND,
        payload={"type": "message", "text": text},
    )


async def outbox_texts(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql("SELECT payload FROM outbox ORDER BY id")
        payloads = [row[0] for row in rows]
    return [(p if isinstance(p, dict) else json.loads(p))["text"] for p in payloads]


async def stored_keys(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql("SELECT key FROM inbound_activities")
        return {row[0] for row in rows}


def answer_with(text: str) -> Any:
    async def work(turn: Turn) -> str:
        await turn.send(reply(text))
        return text

    return work


@pytest.mark.parametrize("in_flight", [1, 2])
async def test_concurrent_turns_share_transactions_and_each_is_stored_once(
    engine: AsyncEngine, in_flight: int
) -> None:
    units = CountingUnitsOfWork(engine)
    turns = TurnGroups(units, lambda: 1_000, in_flight=in_flight)
    texts = [f"reply {n}" for n in range(60)]

    results = await asyncio.gather(
        *(turns.run(f"19:c|{n}", answer_with(text)) for n, text in enumerate(texts))
    )

    assert results == texts
    assert sorted(await outbox_texts(engine)) == sorted(texts)
    assert await stored_keys(engine) == {f"19:c|{n}" for n in range(60)}
    assert units.opened <= 2 * in_flight, "60 concurrent turns should not need 60 transactions"


async def test_a_turn_alone_commits_at_once(engine: AsyncEngine) -> None:
    turns = TurnGroups(SqlUnitOfWorkFactory(engine), lambda: 1_000)

    assert await turns.run("19:c|1", answer_with("only")) == "only"

    # Durable when the caller resumes: another connection sees it.
    assert await outbox_texts(engine) == ["only"]


async def test_a_repeated_key_is_a_duplicate_within_a_group_and_across_groups(
    engine: AsyncEngine,
) -> None:
    turns = TurnGroups(SqlUnitOfWorkFactory(engine), lambda: 1_000)

    first, again = await asyncio.gather(
        turns.run("19:c|same", answer_with("first")), turns.run("19:c|same", answer_with("again"))
    )
    later = await turns.run("19:c|same", answer_with("later"))

    assert first == "first"
    assert again is DUPLICATE
    assert later is DUPLICATE
    assert await outbox_texts(engine) == ["first"]


async def test_one_failing_turn_rolls_back_only_itself(engine: AsyncEngine) -> None:
    turns = TurnGroups(SqlUnitOfWorkFactory(engine), lambda: 1_000)

    async def fails(turn: Turn) -> str:
        await turn.send(reply("never"))
        raise RuntimeError("bug in a command")

    results = await asyncio.gather(
        turns.run("19:c|a", answer_with("a")),
        turns.run("19:c|bad", fails),
        turns.run("19:c|b", answer_with("b")),
        return_exceptions=True,
    )

    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], RuntimeError)
    assert sorted(await outbox_texts(engine)) == ["a", "b"]
    assert await stored_keys(engine) == {"19:c|a", "19:c|b"}
    # Its key was not kept, so the channel's retry runs it again.
    assert await turns.run("19:c|bad", answer_with("retried")) == "retried"


async def test_turns_see_the_turns_before_them_in_their_group(engine: AsyncEngine) -> None:
    turns = TurnGroups(SqlUnitOfWorkFactory(engine), lambda: 1_000)
    seen: list[bool] = []

    async def writes(turn: Turn) -> None:
        assert await turn.uow.inbound.first_time("marker", turn.now)

    async def reads(turn: Turn) -> None:
        seen.append(not await turn.uow.inbound.first_time("marker", turn.now))

    await asyncio.gather(turns.run("19:c|w", writes), turns.run("19:c|r", reads))

    assert seen == [True]


async def test_a_turn_started_as_soon_as_the_previous_one_returns_is_taken(
    engine: AsyncEngine,
) -> None:
    turns = TurnGroups(SqlUnitOfWorkFactory(engine), lambda: 1_000)

    async def one_after_another() -> list[str]:
        # Each caller starts its next turn the moment the last commit resumes it, before the
        # task that committed has finished: that turn must still find someone to run it.
        return [await turns.run(f"19:c|{n}", answer_with(f"reply {n}")) for n in range(5)]

    # A bound on waiting, so a lost turn fails the test instead of hanging it.
    results = await asyncio.wait_for(one_after_another(), timeout=30)

    assert results == [f"reply {n}" for n in range(5)]
    assert await outbox_texts(engine) == [f"reply {n}" for n in range(5)]
