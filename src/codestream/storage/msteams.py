"""Teams state on SQL: tenants, teams, channels, personal chats, links, connections, grants."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.storage.tables import inbound_activities


class SqlMsTeams:
    """MsTeamsRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn


class SqlInboundActivities:
    """InboundActivityLog on SQL: the primary key makes a second insert of a key fail."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def first_time(self, key: str, now: int) -> bool:
        """Insert the key unless present; True when this call inserted it."""
        statement = (
            _insert_ignoring_duplicates(self._conn)
            .values(key=key, received_at=now)
            .returning(inbound_activities.c.key)
        )
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        return (await self._conn.execute(statement)).first() is not None


def _insert_ignoring_duplicates(conn: AsyncConnection) -> sa.Insert:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(inbound_activities).on_conflict_do_nothing(index_elements=["key"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(inbound_activities).on_conflict_do_nothing(index_elements=["key"])
