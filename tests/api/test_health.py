"""Liveness and readiness probes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from support.api import Api


async def test_it_is_live_and_ready_on_a_migrated_database(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_it_is_not_ready_when_the_schema_is_behind(api: Api, engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
    ready = await api.client.get("/readyz")
    assert ready.status_code == 503
    assert "codestream db upgrade" in ready.json()["reason"]
