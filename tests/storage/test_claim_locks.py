"""Claim locks per organization: two workers claiming at once each get the tenants the other
is not claiming for, and a tenant is free again once its claim commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.storage.uow import SqlUnitOfWorkFactory


async def test_workers_claim_for_different_tenants_at_once(engine: AsyncEngine) -> None:
    uows = SqlUnitOfWorkFactory(engine)
    async with uows() as first:
        assert await first.outbox.lock_tenants(["t-a", "t-b"]) == {"t-a", "t-b"}
        if engine.dialect.name == "sqlite":
            return  # one writer at a time: every tenant is the claimer's
        async with uows() as second:
            assert await second.outbox.lock_tenants(["t-b", "t-c"]) == {"t-c"}
            await second.commit()
        await first.commit()
    async with uows() as later:
        assert await later.outbox.lock_tenants(["t-a", "t-b", "t-c"]) == {"t-a", "t-b", "t-c"}
        await later.commit()
