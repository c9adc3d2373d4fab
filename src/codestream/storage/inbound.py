"""The inbound activity log on SQL: activity keys already handled, for every server process."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.storage.bulk import insert_new_keys
from codestream.storage.tables import inbound_activities


class SqlInboundActivities:
    """InboundActivityLog on SQL: the primary key makes a second insert of a key fail."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def first_time(self, key: str, now: int) -> bool:
        return key in await self.first_times([key], now)

    async def first_times(self, keys: Sequence[str], now: int) -> set[str]:
        # One statement, written for the driver (bulk.py): the bot's hot path.
        return await insert_new_keys(
            self._conn, inbound_activities.c.key, inbound_activities.c.received_at, keys, now
        )

    async def forget_before(self, before: int, *, limit: int) -> int:
        oldest = (
            sa.select(inbound_activities.c.key)
            .where(inbound_activities.c.received_at < before)
            .order_by(inbound_activities.c.received_at)
            .limit(limit)
        )
        result = await self._conn.execute(
            inbound_activities.delete().where(
                inbound_activities.c.key.in_(oldest.scalar_subquery())
            )
        )
        return int(result.rowcount or 0)
