"""The outbox and shares on SQL."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation, OutboxItem
from codestream.domain.shares import Share
from codestream.storage.tables import codemark_shares, outbox


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


class SqlOutbox:
    """OutboxRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def enqueue(self, item: NewOutboxItem, *, now: int, deadline_at: int) -> OutboxItem:
        """Insert a queued row, due now."""
        statement = (
            outbox.insert()
            .values(
                kind=item.kind,
                tenant_id=item.tenant_id,
                service_url=item.service_url,
                conversation_id=item.conversation_id,
                operation=item.operation.value,
                payload=item.payload,
                status=DeliveryStatus.QUEUED.value,
                attempts=0,
                next_attempt_at=now,
                deadline_at=deadline_at,
                share_id=item.share_id,
                created_at=now,
                modified_at=now,
            )
            .returning(*outbox.c)
        )
        row = (await self._conn.execute(statement)).one()
        return outbox_item(row)


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

    async def list_for_codemark(self, codemark_id: str) -> builtins.list[Share]:
        """A codemark's shares, oldest first."""
        query = (
            codemark_shares.select()
            .where(codemark_shares.c.codemark_id == codemark_id)
            .order_by(codemark_shares.c.created_at, codemark_shares.c.id)
        )
        return [_share(row) for row in await self._conn.execute(query)]
