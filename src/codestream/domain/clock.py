"""Time as the domain sees it: integer milliseconds since the epoch, from an injectable clock."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], int]
"""Returns the current time in milliseconds since the epoch."""


def system_clock() -> int:
    """The wall clock, in milliseconds."""
    return int(time.time() * 1000)
