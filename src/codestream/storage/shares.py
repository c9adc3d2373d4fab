"""Shares on SQL: a codemark's shares into Teams channels, and where the channels are."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.msteams import GENERAL_CHANNEL_NAME
from codestream.domain.outbox import DeliveryStatus, OutboxItem
from codestream.domain.shares import (
    CARD_DELETED,
    Share,
    ShareDelivery,
    ShareTarget,
    message_id_of,
)
from codestream.storage.rows import from_row, values_of
from codestream.storage.tables import (
    codemark_shares,
    msteams_channel_connections,
    msteams_channels,
    msteams_teams,
    msteams_tenants,
    outbox,
)

_DELIVERY = (
    outbox.c.share_id,
    outbox.c.status,
    outbox.c.attempts,
    outbox.c.next_attempt_at,
    outbox.c.last_error,
    outbox.c.sent_at,
    outbox.c.result_id,
)
"""An outbox row's columns that say where a share's card is."""
_KEPT = (
    codemark_shares.c.id.label("share_id"),
    codemark_shares.c.status,
    codemark_shares.c.attempts,
    sa.null().label("next_attempt_at"),
    codemark_shares.c.last_error,
    codemark_shares.c.sent_at,
    codemark_shares.c.thread_id.label("result_id"),
)
"""The same, as a share kept them when its card's outbox row finished."""


class SqlShares:
    """ShareRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _list(self, condition: sa.ColumnElement[bool]) -> list[Share]:
        query = (
            codemark_shares.select()
            .where(condition)
            .order_by(codemark_shares.c.created_at, codemark_shares.c.id)
        )
        return [from_row(Share, row) for row in await self._conn.execute(query)]

    async def add(self, share: Share) -> None:
        await self._conn.execute(codemark_shares.insert().values(**values_of(share)))

    async def get(self, share_id: str) -> Share | None:
        found = await self._list(codemark_shares.c.id == share_id)
        return found[0] if found else None

    async def find_by_thread(self, tenant_id: str, thread_id: str) -> Share | None:
        found = await self._list(
            sa.and_(
                codemark_shares.c.thread_id == thread_id,
                codemark_shares.c.tenant_id == tenant_id,
            )
        )
        return found[0] if found else None

    async def list_for_codemark(self, codemark_id: str) -> list[Share]:
        return await self._list(codemark_shares.c.codemark_id == codemark_id)

    async def list_for_codemarks(self, codemark_ids: list[str]) -> list[Share]:
        if not codemark_ids:
            return []
        return await self._list(codemark_shares.c.codemark_id.in_(codemark_ids))

    async def mark_card_deleted(self, tenant_id: str, thread_id: str) -> Share | None:
        await self._conn.execute(
            codemark_shares.update()
            .where(
                codemark_shares.c.thread_id == thread_id,
                codemark_shares.c.tenant_id == tenant_id,
            )
            .values(status=CARD_DELETED)
        )
        return await self.find_by_thread(tenant_id, thread_id)

    async def record_delivery(self, card: OutboxItem) -> None:
        if card.share_id is None:
            return
        sent = card.status is DeliveryStatus.SENT
        thread = card.result_id if sent else None
        await self._conn.execute(
            codemark_shares.update()
            .where(codemark_shares.c.id == card.share_id)
            .values(
                status=card.status.value,
                attempts=card.attempts,
                sent_at=card.sent_at,
                last_error=card.last_error,
                thread_id=thread,
                message_id=sa.func.coalesce(codemark_shares.c.message_id, message_id_of(thread)),
            )
        )

    async def list_targets(self, team_id: str) -> list[ShareTarget]:
        """Active connections of the team to channels that exist, in Teams teams the bot is still
        installed in; by Teams team name, then channel name (General, unnamed, first)."""
        conn_t, channel_t, team_t = msteams_channel_connections, msteams_channels, msteams_teams
        tenant_t = msteams_tenants
        query = (
            sa.select(
                channel_t.c.id.label("channel_id"),
                channel_t.c.name.label("channel_name"),
                team_t.c.id.label("msteams_team_id"),
                team_t.c.name.label("team_name"),
                team_t.c.tenant_id,
                team_t.c.service_url,
                team_t.c.aad_group_id,
                tenant_t.c.domain.label("tenant_domain"),
            )
            .select_from(
                conn_t.join(channel_t, channel_t.c.id == conn_t.c.channel_id)
                .join(team_t, team_t.c.id == channel_t.c.team_id)
                .outerjoin(tenant_t, tenant_t.c.id == team_t.c.tenant_id)
            )
            .where(
                conn_t.c.team_id == team_id,
                conn_t.c.disconnected_at.is_(None),
                channel_t.c.deleted.is_(False),
                team_t.c.bot_installed.is_(True),
            )
        )
        targets = [
            from_row(ShareTarget, row, channel_name=_channel_name)
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
        self, share_ids: list[str], *, lock: bool = False
    ) -> dict[str, ShareDelivery]:
        """The newest outbox row of each share (a share is enqueued once; a re-send is newer),
        else what the share kept. `lock`: PostgreSQL holds a share lock on the outbox rows until
        the transaction ends (a row being marked sent meanwhile is waited for, then read as
        sent; SQLite's transactions run one at a time anyway)."""
        if not share_ids:
            return {}
        query = (
            sa.select(*_DELIVERY)
            .where(outbox.c.share_id.in_(share_ids))
            .order_by(outbox.c.share_id, outbox.c.id)
        )
        if lock:
            query = query.with_for_update(read=True)
        found: dict[str, ShareDelivery] = {}
        for row in await self._conn.execute(query):
            found[row.share_id] = from_row(ShareDelivery, row)
        # Read after the lock above: a card marked sent meanwhile has kept its outcome by now.
        pruned = [share_id for share_id in share_ids if share_id not in found]
        if pruned:
            kept = sa.select(*_KEPT).where(
                codemark_shares.c.id.in_(pruned), codemark_shares.c.status.is_not(None)
            )
            for row in await self._conn.execute(kept):
                found[row.share_id] = from_row(ShareDelivery, row)
        return found


def _channel_name(name: str | None) -> str:
    return name or GENERAL_CHANNEL_NAME
