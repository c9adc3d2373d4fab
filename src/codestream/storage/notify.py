"""PostgreSQL LISTEN/NOTIFY: a commit that queues outbox rows wakes the delivery workers of every
process at once, instead of at their next poll.

A unit of work that queued rows sends `NOTIFY codestream_outbox` with its COMMIT (one round
trip; PostgreSQL delivers it only if the commit succeeds). `OutboxNotifications` keeps one
connection of its own LISTENing and wakes its worker on each notification. Notifications are a
hint, never the only way: a listener that lost its connection hears nothing until it is back, so
the worker keeps its poll (`idle_sleep`), and the listener wakes it once after every (re)connect
to pick up what was queued while it was deaf. SQLite has no notifications: workers in other
processes poll, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from codestream.storage.engine import asyncpg_connector

log = logging.getLogger("codestream.delivery")

OUTBOX_CHANNEL = "codestream_outbox"
"""The channel a commit that queued outbox rows notifies."""
CHECK_EVERY_S = 10.0
"""How often an idle listening connection is checked (a dead peer sends no notice)."""
RECONNECT_AFTER_S = 2.0
"""How long a listener waits before it reconnects after losing its connection."""


class OutboxNotifications:
    """Wakes a delivery worker whenever any process commits outbox rows (OutboxWakeups on
    PostgreSQL); `run` listens until it is cancelled, reconnecting when its connection drops."""

    def __init__(
        self,
        database_url: str,
        *,
        check_every: float = CHECK_EVERY_S,
        reconnect_after: float = RECONNECT_AFTER_S,
    ) -> None:
        self._connect = asyncpg_connector(database_url)
        self._check_every = check_every
        self._reconnect_after = reconnect_after

    async def run(self, wake: Callable[[], None]) -> None:
        """Call `wake` on every notification, and after every (re)connect."""
        while True:
            try:
                await self._listen(wake)
            except Exception as exc:  # the database is away: the worker polls meanwhile
                log.warning(
                    "outbox notifications lost (%s); polling until the database is back",
                    type(exc).__name__,
                )
            await asyncio.sleep(self._reconnect_after)

    async def _listen(self, wake: Callable[[], None]) -> None:
        conn = await self._connect()
        lost = asyncio.Event()

        def notified(*_: Any) -> None:
            wake()

        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(OUTBOX_CHANNEL, notified)
            wake()  # rows queued while nobody listened
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self._check_every)
                if not lost.is_set():
                    await asyncio.wait_for(conn.execute("SELECT 1"), self._check_every)
            raise ConnectionError("the listening connection closed")
        finally:
            try:
                await asyncio.wait_for(conn.close(), 2.0)
            except asyncio.CancelledError:
                conn.terminate()
                raise
            except Exception:  # a dead connection does not close politely
                conn.terminate()
