"""The inbound activity log on SQL: activity keys already handled, and the answers given to
invokes, for every server process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.storage.bulk import insert_new_keys
from codestream.storage.tables import inbound_activities, inbound_answers


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

    async def keep_answers(self, answers: Mapping[str, dict[str, Any]], now: int) -> None:
        if answers:
            await self._conn.execute(
                inbound_answers.insert(),
                [
                    {"key": key, "answer": answer, "answered_at": now}
                    for key, answer in answers.items()
                ],
            )

    async def answers(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        query = sa.select(inbound_answers.c.key, inbound_answers.c.answer).where(
            inbound_answers.c.key.in_(list(keys))
        )
        return {row.key: dict(row.answer) for row in await self._conn.execute(query)}

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

    async def forget_answers_before(self, before: int, *, limit: int) -> int:
        oldest = (
            sa.select(inbound_answers.c.key)
            .where(inbound_answers.c.answered_at < before)
            .order_by(inbound_answers.c.answered_at)
            .limit(limit)
        )
        result = await self._conn.execute(
            inbound_answers.delete().where(inbound_answers.c.key.in_(oldest.scalar_subquery()))
        )
        return int(result.rowcount or 0)
