"""Teams re-sends an activity when the bot is slow; remember recent ids to handle each once, and
the answers given to invokes, so a re-sent invoke gets the same answer."""

from __future__ import annotations

from collections import OrderedDict

from codestream.teams.activities import InvokeResponse


class RecentActivities:
    """A bounded memory of the activity keys seen by this process and the answer given to each
    (None until answered, and for activities that get none), least recently seen forgotten first.
    In memory only: after a restart, or in another process, a repeat is not recognised here.

    Answers (cards, up to ~28 KB each) are kept for the last `answer_capacity` answered keys
    only, so the memory stays small however many keys are remembered."""

    def __init__(self, capacity: int = 10_000, answer_capacity: int = 1_000) -> None:
        self._capacity = capacity
        self._answer_capacity = answer_capacity
        self._seen: OrderedDict[str, InvokeResponse | None] = OrderedDict()
        self._answered: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time a key is offered, False on a repeat (until it ages out)."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        self._bound()
        return True

    def answer(self, key: str) -> InvokeResponse | None:
        """The answer given to this key, if it is still remembered."""
        return self._seen.get(key)

    def remember(self, key: str, answer: InvokeResponse) -> None:
        """Keep the answer given to a key, to replay it to a repeat."""
        self._seen[key] = answer
        self._seen.move_to_end(key)
        self._answered[key] = None
        self._answered.move_to_end(key)
        while len(self._answered) > self._answer_capacity:
            oldest, _ = self._answered.popitem(last=False)
            if oldest in self._seen:
                self._seen[oldest] = None  # still a repeat; its answer is no longer replayed
        self._bound()

    def forget(self, key: str) -> None:
        """Let a key be handled again (its handling failed, so a retry must go through)."""
        self._seen.pop(key, None)
        self._answered.pop(key, None)

    def _bound(self) -> None:
        while len(self._seen) > self._capacity:
            oldest, _ = self._seen.popitem(last=False)
            self._answered.pop(oldest, None)
