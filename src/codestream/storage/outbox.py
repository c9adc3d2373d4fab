"""The outbox on SQL: a queue of messages to Teams, claimed by delivery workers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation, OutboxItem
from codestream.observability.context import current_request_id
from codestream.storage.arrays import among, array_of
from codestream.storage.bulk import insert_many
from codestream.storage.engine import json_text
from codestream.storage.rows import AnyRow, Convert, from_row, value, values_of
from codestream.storage.tables import (
    ACTIVE,
    OUTBOX_ACTIVE,
    OUTBOX_PRUNABLE,
    OUTBOX_SHARES,
    outbox,
)

WAITING = (DeliveryStatus.QUEUED.value, DeliveryStatus.RETRYING.value)
HEADS_PER_QUERY = 1_000
"""Head ids per query in `due_heads` (bounds the statement's parameters)."""
LATEST_PER_QUERY = 200
"""Conversations per UPDATE in `enqueue_latest` (three parameters each)."""
CLAIM_LOCKS = 0x0C5D_0001
"""PostgreSQL advisory locks' first key: claiming one tenant's rows takes (CLAIM_LOCKS, hash of
the tenant id), pacing reads and writes that tenant's send log under it. Two tenants whose ids
hash alike share a lock, which only makes one wait its turn."""
_TRY_TENANT_LOCKS = sa.text(
    "SELECT t FROM unnest(CAST(:tenants AS text[])) AS t"
    " WHERE pg_try_advisory_xact_lock(:locks, hashtext(t))"
).bindparams(sa.bindparam("locks", CLAIM_LOCKS))


def outbox_item(row: AnyRow) -> OutboxItem:
    """A row of `outbox` as the domain's OutboxItem."""
    return from_row(OutboxItem, row, operation=Operation, payload=dict, status=DeliveryStatus)


def _as_is(payload: Any) -> Any:
    return payload


_ENQUEUE = outbox.insert().returning(*outbox.c)


def _queued_row(
    item: NewOutboxItem, now: int, deadline_at: int, payload: Convert = _as_is
) -> dict[str, Any]:
    """The parameters of a new queued outbox row, due now."""
    return values_of(item, operation=value, payload=payload) | {
        "status": DeliveryStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "deadline_at": deadline_at,
        "created_at": now,
        "modified_at": now,
        "request_id": item.request_id or current_request_id(),
    }


class SqlOutbox:
    """OutboxRepository on SQL. `queued` says whether this transaction added rows (or made
    claimed rows due again): its commit wakes the delivery workers."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name
        self.queued = False

    async def enqueue(self, item: NewOutboxItem, *, now: int, deadline_at: int) -> OutboxItem:
        self.queued = True
        row = (await self._conn.execute(_ENQUEUE, _queued_row(item, now, deadline_at))).one()
        return outbox_item(row)

    async def enqueue_many(self, items: Sequence[tuple[NewOutboxItem, int]], *, now: int) -> None:
        # One executemany, written for the driver (bulk.py): the bot's hot path.
        rows = [_queued_row(item, now, deadline_at, json_text) for item, deadline_at in items]
        if rows:
            self.queued = True
            columns = [outbox.c[name] for name in rows[0]]
            await insert_many(self._conn, columns, [tuple(row.values()) for row in rows])

    async def enqueue_latest(
        self, items: Sequence[NewOutboxItem], *, now: int, deadline_at: int
    ) -> None:
        # Two statements for any number of cards: one conditional UPDATE giving each waiting row
        # its conversation's payload, one bulk INSERT for the rest. A row a worker claims
        # meanwhile (`sending`) no longer matches once its claim commits (PostgreSQL re-checks
        # the newest version), so it is never changed under the worker; a new row follows it.
        if not items:
            return
        self.queued = True
        groups: dict[tuple[str, Operation], dict[str, NewOutboxItem]] = {}
        for item in items:
            groups.setdefault((item.kind, item.operation), {})[item.conversation_id] = item
        added: list[tuple[NewOutboxItem, int]] = []
        for (kind, operation), by_conversation in groups.items():
            conversations = list(by_conversation)
            for start in range(0, len(conversations), LATEST_PER_QUERY):
                chunk = conversations[start : start + LATEST_PER_QUERY]
                found = await self._replace_waiting(
                    kind, operation, [by_conversation[c] for c in chunk], now, deadline_at
                )
                added += [(by_conversation[c], deadline_at) for c in chunk if c not in found]
        await self.enqueue_many(added, now=now)

    async def _replace_waiting(
        self,
        kind: str,
        operation: Operation,
        items: Sequence[NewOutboxItem],
        now: int,
        deadline_at: int,
    ) -> set[str]:
        """The UPDATE of `enqueue_latest` for items of one kind and operation, one per
        conversation; the conversations it found a waiting row in."""
        conversations = [item.conversation_id for item in items]
        payload = sa.case(
            {
                item.conversation_id: sa.bindparam(None, item.payload, type_=outbox.c.payload.type)
                for item in items
            },
            value=outbox.c.conversation_id,
        )
        statement = (
            outbox.update()
            .where(
                sa.text(OUTBOX_ACTIVE),  # the partial index on active rows
                outbox.c.conversation_id.in_(conversations),
                outbox.c.status.in_(WAITING),
                outbox.c.kind == kind,
                outbox.c.operation == operation.value,
            )
            .values(payload=payload, deadline_at=deadline_at, modified_at=now)
            .returning(outbox.c.conversation_id)
        )
        return {row[0] for row in await self._conn.execute(statement)}

    async def refresh_waiting(
        self, share_id: str, operation: Operation, payload: dict[str, Any], *, now: int
    ) -> int:
        result = await self._conn.execute(
            outbox.update()
            .where(
                sa.text(OUTBOX_SHARES),  # the partial index on shares' rows
                outbox.c.share_id == share_id,
                outbox.c.status.in_(WAITING),
                outbox.c.operation == operation.value,
            )
            .values(payload=payload, modified_at=now)
        )
        return int(result.rowcount or 0)

    async def get(self, item_id: int) -> OutboxItem | None:
        row = (await self._conn.execute(outbox.select().where(outbox.c.id == item_id))).first()
        return outbox_item(row) if row is not None else None

    async def list_for_share(self, share_id: str) -> list[OutboxItem]:
        query = outbox.select().where(outbox.c.share_id == share_id).order_by(outbox.c.id)
        return [outbox_item(row) for row in await self._conn.execute(query)]

    async def lock_tenants(self, tenant_ids: Sequence[str]) -> set[str]:
        """PostgreSQL: transaction-scoped advisory locks, tried without waiting (a tenant
        another worker is claiming for is left to it). SQLite: BEGIN IMMEDIATE already
        serializes every writing transaction, so every tenant is ours."""
        if self._dialect != "postgresql" or not tenant_ids:
            return set(tenant_ids)
        result = await self._conn.execute(_TRY_TENANT_LOCKS, {"tenants": list(tenant_ids)})
        return {row[0] for row in result}

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
    def _due(now: int, ahead_ms: int = 0) -> sa.ColumnElement[bool]:
        # Only a first attempt is claimed ahead (pacing's moment); a retry waits for its time.
        return sa.or_(
            sa.and_(
                outbox.c.status == DeliveryStatus.QUEUED.value,
                outbox.c.next_attempt_at <= now + ahead_ms,
            ),
            sa.and_(
                outbox.c.status == DeliveryStatus.RETRYING.value, outbox.c.next_attempt_at <= now
            ),
            sa.and_(
                outbox.c.status == DeliveryStatus.SENDING.value,
                sa.func.coalesce(outbox.c.claimed_until, 0) < now,
            ),
        )

    async def due_heads(self, *, now: int, limit: int, ahead_ms: int = 0) -> list[OutboxItem]:
        """Due heads of their conversations, soonest first; PostgreSQL skips rows another
        transaction holds (FOR UPDATE SKIP LOCKED).

        Two steps, so neither planner can turn it into a scan of every due row: the heads' ids
        (`_heads`), then the due ones among them by primary key, a chunk of ids at a time.
        """
        head_ids = [row[0] for row in await self._conn.execute(self._heads())]
        found: list[OutboxItem] = []
        for start in range(0, len(head_ids), HEADS_PER_QUERY):
            query = (
                outbox.select()
                .where(
                    among(self._dialect, outbox.c.id, head_ids[start : start + HEADS_PER_QUERY]),
                    self._due(now, ahead_ms),
                )
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
            )
            if self._dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            found.extend(outbox_item(row) for row in await self._conn.execute(query))
        found.sort(key=lambda item: (item.next_attempt_at, item.id))
        return found[:limit]

    async def claim(
        self,
        item_ids: Sequence[int],
        *,
        worker_id: str,
        now: int,
        lease_until: int,
        ahead_ms: int = 0,
    ) -> list[OutboxItem]:
        """A conditional UPDATE: only rows still due are taken, so two claimers never both win."""
        if not item_ids:
            return []
        statement = (
            outbox.update()
            .where(among(self._dialect, outbox.c.id, item_ids), self._due(now, ahead_ms))
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

    async def renew(
        self, item_ids: Sequence[int], *, worker_id: str, now: int, lease_until: int
    ) -> list[int]:
        """Extend this worker's lease on rows it still holds as sending; the ids it still holds
        (a row another worker took after our lease expired is not among them)."""
        if not item_ids:
            return []
        result = await self._conn.execute(
            outbox.update()
            .where(
                among(self._dialect, outbox.c.id, item_ids),
                outbox.c.claimed_by == worker_id,
                outbox.c.status == DeliveryStatus.SENDING.value,
            )
            .values(claimed_until=lease_until, modified_at=now)
            .returning(outbox.c.id)
        )
        return sorted(int(row[0]) for row in result)

    async def postpone(self, item_ids: Sequence[int], *, until: int, now: int) -> None:
        if not item_ids:
            return
        await self._conn.execute(
            outbox.update()
            .where(among(self._dialect, outbox.c.id, item_ids), outbox.c.status.in_(ACTIVE))
            .values(next_attempt_at=until, modified_at=now)
        )

    async def prune_finished(self, *, before: int, limit: int) -> int:
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

    async def mark_sent(
        self, item_id: int, *, result_id: str | None, now: int, worker_id: str | None = None
    ) -> OutboxItem | None:
        sent = await self.mark_many_sent({item_id: result_id}, now=now, worker_id=worker_id)
        return sent[0] if sent else None

    async def mark_many_sent(
        self, results: Mapping[int, str | None], *, now: int, worker_id: str | None = None
    ) -> list[OutboxItem]:
        # One UPDATE for the whole group, each row taking its own result id.
        if not results:
            return []
        statement = self._ending(DeliveryStatus.SENT, now, worker_id).values(
            sent_at=now, last_error=None
        )
        if self._dialect == "postgresql":  # the pairs as two arrays: one text for any number
            pairs = sa.select(
                sa.func.unnest(array_of(list(results), outbox.c.id.type)).label("id"),
                sa.func.unnest(array_of(list(results.values()), sa.Text())).label("result_id"),
            ).subquery("sent")
            statement = statement.where(outbox.c.id == pairs.c.id).values(
                result_id=pairs.c.result_id
            )
        else:
            result_id = sa.case(
                {
                    item_id: sa.bindparam(None, found, type_=outbox.c.result_id.type)
                    for item_id, found in results.items()
                },
                value=outbox.c.id,
            )
            statement = statement.where(outbox.c.id.in_(list(results))).values(result_id=result_id)
        rows = await self._conn.execute(statement.returning(*outbox.c))
        return sorted((outbox_item(row) for row in rows), key=lambda item: item.id)

    async def mark_retrying(
        self,
        item_id: int,
        *,
        next_attempt_at: int,
        error: str,
        now: int,
        worker_id: str | None = None,
    ) -> OutboxItem | None:
        return await self._finish(
            item_id,
            DeliveryStatus.RETRYING,
            now,
            worker_id,
            next_attempt_at=next_attempt_at,
            last_error=error[:1000],
        )

    async def mark_failed(
        self, item_id: int, *, error: str, now: int, worker_id: str | None = None
    ) -> OutboxItem | None:
        return await self._finish(
            item_id, DeliveryStatus.FAILED, now, worker_id, last_error=error[:1000]
        )

    async def _finish(
        self,
        item_id: int,
        status: DeliveryStatus,
        now: int,
        worker_id: str | None,
        **values: Any,
    ) -> OutboxItem | None:
        """End an attempt on a row still on its way: the new status, one more attempt, the
        lease cleared; the row as it is now, or None if it was no longer on its way.

        With `worker_id`, only while that worker holds the row as sending: a worker whose lease
        another worker took over never records a stale outcome over the new holder's.
        """
        statement = self._ending(status, now, worker_id).where(outbox.c.id == item_id)
        row = (await self._conn.execute(statement.values(**values).returning(*outbox.c))).first()
        return outbox_item(row) if row is not None else None

    def _ending(self, status: DeliveryStatus, now: int, worker_id: str | None) -> sa.Update:
        """The UPDATE that ends an attempt (`_finish`, `mark_many_sent`): rows still on their
        way (`_held`) take the new status, one more attempt and no lease."""
        return (
            outbox.update()
            .where(self._held(worker_id))
            .values(
                status=status.value,
                attempts=outbox.c.attempts + 1,
                modified_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )

    @staticmethod
    def _held(worker_id: str | None) -> sa.ColumnElement[bool]:
        """Rows still on their way: with `worker_id`, only those that worker holds as sending."""
        if worker_id is None:
            return outbox.c.status.in_(ACTIVE)
        return sa.and_(
            outbox.c.claimed_by == worker_id,
            outbox.c.status == DeliveryStatus.SENDING.value,
        )

    async def release(self, worker_id: str, *, now: int) -> int:
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
        released = len(result.all())
        if released:
            self.queued = True  # due again at once: other workers may take them
        return released

    async def next_due_at(self, *, ahead_ms: int = 0) -> int | None:
        when = sa.case(
            (outbox.c.status == DeliveryStatus.SENDING.value, outbox.c.claimed_until),
            (outbox.c.status == DeliveryStatus.QUEUED.value, outbox.c.next_attempt_at - ahead_ms),
            else_=outbox.c.next_attempt_at,
        )
        query = sa.select(sa.func.min(when)).where(outbox.c.id.in_(self._heads()))
        value = (await self._conn.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def depth(self) -> dict[DeliveryStatus, int]:
        counts = dict.fromkeys(DeliveryStatus, 0)
        query = sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        for status, count in await self._conn.execute(query):
            counts[DeliveryStatus(status)] = int(count)
        return counts

    async def oldest_pending_at(self) -> int | None:
        query = sa.select(sa.func.min(outbox.c.created_at)).where(outbox.c.status.in_(ACTIVE))
        value = (await self._conn.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None
