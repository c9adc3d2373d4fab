"""When a row is given up, and how long a failed attempt waits before the next."""

from __future__ import annotations

import random
from dataclasses import dataclass

from codestream.delivery.settings import DEFAULT_DEADLINE_HOURS
from codestream.domain.outbox import Operation, OutboxItem
from codestream.teams.connector import ConnectorError, ServiceUrlNotAllowed, TenantNotAllowed

NOT_FOUND_ACTIVITY = "ActivityNotFoundInConversation"
NOT_FOUND_CONVERSATION = "ConversationNotFound"


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


@dataclass(frozen=True)
class AfterError:
    """What a failed attempt leads to: a retry at `retry_at`, or failure (None) with `reason`;
    `disconnect` when Teams says the bot is out of the channel."""

    retry_at: int | None
    reason: str
    disconnect: bool = False


def after_error(
    item: OutboxItem, exc: ConnectorError, now: int, policy: RetryPolicy, rng: random.Random
) -> AfterError:
    """Retry (honouring Retry-After on 429, never past the row's deadline) or fail."""
    reason = str(exc)[:1000]
    attempts = item.attempts + 1
    disconnect = False
    retry_at: int | None
    if isinstance(exc, ServiceUrlNotAllowed | TenantNotAllowed):
        retry_at = None
    elif exc.status == 429:
        wait = (
            int(exc.retry_after * 1000) + 1
            if exc.retry_after is not None
            else policy.delay_ms(attempts, rng)
        )
        retry_at = now + wait
    elif exc.status is None or exc.retriable:
        # Network errors, the token endpoint down or refusing (an admin can fix the secret),
        # and 412/502/503/504.
        retry_at = now + policy.delay_ms(attempts, rng)
    else:
        retry_at = None
        # An update answered 404 (the message was deleted) says nothing about the channel.
        message_gone = (
            item.operation is Operation.UPDATE
            and exc.status == 404
            and exc.code != NOT_FOUND_CONVERSATION
        )
        disconnect = (
            exc.status in (403, 404) and exc.code != NOT_FOUND_ACTIVITY and not message_gone
        )
    if retry_at is not None and now >= item.deadline_at:
        retry_at = None
        reason = f"gave up at the deadline after {attempts} attempts: {reason}"[:1000]
    elif retry_at is not None:
        retry_at = min(retry_at, max(item.deadline_at, now + 1))
    return AfterError(retry_at, reason, disconnect)
