"""The outbox and shares on SQL."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.msteams import GENERAL_CHANNEL_NAME
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation, OutboxItem
from codestream.domain.shares import Share, ShareDelivery, ShareTarget
from codestream.storage.bulk import insert_many
from codestream.storage.engine import json_text
from codestream.storage.tables import (
    ACTIVE,
    OUTBOX_ACTIVE,
    OUTBOX_PRUNABLE,
    codemark_shares,
    delivery_sends,
    msteams_channel_connections,
    msteams_channels,
    msteams_teams,
    outbox,
)

WAITING = (DeliveryStatus.QUEUED.value, DeliveryStatus.RETRYING.value)
HEADS_PER_QUERY = 1_000
"""Head ids per query in `due_heads` (bounds the statement's parameters)."""
DISPATCH_LOCK = 0x0C5D_0001
"""PostgreSQL advisory lock that serializes claiming (pacing reads and writes the send log)."""


def outbox_item(row: Any) -> OutboxItem:
    """A row of `outbox` as the domain's OutboxItem."""
    return OutboxItem(
        id=row.id,
        kind=row.kind,
        tenant_id=row.tenant_id,
        service_url=row.service_url,
        conversation_id=row.conversation_id,
        operation=Operation(row.operation),
        payload=dict(row.payload),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        deadline_at=row.deadline_at,
        created_at=row.created_at,
        modified_at=row.modified_at,
        last_error=row.last_error,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        result_id=row.result_id,
        share_id=row.share_id,
        sent_at=row.sent_at,
    )


_ENQUEUE = outbox.insert().returning(*outbox.c)


def _queued_row(item: NewOutboxItem, now: int, deadline_at: int) -> dict[str, Any]:
    """The parameters of a new queued outbox row, due now."""
    return {
        "kind": item.kind,
        "tenant_id": item.tenant_id,
        "service_url": item.service_url,
        "conversation_id": item.conversation_id,
        "operation": item.operation.value,
        "payload": item.payload,
        "status": DeliveryStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "deadline_at": deadline_at,
        "share_id": item.share_id,
        "created_at": now,
        "modified_at": now,
    }


class SqlOutbox:
    """OutboxRepository on SQL. `queued` says whether this transaction added rows."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.queued = False

    async def enqueue(self, item: NewOutboxItem, *, now: int, deadline_at: int) -> OutboxItem:
        """Insert a queued row, due now."""
        self.queued = True
        row = (await self._conn.execute(_ENQUEUE, _queued_row(item, now, deadline_at))).one()
        return outbox_item(row)

    async def enqueue_many(self, items: Sequence[tuple[NewOutboxItem, int]], *, now: int) -> None:
        """Insert queued rows, due now, in this order (one executemany)."""
        rows = [
            _queued_row(item, now, deadline_at) | {"payload": json_text(item.payload)}
            for item, deadline_at in items
        ]
        if rows:
            self.queued = True
            columns = [outbox.c[name] for name in rows[0]]
            await insert_many(self._conn, columns, [tuple(row.values()) for row in rows])

    async def get(self, item_id: int) -> OutboxItem | None:
        """One item by id."""
        row = (await self._conn.execute(outbox.select().where(outbox.c.id == item_id))).first()
        return outbox_item(row) if row is not None else None

    async def list_for_share(self, share_id: str) -> builtins.list[OutboxItem]:
        """A share's deliveries, oldest first."""
        query = outbox.select().where(outbox.c.share_id == share_id).order_by(outbox.c.id)
        return [outbox_item(row) for row in await self._conn.execute(query)]

    async def lock_dispatch(self) -> None:
        """PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE already
        serializes every writing transaction."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(DISPATCH_LOCK)))

    @staticmethod
    def _heads() -> sa.Select[Any]:
        """The first unsent row of every conversation with unsent rows.

        A loose index scan on the partial index of active rows: the recursive part steps from
        one conversation to the next (one index seek each), then each conversation's first row
        is one more seek. The cost follows the number of conversations waiting, not the number
        of rows, so a flood in one channel does not slow the claims of the others.
        """
        active = sa.text(OUTBOX_ACTIVE)
        first = (
            sa.select(sa.func.min(outbox.c.conversation_id).label("conversation_id"))
            .where(active)
            .cte("waiting", recursive=True)
        )
        following = sa.select(
            sa.select(sa.func.min(outbox.c.conversation_id))
            .where(active, outbox.c.conversation_id > first.c.conversation_id)
            .scalar_subquery()
        ).where(first.c.conversation_id.is_not(None))
        waiting = first.union_all(following)
        return sa.select(
            sa.select(sa.func.min(outbox.c.id))
            .where(active, outbox.c.conversation_id == waiting.c.conversation_id)
            .scalar_subquery()
            .label("head_id")
        ).where(waiting.c.conversation_id.is_not(None))

    @staticmethod
    def _due(now: int) -> sa.ColumnElement[bool]:
        return sa.or_(
            sa.and_(outbox.c.status.in_(WAITING), outbox.c.next_attempt_at <= now),
            sa.and_(
                outbox.c.status == DeliveryStatus.SENDING.value,
                sa.func.coalesce(outbox.c.claimed_until, 0) < now,
            ),
        )

    async def due_heads(self, *, now: int, limit: int) -> builtins.list[OutboxItem]:
        """Due heads of their conversations, soonest first; PostgreSQL skips rows another
        transaction holds (FOR UPDATE SKIP LOCKED).

        Two steps, so neither planner can turn it into a scan of every due row: the heads' ids
        (`_heads`), then the due ones among them by primary key, a chunk of ids at a time.
        """
        head_ids = [row[0] for row in await self._conn.execute(self._heads())]
        found: builtins.list[OutboxItem] = []
        for start in range(0, len(head_ids), HEADS_PER_QUERY):
            query = (
                outbox.select()
                .where(outbox.c.id.in_(head_ids[start : start + HEADS_PER_QUERY]), self._due(now))
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
            )
            if self._conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            found.extend(outbox_item(row) for row in await self._conn.execute(query))
        found.sort(key=lambda item: (item.next_attempt_at, item.id))
        return found[:limit]

    async def claim(
        self, item_ids: Sequence[int], *, worker_id: str, now: int, lease_until: int
    ) -> builtins.list[OutboxItem]:
        """A conditional UPDATE: only rows still due are taken, so two claimers never both win."""
        if not item_ids:
            return []
        statement = (
            outbox.update()
            .where(outbox.c.id.in_(list(item_ids)), self._due(now))
            .values(
                status=DeliveryStatus.SENDING.value,
                claimed_by=worker_id,
                claimed_until=lease_until,
                modified_at=now,
            )
            .returning(*outbox.c)
        )
        rows = (await self._conn.execute(statement)).all()
        return sorted((outbox_item(row) for row in rows), key=lambda item: item.id)

    async def postpone(self, item_ids: Sequence[int], *, until: int, now: int) -> None:
        """Later next attempt for waiting rows; attempts unchanged."""
        if not item_ids:
            return
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id.in_(list(item_ids)), outbox.c.status.in_(ACTIVE))
            .values(next_attempt_at=until, modified_at=now)
        )

    async def send_times(self, keys: Sequence[str], *, since: int) -> dict[str, builtins.list[int]]:
        """Logged send times per key after `since`, ascending."""
        found: dict[str, builtins.list[int]] = {key: [] for key in keys}
        if not keys:
            return found
        query = (
            sa.select(delivery_sends.c.pace_key, delivery_sends.c.sent_at)
            .where(delivery_sends.c.pace_key.in_(list(keys)), delivery_sends.c.sent_at > since)
            .order_by(delivery_sends.c.pace_key, delivery_sends.c.sent_at)
        )
        for key, sent_at in await self._conn.execute(query):
            found[key].append(int(sent_at))
        return found

    async def send_counts(self, keys: Sequence[str], *, since: int) -> dict[str, int]:
        """Logged sends per key after `since`."""
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

    async def record_sends(self, keys: Sequence[str], *, at: int) -> builtins.list[int]:
        """Insert one log row per key."""
        if not keys:
            return []
        statement = (
            delivery_sends.insert()
            .values([{"pace_key": key, "sent_at": at} for key in keys])
            .returning(delivery_sends.c.id, delivery_sends.c.pace_key)
        )
        rows = (await self._conn.execute(statement)).all()
        by_key: dict[str, builtins.list[int]] = {}
        for row_id, key in rows:
            by_key.setdefault(key, []).append(int(row_id))
        return [by_key[key].pop(0) for key in keys]

    async def touch_sends(self, send_ids: Sequence[int], *, at: int) -> None:
        """Move log rows to `at`."""
        if send_ids:
            await self._conn.execute(
                delivery_sends.update()
                .where(delivery_sends.c.id.in_(list(send_ids)))
                .values(sent_at=at)
            )

    async def prune_sends(self, *, before: int) -> int:
        """Delete log rows older than `before`."""
        result = await self._conn.execute(
            delivery_sends.delete()
            .where(delivery_sends.c.sent_at < before)
            .returning(delivery_sends.c.id)
        )
        return len(result.all())

    async def prune_finished(self, *, before: int, limit: int) -> int:
        """Delete up to `limit` finished rows that are not shares' cards, oldest first, last
        changed before `before`; how many went."""
        oldest = (
            sa.select(outbox.c.id)
            .where(sa.text(OUTBOX_PRUNABLE), outbox.c.modified_at < before)
            .order_by(outbox.c.modified_at)
            .limit(limit)
        )
        result = await self._conn.execute(
            outbox.delete().where(outbox.c.id.in_(oldest.scalar_subquery()))
        )
        return int(result.rowcount or 0)

    async def mark_sent(self, item_id: int, *, result_id: str | None, now: int) -> bool:
        """sent, with the connector's id; the lease is cleared."""
        result = await self._conn.execute(
            outbox.update()
            .where(outbox.c.id == item_id, outbox.c.status.in_(ACTIVE))
            .values(
                status=DeliveryStatus.SENT.value,
                attempts=outbox.c.attempts + 1,
                result_id=result_id,
                sent_at=now,
                modified_at=now,
                last_error=None,
                claimed_by=None,
                claimed_until=None,
            )
            .returning(outbox.c.id)
        )
        return result.first() is not None

    async def mark_retrying(
        self, item_id: int, *, next_attempt_at: int, error: str, now: int
    ) -> None:
        """retrying, with the next attempt and the last error."""
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id == item_id, outbox.c.status.in_(ACTIVE))
            .values(
                status=DeliveryStatus.RETRYING.value,
                attempts=outbox.c.attempts + 1,
                next_attempt_at=next_attempt_at,
                last_error=error[:1000],
                modified_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )

    async def mark_failed(self, item_id: int, *, error: str, now: int) -> None:
        """failed, with the reason."""
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id == item_id, outbox.c.status.in_(ACTIVE))
            .values(
                status=DeliveryStatus.FAILED.value,
                attempts=outbox.c.attempts + 1,
                last_error=error[:1000],
                modified_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )

    async def release(self, worker_id: str, *, now: int) -> int:
        """This worker's sending rows back to waiting, due now."""
        result = await self._conn.execute(
            outbox.update()
            .where(
                outbox.c.claimed_by == worker_id,
                outbox.c.status == DeliveryStatus.SENDING.value,
            )
            .values(
                status=sa.case(
                    (outbox.c.attempts > 0, DeliveryStatus.RETRYING.value),
                    else_=DeliveryStatus.QUEUED.value,
                ),
                next_attempt_at=now,
                modified_at=now,
                claimed_by=None,
                claimed_until=None,
            )
            .returning(outbox.c.id)
        )
        return len(result.all())

    async def next_due_at(self) -> int | None:
        """Soonest claimable time among conversation heads."""
        when = sa.case(
            (outbox.c.status == DeliveryStatus.SENDING.value, outbox.c.claimed_until),
            else_=outbox.c.next_attempt_at,
        )
        query = sa.select(sa.func.min(when)).where(outbox.c.id.in_(self._heads()))
        value = (await self._conn.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def depth(self) -> dict[DeliveryStatus, int]:
        """Rows per status (zero for absent ones)."""
        counts = dict.fromkeys(DeliveryStatus, 0)
        query = sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        for status, count in await self._conn.execute(query):
            counts[DeliveryStatus(status)] = int(count)
        return counts

    async def oldest_pending_at(self) -> int | None:
        """created_at of the oldest unsent, unfailed row."""
        query = sa.select(sa.func.min(outbox.c.created_at)).where(outbox.c.status.in_(ACTIVE))
        value = (await self._conn.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None


def _share(row: Any) -> Share:
    return Share(
        id=row.id,
        codemark_id=row.codemark_id,
        team_id=row.team_id,
        provider=row.provider,
        tenant_id=row.tenant_id,
        msteams_team_id=row.msteams_team_id,
        team_name=row.team_name,
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        created_by=row.created_by,
        created_at=row.created_at,
        message_id=row.message_id,
        url=row.url,
    )


class SqlShares:
    """ShareRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, share: Share) -> None:
        """Store a share."""
        await self._conn.execute(
            codemark_shares.insert().values(
                id=share.id,
                codemark_id=share.codemark_id,
                team_id=share.team_id,
                provider=share.provider,
                tenant_id=share.tenant_id,
                msteams_team_id=share.msteams_team_id,
                team_name=share.team_name,
                channel_id=share.channel_id,
                channel_name=share.channel_name,
                message_id=share.message_id,
                url=share.url,
                created_by=share.created_by,
                created_at=share.created_at,
            )
        )

    async def find_by_thread(self, tenant_id: str, thread_id: str) -> Share | None:
        """The share whose posted card has this thread id (ix_outbox_share_result_id)."""
        query = (
            sa.select(codemark_shares)
            .join(outbox, outbox.c.share_id == codemark_shares.c.id)
            .where(
                outbox.c.share_id.is_not(None),
                outbox.c.result_id == thread_id,
                codemark_shares.c.tenant_id == tenant_id,
            )
            .order_by(codemark_shares.c.created_at, codemark_shares.c.id)
            .limit(1)
        )
        row = (await self._conn.execute(query)).first()
        return _share(row) if row is not None else None

    async def list_for_codemark(self, codemark_id: str) -> builtins.list[Share]:
        """A codemark's shares, oldest first."""
        query = (
            codemark_shares.select()
            .where(codemark_shares.c.codemark_id == codemark_id)
            .order_by(codemark_shares.c.created_at, codemark_shares.c.id)
        )
        return [_share(row) for row in await self._conn.execute(query)]

    async def list_for_codemarks(self, codemark_ids: builtins.list[str]) -> builtins.list[Share]:
        """Shares of several codemarks, oldest first."""
        if not codemark_ids:
            return []
        query = (
            codemark_shares.select()
            .where(codemark_shares.c.codemark_id.in_(codemark_ids))
            .order_by(codemark_shares.c.created_at, codemark_shares.c.id)
        )
        return [_share(row) for row in await self._conn.execute(query)]

    async def list_targets(self, team_id: str) -> builtins.list[ShareTarget]:
        """Active connections of the team to channels that exist, in Teams teams the bot is still
        installed in; by Teams team name, then channel name (General, unnamed, first)."""
        conn_t, channel_t, team_t = msteams_channel_connections, msteams_channels, msteams_teams
        query = (
            sa.select(
                channel_t.c.id,
                channel_t.c.name,
                team_t.c.id.label("msteams_team_id"),
                team_t.c.name.label("team_name"),
                team_t.c.tenant_id,
                team_t.c.service_url,
                team_t.c.aad_group_id,
            )
            .select_from(
                conn_t.join(channel_t, channel_t.c.id == conn_t.c.channel_id).join(
                    team_t, team_t.c.id == channel_t.c.team_id
                )
            )
            .where(
                conn_t.c.team_id == team_id,
                conn_t.c.disconnected_at.is_(None),
                channel_t.c.deleted.is_(False),
                team_t.c.bot_installed.is_(True),
            )
        )
        targets = [
            ShareTarget(
                channel_id=row.id,
                channel_name=row.name or GENERAL_CHANNEL_NAME,
                msteams_team_id=row.msteams_team_id,
                team_name=row.team_name,
                tenant_id=row.tenant_id,
                service_url=row.service_url,
                aad_group_id=row.aad_group_id,
            )
            for row in await self._conn.execute(query)
        ]
        return sorted(
            targets,
            key=lambda t: (
                t.team_name.casefold(),
                t.channel_id != t.msteams_team_id,
                t.channel_name.casefold(),
                t.channel_id,
            ),
        )

    async def deliveries(
        self, share_ids: builtins.list[str], *, lock: bool = False
    ) -> dict[str, ShareDelivery]:
        """The newest outbox row of each share (a share is enqueued once; a re-send is newer).
        `lock`: PostgreSQL holds a share lock on the rows until the transaction ends (a row
        being marked sent meanwhile is waited for, then read as sent; SQLite's transactions
        run one at a time anyway)."""
        if not share_ids:
            return {}
        query = (
            outbox.select()
            .where(outbox.c.share_id.in_(share_ids))
            .order_by(outbox.c.share_id, outbox.c.id)
        )
        if lock:
            query = query.with_for_update(read=True)
        found: dict[str, ShareDelivery] = {}
        for row in await self._conn.execute(query):
            found[row.share_id] = ShareDelivery(
                status=row.status,
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                last_error=row.last_error,
                sent_at=row.sent_at,
                result_id=row.result_id,
            )
        return found
