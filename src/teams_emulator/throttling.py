"""Teams' documented rate limits for bots, as sliding windows over an injectable clock.

Source: Microsoft Teams docs, "Rate limiting for agents" (bots/how-to/rate-limit): per bot per
thread
(a thread = a 1:1 chat, a group chat or a channel), per thread for all bots, and 50 requests per
second per app per tenant. Over any limit the connector answers 429 with `Retry-After`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

from teams_emulator.clock import Clock

Operation = Literal["send", "create", "members", "conversations"]

Window = tuple[float, int]
"""(seconds, max operations) in a sliding window."""

PER_BOT_PER_THREAD: dict[Operation, tuple[Window, ...]] = {
    "send": ((1, 7), (2, 8), (30, 60), (3600, 1800)),
    "create": ((1, 7), (2, 8), (30, 60), (3600, 1800)),
    "members": ((1, 14), (2, 16), (30, 120), (3600, 3600)),
    "conversations": ((1, 14), (2, 16), (30, 120), (3600, 3600)),
}
PER_THREAD_ALL_BOTS: dict[Operation, tuple[Window, ...]] = {
    "send": ((1, 14), (2, 16)),
    "create": ((1, 14), (2, 16)),
    "members": ((1, 28), (2, 32)),
    "conversations": ((1, 28), (2, 32)),
}
PER_APP_PER_TENANT: tuple[Window, ...] = ((1, 50),)


@dataclass(frozen=True)
class Verdict:
    """Why a call was refused and when to come back."""

    retry_after: int
    scope: str
    window: float
    limit: int


class _Log:
    """Sorted timestamps of accepted operations for one key."""

    __slots__ = ("times",)

    def __init__(self) -> None:
        self.times: list[float] = []

    def check(self, now: float, windows: tuple[Window, ...]) -> tuple[float, float, int] | None:
        times = self.times
        for seconds, limit in windows:
            start = bisect_right(times, now - seconds)
            if len(times) - start >= limit:
                # The call may go once the oldest of the last `limit` calls leaves the window.
                wait = times[len(times) - limit] + seconds - now
                return wait, seconds, limit
        return None

    def add(self, now: float, horizon: float) -> None:
        times = self.times
        times.append(now)
        if len(times) > 64 and times[0] < now - horizon:
            del times[: bisect_right(times, now - horizon)]


class Throttler:
    """Counts connector operations and refuses the ones over Teams' limits."""

    def __init__(self, clock: Clock, *, enabled: bool = True) -> None:
        self.clock = clock
        self.enabled = enabled
        self._logs: dict[tuple[str, ...], _Log] = {}

    def _log(self, key: tuple[str, ...]) -> _Log:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log()
        return log

    def admit(self, app_id: str, tenant_id: str, thread: str, op: Operation) -> Verdict | None:
        """Count one operation, or return a Verdict (and count nothing) if it is over a limit."""
        if not self.enabled:
            return None
        now = self.clock()
        checks = (
            (("bot", app_id, thread, op), PER_BOT_PER_THREAD[op], "per bot per thread"),
            (("thread", thread, op), PER_THREAD_ALL_BOTS[op], "per thread for all bots"),
            (("tenant", app_id, tenant_id), PER_APP_PER_TENANT, "per app per tenant"),
        )
        logs = []
        for key, windows, scope in checks:
            log = self._log(key)
            refused = log.check(now, windows)
            if refused is not None:
                wait, seconds, limit = refused
                return Verdict(max(1, math.ceil(wait)), scope, seconds, limit)
            logs.append((log, windows[-1][0]))
        for log, horizon in logs:
            log.add(now, horizon)
        return None

    def reset(self) -> None:
        """Forget every count."""
        self._logs.clear()
