"""Rows held back by a token error are retried at once when a process starts.

A wrong or expired bot secret makes every send fail before it reaches Teams, and each row backs
off (up to 5 minutes between attempts). The admin fixes the config and restarts the services:
the rows that waited on the token should go now, not when their backoff ends.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.domain.outbox import DeliveryStatus
from codestream.storage.tables import outbox

__all__ = ["retry_credential_waits"]


async def retry_credential_waits(
    engine: AsyncEngine, now: int, error_prefixes: Sequence[str]
) -> int:
    """Make every retrying row whose last error starts with one of `error_prefixes` (a token
    error's, `teams.tokens.TOKEN_ERROR_PREFIXES`) due at `now`; how many."""
    waiting_on_token = sa.or_(
        *(outbox.c.last_error.startswith(prefix, autoescape=True) for prefix in error_prefixes)
    )
    statement = (
        outbox.update()
        .where(
            outbox.c.status == DeliveryStatus.RETRYING.value,
            outbox.c.next_attempt_at > now,
            waiting_on_token,
        )
        .values(next_attempt_at=now)
    )
    async with engine.begin() as conn:
        result = await conn.execute(statement)
    return int(result.rowcount or 0)
