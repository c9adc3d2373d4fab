"""Teams re-sends an activity when the bot is slow; remember recent ids to handle each once."""

from __future__ import annotations

from collections import OrderedDict


class RecentActivities:
    """A bounded memory of activity keys seen by this process, oldest forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time a key is offered, False on a repeat (until it ages out)."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: str) -> None:
        """Let a key be handled again (its handling failed, so a retry must go through)."""
        self._seen.pop(key, None)
