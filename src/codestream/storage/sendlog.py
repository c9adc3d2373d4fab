"""The send log on SQL: one row per connector call and pace key (`delivery_sends`), which the
delivery worker's pacing reads as sliding windows (delivery/pacing.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.storage.arrays import among
from codestream.storage.tables import delivery_sends

_TIMES_SINCE = sa.text(
    "SELECT horizon.pace_key, sends.sent_at"
    " FROM unnest(CAST(:keys AS text[]), CAST(:sinces AS bigint[])) AS horizon(pace_key, since)"
    " CROSS JOIN LATERAL (SELECT sent_at FROM delivery_sends"
    "  WHERE delivery_sends.pace_key = horizon.pace_key AND delivery_sends.sent_at > horizon.since"
    "  OFFSET 0) AS sends"
)
"""PostgreSQL: every key's send times after its own horizon, one index range scan per key, in
one statement whose text does not change with the number of keys (`arrays.py`). OFFSET 0 keeps
the planner from pulling the LATERAL subquery up into a join, which, planned for the values
of one call, it ran as a hash join over the whole log (33 ms a claim instead of 5)."""

_COUNTS_SINCE = sa.text(
    "SELECT key, (SELECT count(*) FROM delivery_sends"
    "  WHERE delivery_sends.pace_key = key AND delivery_sends.sent_at > :since)"
    " FROM unnest(CAST(:keys AS text[])) AS key"
)
"""PostgreSQL: each key's calls since :since, one index range count per key."""

_LOG_SENDS = sa.text(
    "INSERT INTO delivery_sends (pace_key, sent_at)"
    " SELECT key, at FROM unnest(CAST(:keys AS text[]), CAST(:ats AS bigint[])) AS send(key, at)"
    " RETURNING id, pace_key"
)
"""PostgreSQL: one row per (key, time), in one statement for any number of them."""


def _times_since_by_group(horizons: Mapping[str, int]) -> sa.Select[tuple[str, int]]:
    """Elsewhere: an index range per group of keys with the same horizon."""
    by_since: dict[int, list[str]] = {}
    for key, since in horizons.items():
        by_since.setdefault(since, []).append(key)
    return sa.select(delivery_sends.c.pace_key, delivery_sends.c.sent_at).where(
        sa.or_(
            *(
                sa.and_(delivery_sends.c.pace_key.in_(keys), delivery_sends.c.sent_at > since)
                for since, keys in by_since.items()
            )
        )
    )


class SqlSendLog:
    """SendLog (delivery/ports.py) on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    async def send_times(self, horizons: Mapping[str, int]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {key: [] for key in horizons}
        if not horizons:
            return found
        if self._dialect == "postgresql":
            rows = await self._conn.execute(
                _TIMES_SINCE,
                {"keys": list(horizons), "sinces": list(horizons.values())},
            )
        else:
            rows = await self._conn.execute(_times_since_by_group(horizons))
        for key, sent_at in rows:
            found[key].append(int(sent_at))
        for times in found.values():
            times.sort()  # ascending, as pacing reads them
        return found

    async def send_counts(self, keys: Sequence[str], *, since: int) -> dict[str, int]:
        counts = dict.fromkeys(keys, 0)
        if not keys:
            return counts
        if self._dialect == "postgresql":
            rows = await self._conn.execute(_COUNTS_SINCE, {"keys": list(keys), "since": since})
        else:
            rows = await self._conn.execute(
                sa.select(delivery_sends.c.pace_key, sa.func.count())
                .where(delivery_sends.c.pace_key.in_(list(keys)), delivery_sends.c.sent_at > since)
                .group_by(delivery_sends.c.pace_key)
            )
        for key, count in rows:
            counts[key] = int(count)
        return counts

    async def record_sends(self, sends: Sequence[tuple[str, int]]) -> list[int]:
        if not sends:
            return []
        keys = [key for key, _ in sends]
        if self._dialect == "postgresql":
            rows = (
                await self._conn.execute(_LOG_SENDS, {"keys": keys, "ats": [at for _, at in sends]})
            ).all()
        else:
            statement = (
                delivery_sends.insert()
                .values([{"pace_key": key, "sent_at": at} for key, at in sends])
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
                .where(among(self._dialect, delivery_sends.c.id, send_ids))
                .values(sent_at=at)
            )

    async def prune_sends(self, *, before: int) -> int:
        result = await self._conn.execute(
            delivery_sends.delete()
            .where(delivery_sends.c.sent_at < before)
            .returning(delivery_sends.c.id)
        )
        return len(result.all())
