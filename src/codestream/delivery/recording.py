"""Recording sent rows: the answers to calls made together share one transaction.

A worker sends the rows it claimed concurrently (a codemark's 20 cards are 20 update calls at
once); recording each answer in its own transaction cost 20 commits, run on the same event loop
as the calls still in flight. `SentRecorder.record` instead waits for one transaction that
records every answer that arrived by the time it starts (group commit), and that transaction
waits for the calls still in flight (at most GATHER_S), so they are neither slowed down by it
nor recorded apart. A row counts as sent only once that transaction committed, as before; the
calls are logged at the group's latest answer (pacing reads the log).

If a shared transaction fails (the `on_sent` hook of one row raising, say), each row of it is
recorded again in a transaction of its own, so one bad row does not hold the others back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from codestream.delivery.ports import DeliveryUnitOfWork, DeliveryUnitOfWorkFactory
from codestream.domain.clock import Clock
from codestream.domain.outbox import Operation, OutboxItem
from codestream.domain.ports import UnitOfWork

log = logging.getLogger("codestream.delivery")

GATHER_S = 0.02
"""How long recording waits at most for the calls still in flight to answer."""

SentHook = Callable[[UnitOfWork, OutboxItem, Any], Awaitable[None]]
"""Called in the transaction that marks a row sent, with the connector's answer."""


@dataclass(frozen=True)
class _Answer:
    item: OutboxItem
    send_ids: tuple[int, ...]
    result: Any
    answered_at: int
    recorded: asyncio.Future[None]


async def finished(uow: UnitOfWork, item: OutboxItem) -> None:
    """A row's delivery is over: a share's card leaves its outcome (and thread) on the share,
    which reports it once the row is pruned."""
    if item.share_id is not None:
        await uow.shares.record_delivery(item)


class SentRecorder:
    """Marks rows sent for one worker, answers arriving together in one transaction."""

    def __init__(
        self,
        uow_factory: DeliveryUnitOfWorkFactory,
        worker_id: str,
        clock: Clock,
        on_sent: SentHook | None,
    ) -> None:
        self._uow = uow_factory
        self._worker_id = worker_id
        self._clock = clock
        self._on_sent = on_sent
        self._waiting: list[_Answer] = []
        self._writer: asyncio.Task[None] | None = None
        self._calls = 0
        self._no_calls = asyncio.Event()
        self._no_calls.set()

    @contextlib.asynccontextmanager
    async def calling(self) -> AsyncIterator[None]:
        """Around a call to Teams: recording waits for the calls in flight (at most
        GATHER_S), so they are not slowed down by it and are recorded together."""
        self._calls += 1
        self._no_calls.clear()
        try:
            yield
        finally:
            self._calls -= 1
            if self._calls == 0:
                self._no_calls.set()

    async def record(self, item: OutboxItem, send_ids: Sequence[int], result: Any) -> None:
        """Mark `item` sent (the connector answered `result`); returns once committed, raises
        what recording it alone raised."""
        recorded = asyncio.get_running_loop().create_future()
        answer = _Answer(item, tuple(send_ids), result, self._clock(), recorded)
        self._waiting.append(answer)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await recorded

    async def _write(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._no_calls.wait(), GATHER_S)
        while self._waiting:
            answers, self._waiting = self._waiting, []
            try:
                await self._commit(answers)
            except Exception as exc:
                if len(answers) == 1:
                    _settle(answers[0], exc)
                    continue
                log.exception("recording %d sent rows together failed; one by one", len(answers))
                for answer in answers:
                    await self._alone(answer)
            else:
                for answer in answers:
                    _settle(answer, None)

    async def _alone(self, answer: _Answer) -> None:
        try:
            await self._commit([answer])
        except Exception as exc:
            _settle(answer, exc)
        else:
            _settle(answer, None)

    async def _commit(self, answers: Sequence[_Answer]) -> None:
        # The calls are logged at the latest answer of the group, not at the commit: a commit
        # that waited for the database must not lengthen the pacing windows (`pacing.py`).
        now = max(answer.answered_at for answer in answers)
        async with self._uow() as uow:
            await uow.sends.touch_sends([i for answer in answers for i in answer.send_ids], at=now)
            await self._mark(uow, answers, now)
            await uow.commit()

    async def _mark(self, uow: DeliveryUnitOfWork, answers: Sequence[_Answer], now: int) -> None:
        """Mark the rows sent in one statement, then each sent row's share and hook."""
        by_id = {answer.item.id: answer for answer in answers}
        sent = await uow.outbox.mark_many_sent(
            {item_id: _result_id(answer) for item_id, answer in by_id.items()},
            now=now,
            worker_id=self._worker_id,
        )
        for row in sent:
            await finished(uow, row)
            if self._on_sent is not None:
                answer = by_id[row.id]
                await self._on_sent(uow, answer.item, answer.result)


def _settle(answer: _Answer, error: Exception | None) -> None:
    """Tell the caller of `record` how its row's recording went, unless it stopped waiting
    (its task was cancelled): the rest of the group is told all the same."""
    if answer.recorded.done():
        return
    if error is None:
        answer.recorded.set_result(None)
    else:
        answer.recorded.set_exception(error)


def _result_id(answer: _Answer) -> str | None:
    """What Teams calls the message a row made: the connector's answer's id (an update keeps
    the id it was sent to)."""
    if isinstance(answer.result, dict) and answer.result.get("id") is not None:
        return str(answer.result["id"])
    if answer.item.operation is Operation.UPDATE:
        return str(answer.item.payload["id"])
    return None
