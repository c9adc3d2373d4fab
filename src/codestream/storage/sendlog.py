"""The send log on SQL: one row per connector call and pace key (`delivery_sends`), which the
delivery worker's pacing reads as sliding windows (delivery/pacing.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.storage.tables import delivery_sends


class SqlSendLog:
    """SendLog (delivery/ports.py) on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def send_times(self, keys: Sequence[str], *, since: int) -> dict[str, list[int]]:
        return await self.send_times_since(dict.fromkeys(keys, since))

    async def send_times_since(self, since: Mapping[str, int]) -> dict[str, list[int]]:
        # One statement whatever the horizons: a UNION ALL of one indexed range per horizon
        # (a claim reads conversations over 30 s, tenants and cards over 1 s).
        found: dict[str, list[int]] = {key: [] for key in since}
        by_horizon: dict[int, list[str]] = {}
        for key, after in since.items():
            by_horizon.setdefault(after, []).append(key)
        parts = [
            sa.select(delivery_sends.c.pace_key, delivery_sends.c.sent_at).where(
                delivery_sends.c.pace_key.in_(keys), delivery_sends.c.sent_at > after
            )
            for after, keys in by_horizon.items()
        ]
        if not parts:
            return found
        query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
        rows = [(str(key), int(sent_at)) for key, sent_at in await self._conn.execute(query)]
        for key, sent_at in sorted(rows):
            found[key].append(sent_at)
        return found

    async def send_counts(self, keys: Sequence[str], *, since: int) -> dict[str, int]:
        counts = dict.fromkeys(keys, 0)
        if not keys:
            return counts
        query = (
            sa.select(delivery_sends.c.pace_key, sa.func.count())
            .where(delivery_sends.c.pace_key.in_(list(keys)), delivery_sends.c.sent_at > since)
            .group_by(delivery_sends.c.pace_key)
        )
        for key, count in await self._conn.execute(query):
            counts[key] = int(count)
        return counts

    async def record_sends(self, keys: Sequence[str], *, at: int) -> list[int]:
        if not keys:
            return []
        statement = (
            delivery_sends.insert()
            .values([{"pace_key": key, "sent_at": at} for key in keys])
            .returning(delivery_sends.c.id, delivery_sends.c.pace_key)
        )
        rows = (await self._conn.execute(statement)).all()
        by_key: dict[str, list[int]] = {}
        for row_id, key in rows:
            by_key.setdefault(key, []).append(int(row_id))
        return [by_key[key].pop(0) for key in keys]

    async def touch_sends(self, send_ids: Sequence[int], *, at: int) -> None:
        if send_ids:
            await self._conn.execute(
                delivery_sends.update()
                .where(delivery_sends.c.id.in_(list(send_ids)))
                .values(sent_at=at)
            )

    async def prune_sends(self, *, before: int) -> int:
        result = await self._conn.execute(
            delivery_sends.delete()
            .where(delivery_sends.c.sent_at < before)
            .returning(delivery_sends.c.id)
        )
        return len(result.all())
