"""Bot turns, committed in groups.

Every activity is one *turn*: its key (so a re-sent activity does nothing), the state it changes
and the replies it queues commit in one transaction. The commit is a turn's expensive part (a WAL
fsync on SQLite; a round trip and an fsync on PostgreSQL), so turns that arrive while a
transaction commits wait and commit together in the next one (group commit). Each caller returns
only after the transaction holding its turn committed: an acknowledged activity is exactly as
durable as with one transaction per turn, and a turn that arrives alone waits for nobody.

The turns of a group run one after another on one connection, each seeing the ones before it.
If any of them raises, or the commit fails, the whole group rolls back and each turn runs again
alone, so one bad activity costs its neighbours a retry, never their effects; only its own caller
sees its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from codestream.domain.clock import Clock
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.ports import UnitOfWork, UnitOfWorkFactory
from codestream.observability.context import (
    current_request_id,
    reset_request_id,
    set_request_id,
)

R = TypeVar("R")

BOT_REPLY = "bot_reply"
"""The outbox kind of the bot's own messages: answers, welcomes, confirmations."""
REPLY_TTL_MS = 60 * 60 * 1000
"""How long the outbox keeps trying to deliver a bot message."""
MAX_GROUP = 128
"""Turns per transaction at most; bounds one transaction's size and one group's wait."""


@dataclass(frozen=True)
class Duplicate:
    """The answer of a turn whose activity some process handled already; `answer` is what
    that turn kept with `Turn.keep_answer` (an invoke's answer), if anything."""

    answer: dict[str, Any] | None = None


DUPLICATE = Duplicate()


@dataclass
class Turn:
    """One turn's unit of work and time; `send` queues a message in it."""

    uow: UnitOfWork
    now: int
    queued: list[tuple[NewOutboxItem, int]] = field(default_factory=list)
    answer: dict[str, Any] | None = None

    def keep_answer(self, answer: dict[str, Any]) -> None:
        """Keep the answer this turn gives (an invoke's; JSON) with its key, committed with it:
        a re-sent activity gets it back as `Duplicate.answer`, whichever server it reaches."""
        self.answer = answer

    async def send(self, item: NewOutboxItem, *, ttl_ms: int = REPLY_TTL_MS) -> None:
        """Queue a message; it is stored with the turn and sent once (and only if) it commits."""
        self.queued.append((item, self.now + ttl_ms))

    async def send_to_personal_chat(
        self, tenant_id: str, teams_user_id: str, payload: dict[str, Any]
    ) -> bool:
        """Queue `payload` in the Teams user's personal chat with the bot; False (nothing
        queued) when they have none or the bot is no longer installed there."""
        chat = await self.uow.msteams.find_personal_chat(tenant_id, teams_user_id)
        if chat is None or not chat.bot_installed:
            return False
        await self.send(
            NewOutboxItem(
                kind=BOT_REPLY,
                tenant_id=chat.tenant_id,
                service_url=chat.service_url,
                conversation_id=chat.id,
                operation=Operation.SEND,
                payload=payload,
            )
        )
        return True


Work = Callable[[Turn], Awaitable[Any]]


@dataclass
class _Waiting(Generic[R]):
    key: str | None
    work: Callable[[Turn], Awaitable[R]]
    done: asyncio.Future[R | Duplicate]
    request_id: str | None = field(default_factory=current_request_id)
    """The caller's request: its turn runs (and logs, and queues rows) under it."""


class TurnGroups:
    """Runs turns in group-committed transactions on one event loop (see the module doc).

    `in_flight` is how many transactions may be open at once: 1 where writers queue for one
    lock anyway (SQLite), more where the database works while we wait for it (PostgreSQL).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        in_flight: int = 1,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._in_flight = in_flight
        self._max_group = max_group
        self._waiting: list[_Waiting[Any]] = []
        self._drainers: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, key: str | None, work: Callable[[Turn], Awaitable[R]]) -> R | Duplicate:
        """Run `work` as a turn that also records `key`; DUPLICATE if the key was recorded before.

        Nothing is stored when `work` raises, the key included, so a retry runs it again.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # anything left belongs to a loop that is gone
            self._loop, self._waiting, self._drainers = loop, [], set()
        done: asyncio.Future[R | Duplicate] = loop.create_future()
        self._waiting.append(_Waiting(key, work, done))
        if len(self._drainers) < self._in_flight:
            self._drainers.add(loop.create_task(self._drain()))
        return await done

    async def _drain(self) -> None:
        group: list[_Waiting[Any]] = []
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                await self._commit(group)
        except asyncio.CancelledError:
            # The loop is shutting down: nobody may wait forever.
            for waiting in [*group, *self._waiting]:
                waiting.done.cancel()
            self._waiting = []
            raise
        finally:
            # Leave the count of drainers in the same step that saw nothing waiting: a done
            # callback would run a step later, and a turn arriving in between (its caller
            # resumed by the last commit) would find no drainer to take it.
            current = asyncio.current_task()
            if current is not None:
                self._drainers.discard(current)

    async def _commit(self, group: list[_Waiting[Any]]) -> None:
        group = [waiting for waiting in group if not waiting.done.done()]  # callers gone
        if not group:
            return
        try:
            results = await self._together(group)
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0], error=exc)
                return
            for waiting in group:
                try:
                    (result,) = await self._together([waiting])
                except Exception as alone_exc:
                    _settle(waiting, error=alone_exc)
                else:
                    _settle(waiting, result=result)
            return
        for waiting, result in zip(group, results, strict=True):
            _settle(waiting, result=result)

    async def _together(self, group: list[_Waiting[Any]]) -> list[Any]:
        now = self._clock()
        keys = [waiting.key for waiting in group if waiting.key is not None]
        async with self._uow() as uow:
            new = await uow.inbound.first_times(keys, now) if keys else set()
            # A repeat's answer as its first turn kept it. On PostgreSQL the insert above waited
            # for a first turn still committing elsewhere, so its answer is visible here.
            repeats = [key for key in keys if key not in new]
            kept = await uow.inbound.answers(repeats) if repeats else {}
            results: list[Any] = []
            queued: list[tuple[NewOutboxItem, int]] = []
            answers: dict[str, dict[str, Any]] = {}
            for waiting in group:
                if waiting.key is not None:
                    if waiting.key not in new:
                        answer = kept.get(waiting.key, answers.get(waiting.key))
                        results.append(DUPLICATE if answer is None else Duplicate(answer))
                        continue
                    new.discard(waiting.key)  # the same key twice in one group: once
                turn = Turn(uow, now)
                token = set_request_id(waiting.request_id)
                try:
                    results.append(await waiting.work(turn))
                finally:
                    reset_request_id(token)
                queued.extend(
                    (replace(item, request_id=waiting.request_id), deadline)
                    if item.request_id is None
                    else (item, deadline)
                    for item, deadline in turn.queued
                )
                if waiting.key is not None and turn.answer is not None:
                    answers[waiting.key] = turn.answer
            if queued:
                await uow.outbox.enqueue_many(queued, now=now)
            await uow.inbound.keep_answers(answers, now)
            await uow.commit()
        return results


def _settle(waiting: _Waiting[Any], *, result: Any = None, error: Exception | None = None) -> None:
    if waiting.done.done():
        return
    if error is not None:
        waiting.done.set_exception(error)
    else:
        waiting.done.set_result(result)
