"""The delivery worker's one periodic job: forgetting what no longer matters, once a minute."""

from __future__ import annotations

from codestream.delivery.pacing import HORIZON_MS
from codestream.delivery.ports import DeliveryUnitOfWork
from codestream.domain.outbox import FINISHED_KEPT_MS

PRUNE_EVERY_MS = 60_000
ACTIVITY_KEYS_KEPT_MS = 24 * 3_600_000
"""How long the bot remembers an activity id: far longer than Teams keeps re-sending one."""
INVOKE_ANSWERS_KEPT_MS = 3_600_000
"""How long the answer to an invoke is kept for a re-send (Teams re-sends within seconds)."""
PRUNE_KEYS_LIMIT = 10_000
"""Activity keys forgotten per prune at most, so one claim's transaction stays short."""
PRUNE_ROWS_LIMIT = 10_000
"""Finished outbox rows deleted per prune at most (a prune runs once a minute)."""


async def prune(uow: DeliveryUnitOfWork, now: int) -> None:
    """Forget sends older than every pacing window, the oldest activity keys past
    ACTIVITY_KEYS_KEPT_MS and invoke answers past INVOKE_ANSWERS_KEPT_MS, and messages finished
    FINISHED_KEPT_MS ago (in the caller's unit of work, which commits)."""
    await uow.sends.prune_sends(before=now - HORIZON_MS - 60_000)
    await uow.inbound.forget_before(now - ACTIVITY_KEYS_KEPT_MS, limit=PRUNE_KEYS_LIMIT)
    await uow.inbound.forget_answers_before(now - INVOKE_ANSWERS_KEPT_MS, limit=PRUNE_KEYS_LIMIT)
    await uow.outbox.prune_finished(before=now - FINISHED_KEPT_MS, limit=PRUNE_ROWS_LIMIT)
