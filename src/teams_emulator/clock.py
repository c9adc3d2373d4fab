"""Time for the emulator: any callable returning float seconds since the epoch.

Tests inject a :class:`ManualClock` so token expiry and throttling windows move only when told to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], float]
"""A callable returning the current time as float seconds since the Unix epoch."""


def system_clock() -> float:
    """The real wall clock."""
    return time.time()


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.now = start

    def __call__(self) -> float:
        """The current (frozen) time."""
        return self.now

    def advance(self, seconds: float) -> float:
        """Move time forward by `seconds` and return the new time."""
        self.now += seconds
        return self.now

    def set(self, when: float) -> None:
        """Jump to an absolute time."""
        self.now = when


def iso_utc(seconds: float) -> str:
    """Format a time the way Teams does in `timestamp` (UTC, 7 fractional digits, `Z`)."""
    whole = int(seconds)
    fraction = int((seconds - whole) * 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole)) + f"{fraction:06d}0Z"


def iso_local(seconds: float, offset_minutes: int) -> str:
    """Format a time as Teams' `localTimestamp` for a user at a fixed UTC offset."""
    moment = datetime.fromtimestamp(seconds, tz=UTC) + timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond:06d}0{sign}{hours:02d}:{minutes:02d}"
    )
