"""A restart while shares are being enqueued loses nothing: every message reaches Teams once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from admin.conftest import Cs, base_doc
from admin.services import kill_all, pid_of
from admin.tls import ThreadedEmulator, emulator_in_thread
from codestream.config import config_from_document, write_document
from codestream.delivery.retry import deadline_at
from codestream.domain.clock import system_clock
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory
from support.servers import free_port
from teams_emulator import Channel, Tenant, scene


@pytest.fixture
def teams() -> Iterator[ThreadedEmulator]:
    with emulator_in_thread() as threaded:
        yield threaded


def _enqueue(url: str, tenant: Tenant, service_url: str, items: list[tuple[Channel, str]]) -> None:
    async def body() -> None:
        engine = create_engine(url)
        try:
            async with SqlUnitOfWorkFactory(engine)() as uow:
                now = system_clock()
                for channel, text in items:
                    payload = {
                        "isGroup": True,
                        "channelData": {"channel": {"id": channel.id}},
                        "activity": {"type": "message", "text": text},
                    }
                    await uow.outbox.enqueue(
                        NewOutboxItem(
                            "share",
                            tenant.id,
                            service_url,
                            channel.id,
                            Operation.CREATE_CONVERSATION,
                            payload,
                        ),
                        now=now,
                        deadline_at=deadline_at(now),
                    )
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(body())


def _depth(url: str) -> Counter[DeliveryStatus]:
    async def body() -> Counter[DeliveryStatus]:
        engine = create_engine(url)
        try:
            async with SqlUnitOfWorkFactory(engine)() as uow:
                return Counter(await uow.outbox.depth())
        finally:
            await engine.dispose()

    return asyncio.run(body())


@pytest.mark.slow
def test_a_restart_during_enqueueing_loses_nothing(
    cs: Cs, home: Path, cfg_file: Path, teams: ThreadedEmulator
) -> None:
    emu = teams.emu
    cast = scene(emu.emulator, users=["Alice Smith"], channels=[f"Channel {i}" for i in range(3)])
    tenant, channels, bot = cast.tenant, cast.channels, cast.bot
    teams.run(emu.driver.install_bot(bot, cast.team, by=cast.alice))

    doc = base_doc(free_port(), home)
    doc["integrations"] = {"msteams": {"microsoft.com": emu.msteams_block(bot)}}
    write_document(cfg_file, doc)
    url = config_from_document(doc, source=cfg_file).database_url
    upgrade_database(url)
    service_url = emu.service_url(tenant)
    texts = [f"share {i}" for i in range(30)]
    items = [(channels[i % 3], text) for i, text in enumerate(texts)]

    def arrived() -> Counter[str]:
        counts: Counter[str] = Counter()
        for channel in channels:
            for message in emu.emulator.world.conversations[channel.id].messages.values():
                counts[message.text] += 1
        return counts

    try:
        _enqueue(url, tenant, service_url, items[:10])
        started = cs("start")
        assert started.exit_code == 0, started.output
        assert pid_of(home, "worker") is not None, started.output
        deadline = time.monotonic() + 60
        while not arrived() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert arrived(), "nothing was delivered after start"

        def keep_sharing() -> None:  # shares keep coming while the services restart
            for i in range(10, 30):
                _enqueue(url, tenant, service_url, [items[i]])
                time.sleep(0.2)

        sharer = threading.Thread(target=keep_sharing)
        sharer.start()
        restarted = cs("restart", "-M")
        sharer.join()
        assert restarted.exit_code == 0, restarted.output
        assert "Stopped the delivery worker" in restarted.output

        deadline = time.monotonic() + 90
        while _depth(url)[DeliveryStatus.SENT] < 30 and time.monotonic() < deadline:
            time.sleep(0.2)
        depth = _depth(url)
        assert depth[DeliveryStatus.SENT] == 30, depth
        assert depth[DeliveryStatus.FAILED] == 0
        counts = arrived()
        assert set(counts) == set(texts)  # none lost
        assert max(counts.values()) == 1  # graceful: nothing sent twice
        assert cs("stop").exit_code == 0
    finally:
        kill_all(home)
