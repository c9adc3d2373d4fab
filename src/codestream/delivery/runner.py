"""Run a delivery worker as a background task of a server (start in the lifespan, stop on exit)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from codestream.delivery.notifying import Notifier
from codestream.delivery.worker import DeliveryWorker

log = logging.getLogger("codestream.delivery")


class BackgroundWorker:
    """Owns the task running `worker.run_forever` (and the `notifier`'s, if any) and the event
    that stops them."""

    def __init__(
        self, worker: DeliveryWorker, *, idle_sleep: float = 1.0, notifier: Notifier | None = None
    ) -> None:
        self.worker = worker
        self.notifier = notifier
        self._idle_sleep = idle_sleep
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._notifier_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start delivering in this event loop."""
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(
                self.worker.run_forever(self._stop, idle_sleep=self._idle_sleep),
                name=f"delivery-worker-{self.worker.worker_id}",
            )
            if self.notifier is not None:
                self._notifier_task = asyncio.create_task(
                    self.notifier.run_forever(self._stop), name="notifier"
                )

    async def stop(self, grace: float = 25.0) -> None:
        """Let sends in flight finish (up to `grace` seconds), release claimed rows, stop."""
        task, self._task = self._task, None
        notifier, self._notifier_task = self._notifier_task, None
        if task is None:
            return
        self._stop.set()
        if notifier is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await notifier
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            log.warning("delivery worker did not stop within %.0f s; cancelling", grace)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
