"""The leases a delivery worker holds on the rows it claimed, renewed while it works on them.

A lease is short (DEFAULT_LEASE_MS) so a crashed worker's rows go to another worker quickly; a
live worker renews every lease it holds every third of a lease, in one UPDATE, however long
Teams takes to answer. A row the renewal no longer finds ours (the worker stalled, or lost its
database, for longer than a lease, and another worker claimed it) is lost: its call is cancelled
and the worker records nothing for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from codestream.delivery.ports import DeliveryUnitOfWorkFactory
from codestream.domain.clock import Clock

log = logging.getLogger("codestream.delivery")

DEFAULT_LEASE_MS = 15_000
"""How long a claimed row is a worker's without renewal: how long a crashed worker's
conversation waits before another worker resumes it."""
RENEWALS_PER_LEASE = 3
"""A held lease is renewed every third of its length, so two renewals may fail before it ends."""

T = TypeVar("T")


class LeaseLost(Exception):
    """Another worker holds the row now: this worker must not record an outcome for it."""


@dataclass
class _Lease:
    call: asyncio.Future[Any] | None = None
    lost: bool = False


class Leases:
    """The rows one worker holds, and the renewal of their leases."""

    def __init__(
        self, uow_factory: DeliveryUnitOfWorkFactory, worker_id: str, lease_ms: int, clock: Clock
    ) -> None:
        self._uow = uow_factory
        self._worker_id = worker_id
        self.lease_ms = lease_ms
        self._clock = clock
        self._held: dict[int, _Lease] = {}

    @contextlib.asynccontextmanager
    async def holding(self, item_ids: Sequence[int]) -> AsyncIterator[None]:
        """Keep renewing these rows' leases while the block runs (the rows just claimed)."""
        for item_id in item_ids:
            self._held[item_id] = _Lease()
        keeper = asyncio.create_task(self._keep(), name=f"leases-{self._worker_id}")
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            for item_id in item_ids:
                self._held.pop(item_id, None)

    async def call(self, item_id: int, make_call: Callable[[], Awaitable[T]]) -> T:
        """Run the row's connector call; LeaseLost if the lease is (or gets) lost first."""
        lease = self._held.setdefault(item_id, _Lease())
        if lease.lost:
            raise LeaseLost
        call = asyncio.ensure_future(make_call())
        lease.call = call
        try:
            return await call
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if lease.lost and not (task is not None and task.cancelling()):
                raise LeaseLost from None
            raise
        finally:  # the outcome is committed right after, within the lease
            self._held.pop(item_id, None)

    async def _keep(self) -> None:
        every = self.lease_ms / RENEWALS_PER_LEASE / 1000
        while True:
            await asyncio.sleep(every)
            held = [item_id for item_id, lease in self._held.items() if not lease.lost]
            if held:
                await self._renew(held)

    async def _renew(self, held: list[int]) -> None:
        now = self._clock()
        try:
            async with self._uow() as uow:
                kept = set(
                    await uow.outbox.renew(
                        held, worker_id=self._worker_id, now=now, lease_until=now + self.lease_ms
                    )
                )
                await uow.commit()
        except Exception:  # the database is away: outcomes are still written conditionally
            log.exception("delivery worker %s: renewing leases failed", self._worker_id)
            return
        for item_id in held:
            lease = self._held.get(item_id)
            if item_id not in kept and lease is not None and not lease.lost:
                lease.lost = True
                if lease.call is not None:
                    lease.call.cancel()
