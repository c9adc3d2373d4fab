"""`allowedTenants`: a multi-tenant bot serves only the organizations it names, both ways."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage import tables
from codestream.storage.engine import create_engine
from support.bots import BotWorld, start_bot_world

CONTOSO = "11111111-2222-4333-8444-555555555555"
COUNTED = (
    tables.inbound_activities,
    tables.msteams_tenants,
    tables.msteams_teams,
    tables.msteams_channels,
    tables.msteams_personal_chats,
    tables.outbox,
)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[BotWorld]:
    def only_contoso(block: dict[str, object]) -> None:
        block["allowedTenants"] = [CONTOSO.upper()]  # tenant ids match in any case

    async with start_bot_world(
        database_url, multi_tenant=True, tenant_id=CONTOSO, edit=only_contoso
    ) as world:
        yield world


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    db = create_engine(database_url)
    yield db
    await db.dispose()


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {
            table.name: (
                await connection.execute(sa.select(sa.func.count()).select_from(table))
            ).scalar_one()
            for table in COUNTED
        }


async def test_activities_from_another_tenant_are_refused_and_nothing_is_stored(
    world: BotWorld, engine: AsyncEngine
) -> None:
    driver = world.emu.driver
    fabrikam = driver.create_tenant("Fabrikam")
    mallory = driver.create_user(fabrikam, "Mallory")
    their_team = driver.create_team(fabrikam, "Look-alike", [mallory])

    installed = await driver.install_bot(world.bot, world.team, by=world.alice)
    assert [response.status for response in installed] == [200] * len(installed)
    answer = await driver.post_message(world.channel, world.alice, "help", bot=world.bot)
    assert answer is not None and answer.status == 200  # Contoso is served
    before = await _counts(engine)

    refused = [
        *await driver.install_bot(world.bot, their_team, by=mallory),
        await driver.post_message(their_team.general, mallory, "help", bot=world.bot),
        await driver.post_message(their_team.general, mallory, "connect", bot=world.bot),
        *await driver.install_bot_personal(world.bot, mallory),
        await driver.send_personal_message(world.bot, mallory, "signin"),
    ]
    for response in refused:
        assert response is not None
        assert response.status == 403, response.body
        assert response.body == {
            "error": {
                "code": "tenant_not_allowed",
                "message": "this bot does not serve your organization",
            }
        }
    assert await _counts(engine) == before


async def test_nothing_is_sent_to_another_tenant(world: BotWorld) -> None:
    fabrikam = world.emu.driver.create_tenant("Fabrikam")
    conversation = "a:1fabrikam-personal-chat"
    async with world.uows() as uow:
        row = await uow.outbox.enqueue(
            NewOutboxItem(
                kind="test",
                tenant_id=fabrikam.id,
                service_url=world.emu.service_url(fabrikam),
                conversation_id=conversation,
                operation=Operation.SEND,
                payload={"type": "message", "text": "for Fabrikam"},
            ),
            now=int(time.time() * 1000),
            deadline_at=int(time.time() * 1000) + 3_600_000,
        )
        await uow.commit()
    deadline = time.monotonic() + 15
    while True:
        async with world.uows() as uow:
            item = await uow.outbox.get(row.id)
        assert item is not None
        if item.status is DeliveryStatus.FAILED:
            break
        assert time.monotonic() < deadline, item
        await asyncio.sleep(0.1)
    assert "allowedTenants" in (item.last_error or "")
    assert item.attempts == 1  # refused for good, not retried
    calls = world.emu.emulator.transcript.query(direction="bot_to_teams")
    assert not [c for c in calls if "fabrikam" in c.url or fabrikam.id in c.url]
