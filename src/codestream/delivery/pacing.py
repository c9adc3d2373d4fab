"""Teams' rate limits as sliding windows over the shared send log (`delivery_sends`).

Every connector call a worker makes is logged under two pace keys: its conversation (per bot per
thread, separately for "create conversation" and "send", as Teams counts them; an update of a
message counts as a send) and its tenant (per app per tenant). An update of a card is also logged
under the card's own key, which lets one update of a card go per CARD_UPDATE window: a burst of
changes then costs a card one call a second, each carrying the latest state (the card's waiting
update is replaced meanwhile, `domain/services/card_updates.py`).

A call may go at time `t` when, for every window `(w, n)` of every key, fewer
than `n` logged calls lie in `(t - w, t]`: that is, when `t >= times[-n] + w`.

A log row is written with the claim time when the call is planned and moved to the time the
connector answered when it did, the latest moment Teams can have counted it, so windows computed
from the log are never shorter than the ones Teams sees, whatever the network latency.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from codestream.domain.msteams import split_thread
from codestream.domain.outbox import Operation

Window = tuple[int, int]
"""(milliseconds, max calls) in a sliding window."""

PER_CONVERSATION: tuple[Window, ...] = ((1_000, 7), (2_000, 8), (30_000, 60), (3_600_000, 1_800))
"""Per bot per thread (channel, group chat or 1:1 chat), for sends and for creates alike."""
PER_TENANT: tuple[Window, ...] = ((1_000, 50),)
"""Per app per tenant: 50 requests per second."""
CARD_UPDATE: tuple[Window, ...] = ((1_000, 1),)
"""Per card (a message we update): at most one update a second."""
SHORT_HORIZON_MS = 30_000
"""Windows up to this long are read as times; longer ones as counts first."""
HORIZON_MS = 3_600_000
"""The longest window: older log rows can be pruned."""


def channel_of(conversation_id: str) -> str:
    """The channel (or chat) of a conversation id: a thread id without its `;messageid=`."""
    return split_thread(conversation_id)[0]


def conversation_key(operation: Operation, conversation_id: str) -> str:
    """The pace key of a call's thread: Teams counts creates and sends separately."""
    kind = "create" if operation is Operation.CREATE_CONVERSATION else "send"
    return f"c:{kind}:{channel_of(conversation_id)}"


def tenant_key(tenant_id: str) -> str:
    """The pace key of a tenant (we are one app)."""
    return f"t:{tenant_id}"


def card_key(conversation_id: str) -> str:
    """The pace key of the message an update replaces (a card starts its thread, so the thread
    names it)."""
    return f"u:{conversation_id}"


def pace_keys(operation: Operation, conversation_id: str, tenant_id: str) -> tuple[str, ...]:
    """The keys a call is logged and paced under: conversation, tenant, and for an update the
    message it replaces."""
    keys: tuple[str, ...] = (conversation_key(operation, conversation_id), tenant_key(tenant_id))
    if operation is Operation.UPDATE:
        keys += (card_key(conversation_id),)
    return keys


@dataclass(frozen=True)
class Limits:
    """The windows to pace to, and a safety margin added to each (clock granularity)."""

    conversation: tuple[Window, ...] = PER_CONVERSATION
    tenant: tuple[Window, ...] = PER_TENANT
    margin_ms: int = 2
    card: tuple[Window, ...] = CARD_UPDATE

    def windows(self, key: str) -> tuple[Window, ...]:
        """The windows of a pace key."""
        if key.startswith("t:"):
            return self.tenant
        if key.startswith("u:"):
            return self.card
        return self.conversation


def earliest(times: Sequence[int], windows: Sequence[Window], now: int, margin_ms: int) -> int:
    """The earliest time >= now at which one more call keeps every window within its limit.

    `times` is ascending and holds at least every logged call in the longest window.
    """
    at = now
    for length, limit in windows:
        if len(times) >= limit:
            at = max(at, times[len(times) - limit] + length + margin_ms)
    return at


class PacingPlan:
    """Decides, inside one claiming transaction, which due rows may be sent now.

    Holds the send log of the keys involved and adds each planned call to it, so a batch never
    overfills a window by itself.
    """

    def __init__(self, limits: Limits, log: Mapping[str, Sequence[int]]) -> None:
        self._limits = limits
        self._log = {key: list(times) for key, times in log.items()}

    def earliest(self, keys: Sequence[str], now: int) -> int:
        """When a call under all these keys may go (>= now)."""
        at = now
        for key in keys:
            times = self._log.get(key, [])
            at = max(at, earliest(times, self._limits.windows(key), now, self._limits.margin_ms))
        return at

    def take(self, keys: Sequence[str], now: int) -> None:
        """Count one call at `now` under each key."""
        for key in keys:
            times = self._log.setdefault(key, [])
            times.insert(bisect_right(times, now), now)


def most_calls(windows: Sequence[Window], elapsed_ms: int) -> int:
    """The most calls one key's windows let through in any `elapsed_ms` (a window (w, n)
    lets at most n through per w, so n * (elapsed // w + 1) in all)."""
    return min(limit * (elapsed_ms // length + 1) for length, limit in windows)


class HourlyCounts:
    """Each conversation's calls in the last hour, as last read from the send log.

    The hour's window (1,800 calls) matters only for a conversation near it, and reading the
    hour's count for every conversation of every claim cost a query per claim. Between two
    reads a conversation cannot have made more calls, by any worker, than its shorter windows
    let through (`most_calls`): a count read less than REREAD_MS ago plus that bound, if still
    clear of the limit, needs no new read.
    """

    REREAD_MS = 60_000

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._read: dict[str, tuple[int, int]] = {}
        """Key: (calls in the hour before `read_at`, read_at)."""

    def to_read(self, keys: Sequence[str], now: int, headroom: int) -> list[str]:
        """The conversation keys whose hour might hold more than its limit less `headroom`."""
        windows = self._limits.conversation
        short = [window for window in windows if window[0] <= SHORT_HORIZON_MS]
        clear = windows[-1][1] - headroom
        unknown = []
        for key in keys:
            count, read_at = self._read.get(key, (0, now - self.REREAD_MS))
            elapsed = now - read_at
            if elapsed >= self.REREAD_MS or count + most_calls(short, elapsed) >= clear:
                unknown.append(key)
        return unknown

    def remember(self, counts: Mapping[str, int], now: int) -> None:
        """The counts just read, at `now` (forgetting reads older than REREAD_MS)."""
        if len(self._read) > 10_000:
            self._read = {k: v for k, v in self._read.items() if now - v[1] < self.REREAD_MS}
        for key, count in counts.items():
            self._read[key] = (count, now)


def lower_bound_ms(count: int, windows: Sequence[Window]) -> int:
    """The least time from the first to the last of `count` calls under one key's windows
    (greedy earliest schedule, which is optimal for sliding-window limits)."""
    times: list[int] = []
    for _ in range(count):
        times.append(earliest(times, windows, times[-1] if times else 0, 0))
    return times[-1] if times else 0
