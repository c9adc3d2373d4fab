"""Bundling and the hourly limit of personal notifications, on the database (SQLite and
PostgreSQL), with a clock the test moves: events wait in their table until due, several become
one message, a person over the limit waits and gets the rest folded into one message, a restart
loses nothing, and whether the person may see the codemark is checked when the message is built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import config_from_document, new_document
from codestream.delivery.notifying import Notifier
from codestream.domain.models import CodemarkType, User
from codestream.domain.msteams import MsTeamsTenant, PersonalChat, UserLink
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import Services
from codestream.domain.services.codemarks import NewCodemark
from codestream.storage.engine import create_engine
from codestream.storage.tables import outbox
from codestream.wiring import Runtime, build_runtime
from support.bots import LIGHT_HASHER

T0 = 1_800_000_000_000
SECOND = 1000
HOUR = 3_600_000
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SERVICE_URL = "https://smba.trafficmanager.net/amer/"


class Clock:
    """The time the app sees, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now


@dataclass
class Scene:
    engine: AsyncEngine
    database_url: str
    clock: Clock
    services: Services
    runtime: Runtime
    alice: User
    bob: User
    team_id: str
    codemark_id: str

    async def reply(self, text: str) -> None:
        await self.services.write(
            self.services.codemarks.add_reply, self.alice, self.codemark_id, text
        )

    async def flush_at(self, ms: int, runtime: Runtime | None = None) -> int:
        self.clock.now = T0 + ms
        services = (runtime or self.runtime).services
        assert services.notifications is not None
        notifier = Notifier(services.units, services.notifications, clock=self.clock)
        return await notifier.run_once()

    async def messages(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox.c.payload, outbox.c.conversation_id)
                .where(outbox.c.kind == "notification")
                .order_by(outbox.c.id)
            )
            return [dict(row._mapping) for row in rows]


def _runtime(
    engine: AsyncEngine, database_url: str, clock: Clock, http: httpx.AsyncClient
) -> Runtime:
    document = new_document("https://codestream.example.com")
    document["notifications"] = {"bundleSeconds": 10, "maxPerHour": 2}
    config = config_from_document(document, environ={"CS_DATABASE_URL": database_url})
    return build_runtime(config, engine, http, clock=clock, hasher=LIGHT_HASHER)


async def _link(uow: UnitOfWork, user: User) -> None:
    teams_user = f"29:{user.username}"
    await uow.msteams.save_tenant(MsTeamsTenant(TENANT, SERVICE_URL, T0, T0))
    await uow.msteams.save_user_link(UserLink(TENANT, teams_user, user.id, T0))
    await uow.msteams.save_personal_chat(
        PersonalChat(
            f"a:{user.username}", TENANT, teams_user, user.username, SERVICE_URL, True, T0, T0
        )
    )


@pytest.fixture
async def scene(engine: AsyncEngine, database_url: str) -> AsyncIterator[Scene]:
    clock = Clock()
    async with httpx.AsyncClient() as http:
        runtime = _runtime(engine, database_url, clock, http)
        services = runtime.services
        alice = await services.sign_up(email="alice@example.com", password="correct horse 1")
        bob = await services.sign_up(email="bob@example.com", password="correct horse 1")
        team = await services.write(services.teams.create_team, bob, "Plant Eaters")
        await services.write(services.teams.add_member, bob, team.id, alice.email)
        await services.write(_link, bob)
        codemark = await services.write(
            services.codemarks.create_codemark,
            bob,
            NewCodemark(team.id, CodemarkType.ISSUE, title="Rounding loses cents", text="Off."),
        )
        yield Scene(
            engine, database_url, clock, services, runtime, alice, bob, team.id, codemark.id
        )


def _summary(message: dict[str, Any]) -> str:
    return str(message["payload"]["summary"])


async def test_events_in_the_window_are_one_message_and_the_hourly_limit_folds_the_rest(
    scene: Scene,
) -> None:
    await scene.reply("one")
    scene.clock.now = T0 + 5 * SECOND
    await scene.reply("two")
    assert await scene.flush_at(9 * SECOND) == 0  # not due yet
    assert await scene.flush_at(10 * SECOND) == 1
    (first,) = await scene.messages()
    assert _summary(first) == "2 new replies on 'Rounding loses cents'"
    assert first["conversation_id"] == "a:bob"
    scene.clock.now = T0 + 20 * SECOND
    await scene.reply("three")
    assert await scene.flush_at(30 * SECOND) == 1
    for n in range(3):  # over the limit of 2 an hour: these wait
        scene.clock.now = T0 + (40 + n) * SECOND
        await scene.reply(f"more {n}")
    assert await scene.flush_at(60 * SECOND) == 0
    assert await scene.flush_at(HOUR) == 0
    assert await scene.flush_at(HOUR + 11 * SECOND) == 1
    messages = await scene.messages()
    assert len(messages) == 3
    assert _summary(messages[-1]) == "3 new replies on 'Rounding loses cents'"


async def test_a_restart_loses_nothing(scene: Scene) -> None:
    await scene.reply("before the restart")
    await scene.engine.dispose()
    engine = create_engine(scene.database_url)
    try:
        async with httpx.AsyncClient() as http:
            fresh = _runtime(engine, scene.database_url, scene.clock, http)
            assert await scene.flush_at(10 * SECOND, fresh) == 1
    finally:
        await engine.dispose()
    (only,) = await scene.messages()
    assert _summary(only) == "alice replied on 'Rounding loses cents'"


async def test_who_may_see_the_codemark_is_checked_when_the_message_is_built(scene: Scene) -> None:
    await scene.reply("@bob look")

    async def leave(uow: UnitOfWork) -> None:
        await uow.teams.remove_member(scene.team_id, scene.bob.id)

    await scene.services.write(leave)
    assert await scene.flush_at(10 * SECOND) == 0
    assert await scene.messages() == []
