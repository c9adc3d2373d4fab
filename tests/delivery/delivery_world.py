"""The delivery test world: a migrated database, the Teams emulator on a manual clock, workers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from codestream.delivery.retry import deadline_at
from codestream.delivery.worker import DeliveryWorker
from codestream.domain.outbox import NewOutboxItem, Operation, OutboxItem
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.connector import ConnectorClient
from codestream.teams.settings import BotSettings, bot_settings
from codestream.teams.tokens import ConnectorTokens
from support.bots import bot_block
from support.databases import undelivered
from teams_emulator import BotApp, Channel, ManualClock, RunningEmulator, Scene, Team, Tenant
from teams_emulator.transcript import Exchange

CHANNELS = ("Channel 0", "Channel 1", "Channel 2")
"""The channels of the delivery tests' team."""


@dataclass
class Delivery:
    """A tenant with one team, its channels, our bot installed, and the outbox on `engine`."""

    emu: RunningEmulator
    clock: ManualClock
    tenant: Tenant
    team: Team
    channels: list[Channel]
    bot: BotApp
    http: httpx.AsyncClient
    uows: SqlUnitOfWorkFactory
    workers: list[DeliveryWorker] = field(default_factory=list)

    @property
    def service_url(self) -> str:
        return self.emu.service_url(self.tenant)

    def now_ms(self) -> int:
        """The worker's clock: the emulator's manual clock, in milliseconds."""
        return int(self.clock() * 1000)

    @classmethod
    def of(
        cls,
        emu: RunningEmulator,
        clock: ManualClock,
        cast: Scene,
        http: httpx.AsyncClient,
        uows: SqlUnitOfWorkFactory,
    ) -> Delivery:
        """The delivery world of an emulator scene."""
        return cls(emu, clock, cast.tenant, cast.team, cast.channels, cast.bot, http, uows)

    def settings(self) -> BotSettings:
        settings = bot_settings(bot_block(self.emu, self.bot))
        assert settings is not None
        return settings

    def connector(self) -> ConnectorClient:
        settings = self.settings()
        tokens = ConnectorTokens(self.http, settings, clock=self.clock)
        return ConnectorClient(self.http, tokens, settings.service_url_origins)

    def worker(self, worker_id: str = "w1", **options: Any) -> DeliveryWorker:
        worker = DeliveryWorker(
            self.uows, self.connector(), worker_id=worker_id, clock=self.now_ms, **options
        )
        self.workers.append(worker)
        return worker

    async def enqueue(
        self, channel: Channel, text: str, *, deadline_hours: float = 24.0
    ) -> OutboxItem:
        """A new channel post (a card's thread), committed."""
        activity = {"type": "message", "text": text}
        return await self.enqueue_raw(
            channel, Operation.CREATE_CONVERSATION, activity, deadline_hours=deadline_hours
        )

    async def enqueue_raw(
        self,
        channel: Channel,
        operation: Operation,
        payload: dict[str, Any],
        *,
        conversation_id: str | None = None,
        deadline_hours: float = 24.0,
    ) -> OutboxItem:
        """Any outbox row, committed."""
        item = NewOutboxItem(
            kind="test",
            tenant_id=self.tenant.id,
            service_url=self.service_url,
            conversation_id=conversation_id or channel.id,
            operation=operation,
            payload=payload,
        )
        now = self.now_ms()
        async with self.uows() as uow:
            stored = await uow.outbox.enqueue(
                item, now=now, deadline_at=deadline_at(now, deadline_hours)
            )
            await uow.commit()
        return stored

    async def item(self, item_id: int) -> OutboxItem:
        async with self.uows() as uow:
            found = await uow.outbox.get(item_id)
        assert found is not None
        return found

    async def pending(self) -> int:
        """Outbox rows not sent or failed yet."""
        return await undelivered(self.uows)

    async def pump(
        self, *workers: DeliveryWorker, max_rounds: int = 10_000, limit: int = 50
    ) -> None:
        """Run the workers (concurrently, each claiming up to `limit` rows a round) until nothing
        is pending, jumping the manual clock to each due time when none has anything to send.

        Each round another worker starts first: the one that starts first takes the claim lock
        of the organization, and a worker that always came second would find it taken every
        time and never claim (workers that are not in lockstep take turns by themselves)."""
        for turn in range(max_rounds):
            first = turn % len(workers)
            order = workers[first:] + workers[:first]
            claimed = await asyncio.gather(*(worker.run_once(limit) for worker in order))
            if any(claimed):
                continue
            async with self.uows() as uow:
                due = await uow.outbox.next_due_at()
            if due is None:
                return
            wait = due - self.now_ms()
            if wait > 0:
                self.clock.advance(wait / 1000)
        raise AssertionError("the outbox did not drain")

    def texts(self, channel: Channel) -> list[str]:
        """The texts of the channel's posts at the emulator, in the order they arrived."""
        conversation = self.emu.emulator.world.conversations[channel.id]
        return [m.text for m in conversation.messages.values() if m.thread_root == m.id]

    def posts(self, channel: Channel) -> list[str]:
        """Alias of `texts`."""
        return self.texts(channel)

    def requests(self, route: str = "create_conversation") -> list[Exchange]:
        """The connector calls the emulator saw on a route, oldest first."""
        return self.emu.emulator.transcript.query(route=route)
