"""When a row is given up, and how long a failed attempt waits before the next."""

from __future__ import annotations

import random
from dataclasses import dataclass

from codestream.delivery.settings import DEFAULT_DEADLINE_HOURS


def deadline_at(now: int, hours: float = DEFAULT_DEADLINE_HOURS) -> int:
    """The deadline of a row enqueued at `now` (`delivery.deadlineHours`, default 24)."""
    return now + int(hours * 3_600_000)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base_ms: int = 1_000
    cap_ms: int = 300_000
    floor_ms: int = 100

    def delay_ms(self, attempts: int, rng: random.Random) -> int:
        """The wait after the `attempts`-th failed attempt (1-based)."""
        ceiling = min(self.cap_ms, self.base_ms * 2 ** min(max(attempts - 1, 0), 30))
        return max(self.floor_ms, int(rng.uniform(0, ceiling)))
