"""The delivery worker: claims due outbox rows, paces them to Teams' limits, sends, records.

How a row travels::

    queued ──claim──▶ sending ──2xx──▶ sent
       ▲                 │ 412/429/502/503/504, network, token endpoint down
       │                 ▼
       └──(due)──── retrying ──deadline passed──▶ failed
                    403/404, 400, 413, 500 ─────▶ failed (403/404 disconnect the channel;
                                                  404 on an update: the message is gone)

Claiming is one transaction: read the due heads of their conversations (PostgreSQL: FOR UPDATE
SKIP LOCKED), take the claim lock of each of their organizations that no other worker holds
(PostgreSQL advisory locks tried without waiting; SQLite's BEGIN IMMEDIATE), read the shared send
log, claim what the windows allow with a conditional UPDATE and a lease,
log those calls, and postpone the rest. Several worker processes, on several machines, never
hold one row at once.

Leases are short and renewed while a worker holds its rows (`leases.py`): a crashed worker's
rows go to another worker within one lease, and a worker that lost a lease records nothing.

Recording: answers that arrive together are marked sent in one transaction (`recording.py`);
failures and retries are recorded one by one.

Order: only the first unsent row of a conversation is ever claimable, so messages reach each
channel, thread or chat in the order they were enqueued, across retries and workers.

Durability and duplicates: a row is sent only after its claim committed, and marked sent only
after the connector accepted it. The window for a duplicate is the whole call to Teams plus the
`sent` commit: a worker that dies (or loses its database, or its lease) anywhere in it may have
delivered the message without recording it, and the next holder sends it again. Nothing is ever
lost: a row leaves the outbox only as sent or failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from codestream.delivery.failure_log import FailureLog
from codestream.delivery.leases import DEFAULT_LEASE_MS, LeaseLost, Leases
from codestream.delivery.pacing import (
    HORIZON_MS,
    SHORT_HORIZON_MS,
    HourlyCounts,
    Limits,
    PacingPlan,
    channel_of,
    pace_keys,
)
from codestream.delivery.ports import (
    DeliveryUnitOfWork,
    DeliveryUnitOfWorkFactory,
    OutboxWakeups,
)
from codestream.delivery.pruning import PRUNE_EVERY_MS, prune
from codestream.delivery.recording import SentHook, SentRecorder, finished
from codestream.delivery.retry import RetryPolicy, after_error
from codestream.domain.clock import Clock, system_clock
from codestream.domain.outbox import Operation, OutboxItem
from codestream.domain.ports import UnitOfWork
from codestream.observability import metrics
from codestream.observability.context import reset_request_id, set_request_id
from codestream.teams.connector import (
    ConnectorClient,
    ConnectorError,
    TenantNotAllowed,
)

log = logging.getLogger("codestream.delivery")

CLAIM_AHEAD_MS = 100
"""With the system clock, a worker claims the first attempts whose pacing time comes within
this, and sends each at its time (a retry is claimed when its time has come): a look's claiming
work is done before the windows open, not after, and a look takes the next 100 ms of rows
instead of those due this instant."""

WAKE_GATHER_S = 0.02
"""After a wake, the least time since the worker's last look at the outbox: a flood of commits,
each waking it, costs one look per 20 ms instead of one per commit; a lone share waits for none."""

FailedHook = Callable[[UnitOfWork, OutboxItem, str, int | None], Awaitable[None]]
"""Called in the transaction that marks a row failed, with the reason and Teams' HTTP status
(None: no answer, or refused before the call)."""


@dataclass
class WorkerStats:
    """What this worker did since it started."""

    looks: int = 0
    """Claiming transactions: how often the worker looked at the outbox."""
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    throttled: int = 0
    postponed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lost_leases: int = 0
    """Rows another worker took over while this one held them (their outcome not recorded)."""
    tenants_busy: int = 0
    """Tenants with due rows left to another worker claiming for them at the same moment."""


@dataclass(frozen=True)
class _Claimed:
    item: OutboxItem
    send_ids: tuple[int, ...]
    send_at: int
    """When pacing lets the call go (the claim's time, or a moment within CLAIM_AHEAD_MS)."""


class DeliveryWorker:
    """Sends the outbox to Teams. Run `run_forever` in a task, or call `run_once` in tests."""

    def __init__(
        self,
        uow_factory: DeliveryUnitOfWorkFactory,
        connector: ConnectorClient,
        *,
        worker_id: str,
        clock: Clock = system_clock,
        lease_ms: int = DEFAULT_LEASE_MS,
        limits: Limits | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        concurrency: int = 64,
        on_sent: SentHook | None = None,
        on_failed: FailedHook | None = None,
        allowed_tenants: frozenset[str] | None = None,
        wakeups: OutboxWakeups | None = None,
        claim_ahead_ms: int | None = None,
    ) -> None:
        """`claim_ahead_ms`: CLAIM_AHEAD_MS with the system clock, else 0 (a call planned ahead
        waits for its time in real time, which a test's manual clock does not follow)."""
        self._uow = uow_factory
        self._wakeups = wakeups
        if claim_ahead_ms is None:
            claim_ahead_ms = CLAIM_AHEAD_MS if clock is system_clock else 0
        self._ahead_ms = claim_ahead_ms
        self._connector = connector
        self.worker_id = worker_id
        self._clock = clock
        self._limits = limits or Limits()
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._concurrency = asyncio.Semaphore(concurrency)
        self._on_failed = on_failed
        self._allowed_tenants = allowed_tenants
        self._wake = asyncio.Event()
        self._pruned_at = 0
        self._left_to_others = False
        """Whether the last claim left due rows to other workers claiming for their tenants."""
        self._hourly = HourlyCounts(self._limits)
        self._leases = Leases(uow_factory, worker_id, lease_ms, clock)
        self._recorder = SentRecorder(uow_factory, worker_id, clock, on_sent)
        self.stats = WorkerStats()
        self._failures = FailureLog()

    def wake(self) -> None:
        """Something was enqueued: look at the outbox now instead of after the idle sleep."""
        self._wake.set()

    async def run_once(self, limit: int = 50) -> int:
        """Claim up to `limit` due rows that pacing allows, send them, record the outcomes.

        Returns how many rows were claimed (and attempted).
        """
        claimed = await self._claim(limit)
        if not claimed:
            return 0
        by_conversation: dict[str, list[_Claimed]] = {}
        for entry in claimed:
            by_conversation.setdefault(entry.item.conversation_id, []).append(entry)
        async with self._leases.holding([entry.item.id for entry in claimed]):
            await asyncio.gather(
                *(self._send_in_order(group) for group in by_conversation.values())
            )
        return len(claimed)

    async def run_forever(
        self, stop: asyncio.Event, idle_sleep: float = 1.0, *, limit: int = 50
    ) -> None:
        """Deliver until `stop` is set; then finish the sends in flight and release the rest.

        Between batches it sleeps until the soonest due row (at most `idle_sleep` seconds), or
        until `wake()` is called (but no sooner than WAKE_GATHER_S after its last look): by a
        commit in this process, or through `wakeups` by one in another.
        """
        loop = asyncio.get_running_loop()
        listening = (
            asyncio.create_task(self._wakeups.run(self.wake), name=f"wakeups-{self.worker_id}")
            if self._wakeups is not None
            else None
        )
        try:
            while not stop.is_set():
                self._wake.clear()  # a wake() from here on is seen by the sleep below
                looked_at = loop.time()
                try:
                    if await self.run_once(limit):
                        continue
                    if self._left_to_others:  # due rows, whose claims end within milliseconds
                        delay = WAKE_GATHER_S
                    else:
                        delay = await self._idle_delay(idle_sleep)
                except Exception:  # the database may be away for a while: keep trying
                    log.exception("delivery worker %s: claiming failed", self.worker_id)
                    delay = idle_sleep
                if delay > 0:
                    await self._sleep(stop, delay)
                    gather = looked_at + WAKE_GATHER_S - loop.time()
                    if self._wake.is_set() and gather > 0:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), gather)
        finally:
            if listening is not None:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening
            await asyncio.shield(self.release())

    async def release(self) -> int:
        """Give back every row this worker still holds as sending."""
        try:
            async with self._uow() as uow:
                released = await uow.outbox.release(self.worker_id, now=self._clock())
                await uow.commit()
        except Exception:
            log.exception("delivery worker %s: release failed (leases will expire)", self.worker_id)
            return 0
        if released:
            log.info("delivery worker %s released %d rows", self.worker_id, released)
        return released

    async def _idle_delay(self, idle_sleep: float) -> float:
        async with self._uow() as uow:  # a first attempt counts from when it may be claimed
            due = await uow.outbox.next_due_at(ahead_ms=self._ahead_ms)
        if due is None:
            return idle_sleep
        return min(idle_sleep, max(0.0, (due - self._clock()) / 1000))

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            for waiter in waiters:
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter

    async def _claim(self, limit: int) -> list[_Claimed]:
        """One claiming transaction: the due heads of the tenants no other worker is claiming
        for, paced by the send log (their tenants' claim locks held), claimed and logged."""
        self.stats.looks += 1
        self._left_to_others = False
        now = self._clock()
        async with self._uow() as uow:
            repo = uow.outbox
            heads = await repo.due_heads(now=now, limit=limit, ahead_ms=self._ahead_ms)
            if heads:
                ours = await repo.lock_tenants(sorted({head.tenant_id for head in heads}))
                busy = len({head.tenant_id for head in heads} - ours)
                self.stats.tenants_busy += busy
                self._left_to_others = busy > 0
                heads = [head for head in heads if head.tenant_id in ours]
            if not heads:
                await self._maybe_prune(uow, now)
                await uow.commit()
                return []
            keys_of = {h.id: pace_keys(h.operation, h.conversation_id, h.tenant_id) for h in heads}
            plan = await self._pacing_plan(uow, keys_of, now, limit)
            send_at: dict[int, int] = {}
            postponed: dict[int, list[int]] = {}
            for head in heads:
                keys_for = keys_of[head.id]
                # Not before its own time: a retry's backoff, or a moment claimed ahead.
                at = plan.earliest(keys_for, max(now, head.next_attempt_at))
                if at <= now + self._ahead_ms:
                    plan.take(keys_for, at)
                    send_at[head.id] = at
                else:
                    postponed.setdefault(at, []).append(head.id)
            items = await repo.claim(
                list(send_at),
                worker_id=self.worker_id,
                now=now,
                lease_until=now + self._leases.lease_ms,
                ahead_ms=self._ahead_ms,
            )
            sends = [(key, send_at[item.id]) for item in items for key in keys_of[item.id]]
            send_ids = await uow.sends.record_sends(sends)
            ends = list(accumulate(len(keys_of[item.id]) for item in items))
            for until, ids in postponed.items():
                await repo.postpone(ids, until=until, now=now)
            await self._maybe_prune(uow, now)
            await uow.commit()
        self.stats.claimed += len(items)
        self.stats.postponed += sum(len(ids) for ids in postponed.values())
        metrics.rows_claimed(len(items), sum(len(ids) for ids in postponed.values()))
        return [
            _Claimed(item, tuple(send_ids[end - len(keys_of[item.id]) : end]), send_at[item.id])
            for item, end in zip(items, ends, strict=True)
        ]

    async def _pacing_plan(
        self, uow: DeliveryUnitOfWork, keys_of: dict[int, tuple[str, ...]], now: int, limit: int
    ) -> PacingPlan:
        """The send log of the heads' pace keys, each read back as far as its windows reach
        (one query); the hour's window only for conversations near its limit, whose hourly
        counts are read again only when they might be (`HourlyCounts`)."""
        sends = uow.sends
        tenant_horizon = now - max(length for length, _ in self._limits.tenant)
        card_horizon = now - max(length for length, _ in self._limits.card)
        horizons: dict[str, int] = {}
        conversation_keys: set[str] = set()
        for keys in keys_of.values():
            conversation_keys.add(keys[0])
            horizons[keys[0]] = now - SHORT_HORIZON_MS
            horizons[keys[1]] = tenant_horizon
            for card in keys[2:]:
                horizons[card] = card_horizon
        times = await sends.send_times(horizons)
        to_count = self._hourly.to_read(sorted(conversation_keys), now, headroom=limit)
        hourly = await sends.send_counts(to_count, since=now - HORIZON_MS) if to_count else {}
        self._hourly.remember(hourly, now)
        hour_limit = self._limits.conversation[-1][1]
        full = [k for k, n in hourly.items() if n >= hour_limit - limit]
        if full:
            times.update(await sends.send_times(dict.fromkeys(full, now - HORIZON_MS)))
        return PacingPlan(self._limits, times)

    async def _maybe_prune(self, uow: DeliveryUnitOfWork, now: int) -> None:
        """Once a minute, in the claim's unit of work (`pruning.py`)."""
        if now - self._pruned_at >= PRUNE_EVERY_MS:
            self._pruned_at = now
            await prune(uow, now)

    async def _send_in_order(self, group: Sequence[_Claimed]) -> None:
        for entry in group:
            wait_ms = entry.send_at - self._clock()
            if wait_ms > 0:  # claimed ahead: its windows open then (once: a test's clock stands)
                await asyncio.sleep(wait_ms / 1000)
            async with self._concurrency:
                token = set_request_id(entry.item.request_id)  # its log lines name its request
                try:
                    await self._deliver(entry)
                finally:
                    reset_request_id(token)

    async def _deliver(self, entry: _Claimed) -> None:
        item = entry.item
        try:
            async with self._recorder.calling():
                result = await self._leases.call(item.id, lambda: self._call(item))
        except LeaseLost:
            self.stats.lost_leases += 1
            metrics.lease_lost()
            log.warning(
                "outbox row %d: another worker took it over (lease lost); not recorded here",
                item.id,
            )
        except ConnectorError as exc:
            await self._after_error(entry, exc)
        except Exception as exc:  # a bug or a bad payload: retry (bounded by the deadline)
            log.exception("delivery of outbox row %d raised", item.id)
            await self._after_error(
                entry, ConnectorError(f"{type(exc).__name__}: {exc}"[:300], retriable=True)
            )
        else:
            await self._after_success(entry, result)

    async def _call(self, item: OutboxItem) -> Any:
        connector = self._connector
        if (
            self._allowed_tenants is not None
            and item.tenant_id.lower() not in self._allowed_tenants
        ):
            raise TenantNotAllowed(f"tenant {item.tenant_id!r:.60} is not in allowedTenants")
        if item.operation is Operation.CREATE_CONVERSATION:
            activity = item.payload
            if "isGroup" in activity:  # queued by an older version: the whole connector body
                activity = activity["activity"]
            return await connector.create_conversation(
                item.service_url,
                channel_id=item.conversation_id,
                tenant_id=item.tenant_id,
                activity=activity,
            )
        if item.operation is Operation.SEND:
            return await connector.send_to_conversation(
                item.service_url, item.conversation_id, item.payload
            )
        if item.operation is Operation.UPDATE:
            return await connector.update_activity(
                item.service_url, item.conversation_id, str(item.payload["id"]), item.payload
            )
        raise ConnectorError(f"unknown operation {item.operation!r}")  # pragma: no cover

    async def _after_success(self, entry: _Claimed, result: Any) -> None:
        await self._recorder.record(entry.item, entry.send_ids, result)
        self.stats.sent += 1
        self._failures.sent()

    async def _after_error(self, entry: _Claimed, exc: ConnectorError) -> None:
        item = entry.item
        now = self._clock()
        kind = str(exc.status) if exc.status is not None else (exc.code or "network")
        self.stats.errors[kind] = self.stats.errors.get(kind, 0) + 1
        if exc.status == 429:
            self.stats.throttled += 1
        step = after_error(item, exc, now, self._retry, self._rng)
        retry_at, reason, disconnect = step.retry_at, step.reason, step.disconnect
        async with self._uow() as uow:
            await uow.sends.touch_sends(entry.send_ids, at=now)
            if retry_at is not None:
                await uow.outbox.mark_retrying(
                    item.id,
                    next_attempt_at=retry_at,
                    error=reason,
                    now=now,
                    worker_id=self.worker_id,
                )
            else:
                failed = await uow.outbox.mark_failed(
                    item.id, error=reason, now=now, worker_id=self.worker_id
                )
                if failed is not None:  # None: another worker holds it now, or it was done
                    await finished(uow, failed)
                    if disconnect:
                        await uow.msteams.disconnect_channels(
                            now=now, channel_id=channel_of(item.conversation_id)
                        )
                    if self._on_failed is not None:
                        await self._on_failed(uow, item, reason, exc.status)
            await uow.commit()
        if retry_at is not None:
            self.stats.retried += 1
        else:
            self.stats.failed += 1
        self._failures.attempt_failed(item, exc, reason, retry_at, now)
