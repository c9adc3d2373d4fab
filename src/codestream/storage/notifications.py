"""Personal notifications on SQL: settings, muted codemarks, pending events, messages sent."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.notifications import (
    NewPendingNotification,
    NotificationKind,
    NotificationSettings,
    PendingNotification,
)
from codestream.storage.bulk import dialect_insert, upsert
from codestream.storage.rows import from_row, value, values_of
from codestream.storage.tables import (
    notification_mutes,
    notification_settings,
    notifications_pending,
    notifications_sent,
)

FLUSH_LOCK = 0x0C5D_0003
"""PostgreSQL advisory lock held while pending notifications are bundled (one process at a time;
the outbox's claim locks are per tenant and another key)."""


class SqlNotifications:
    """NotificationRepository (domain/notifications.py) on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def lock_flush(self) -> None:
        """PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE already
        serializes every writing transaction."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(FLUSH_LOCK)))

    async def get_settings(self, user_id: str) -> NotificationSettings | None:
        table = notification_settings
        row = (await self._conn.execute(table.select().where(table.c.user_id == user_id))).first()
        return None if row is None else from_row(NotificationSettings, row)

    async def save_settings(self, settings: NotificationSettings) -> None:
        await upsert(self._conn, notification_settings, values_of(settings), ["user_id"])

    async def muted_codemarks(self, user_id: str) -> set[str]:
        table = notification_mutes
        query = sa.select(table.c.codemark_id).where(table.c.user_id == user_id)
        return {str(codemark_id) for (codemark_id,) in await self._conn.execute(query)}

    async def mute_codemark(self, user_id: str, codemark_id: str, now: int) -> None:
        statement = dialect_insert(self._conn, notification_mutes).values(
            user_id=user_id, codemark_id=codemark_id, created_at=now
        )
        await self._conn.execute(statement.on_conflict_do_nothing())

    async def unmute_codemark(self, user_id: str, codemark_id: str) -> bool:
        table = notification_mutes
        result = await self._conn.execute(
            table.delete().where(table.c.user_id == user_id, table.c.codemark_id == codemark_id)
        )
        return bool(result.rowcount)

    async def add_pending(self, items: Sequence[NewPendingNotification]) -> None:
        if items:
            await self._conn.execute(
                notifications_pending.insert(),
                [values_of(item, kind=value) for item in items],
            )

    async def due_users(self, *, now: int, limit: int) -> list[str]:
        table = notifications_pending
        oldest = sa.func.min(table.c.due_at)
        query = (
            sa.select(table.c.user_id)
            .group_by(table.c.user_id)
            .having(oldest <= now)
            .order_by(oldest, table.c.user_id)
            .limit(limit)
        )
        return [str(user_id) for (user_id,) in await self._conn.execute(query)]

    async def pending_of(self, user_id: str) -> list[PendingNotification]:
        table = notifications_pending
        query = table.select().where(table.c.user_id == user_id).order_by(table.c.id)
        return [
            from_row(PendingNotification, row, kind=NotificationKind)
            for row in await self._conn.execute(query)
        ]

    async def delete_pending(self, ids: Sequence[int]) -> None:
        if ids:
            table = notifications_pending
            await self._conn.execute(table.delete().where(table.c.id.in_(list(ids))))

    async def postpone(self, user_id: str, *, until: int) -> None:
        table = notifications_pending
        await self._conn.execute(
            table.update()
            .where(table.c.user_id == user_id, table.c.due_at < until)
            .values(due_at=until)
        )

    async def log_message(self, user_id: str, *, at: int) -> None:
        await self._conn.execute(notifications_sent.insert().values(user_id=user_id, sent_at=at))

    async def message_times(self, user_id: str, *, since: int) -> list[int]:
        table = notifications_sent
        query = (
            sa.select(table.c.sent_at)
            .where(table.c.user_id == user_id, table.c.sent_at > since)
            .order_by(table.c.sent_at)
        )
        return [int(at) for (at,) in await self._conn.execute(query)]

    async def prune_messages(self, *, before: int) -> int:
        table = notifications_sent
        result = await self._conn.execute(table.delete().where(table.c.sent_at < before))
        return int(result.rowcount or 0)
