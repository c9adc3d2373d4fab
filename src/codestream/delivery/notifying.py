"""The notifier: every second, turns the personal notifications that are due into outbox rows.

It runs beside the delivery worker (in the server's process, and in each `codestream worker`).
Each round is one unit of work that calls `Notifications.flush`, which takes the flush lock
(`NotificationRepository.lock_flush`), so several notifiers never bundle the same events; the
rows it queues wake the delivery worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from codestream.domain.clock import Clock, system_clock
from codestream.domain.ports import UnitOfWorkFactory
from codestream.domain.services.notifications import Notifications

log = logging.getLogger("codestream.delivery")

EVERY_S = 1.0
"""How often the notifier looks for due notifications."""


class Notifier:
    """Flushes due notifications; `run_forever` in a task, or `run_once` in tests."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        notifications: Notifications,
        *,
        clock: Clock = system_clock,
        every_s: float = EVERY_S,
    ) -> None:
        self._units = units
        self._notifications = notifications
        self._clock = clock
        self.every_s = every_s
        self.queued = 0

    async def run_once(self) -> int:
        """Queue every message that is due now, a batch of people a transaction; how many."""
        total, full = 0, True
        while full:
            async with self._units() as uow:
                queued, full = await self._notifications.flush_batch(uow, self._clock())
                await uow.commit()
            total += queued
        self.queued += total
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Flush every `every_s` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # the database may be away for a while: keep trying
                log.exception("notifier: flushing failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every_s)
