"""How fast another worker resumes a killed worker's conversation (issue 15).

Two `codestream worker` processes with their default lease share one outbox (SQLite, or
PostgreSQL with --pg). Two cards wait for one channel; Teams (the emulator, in this process) holds
the first call for two minutes. When that call has been in flight for --alive seconds (longer than
a lease: the holder renews it, so the other worker must not take it), the holder is SIGKILLed,
and the time until each card arrives from the other worker is measured.

    .venv/bin/python bench/failover/run.py [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from codestream.config import new_document
from codestream.delivery.retry import deadline_at
from codestream.domain.clock import system_clock
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory
from teams_emulator import run_emulator, scene


async def _worker(config: Path, url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "codestream",
        "--config",
        str(config),
        "worker",
        env=dict(os.environ, CS_DATABASE_URL=url),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def main(url: str, alive: float) -> dict[str, float | int | str]:
    upgrade_database(url)
    engine = create_engine(url)
    uows = SqlUnitOfWorkFactory(engine)
    async with run_emulator() as emu:
        cast = scene(emu.emulator, users=["Alice Smith"])
        await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
        channel = cast.channel
        emu.emulator.faults.add("create_conversation", latency=120, count=1)
        now = system_clock()
        async with uows() as uow:
            ids = []
            for text in ("first", "second"):
                item = NewOutboxItem(
                    "bench",
                    cast.tenant.id,
                    emu.service_url(cast.tenant),
                    channel.id,
                    Operation.CREATE_CONVERSATION,
                    {"type": "message", "text": text},
                )
                stored = await uow.outbox.enqueue(item, now=now, deadline_at=deadline_at(now))
                ids.append(stored.id)
            await uow.commit()
        doc = new_document("https://codestream.example.com")
        doc["integrations"] = {"msteams": {"microsoft.com": emu.msteams_block(cast.bot)}}
        config = Path(tempfile.mkdtemp()) / "config.json"
        config.write_text(json.dumps(doc))
        workers = [await _worker(config, url), await _worker(config, url)]
        try:
            holder = None
            while holder is None:
                async with uows() as uow:
                    head = await uow.outbox.get(ids[0])
                if head is not None and head.status is DeliveryStatus.SENDING:
                    pid = int(str(head.claimed_by).split(":")[1])
                    holder = next(w for w in workers if w.pid == pid)
                await asyncio.sleep(0.02)
            await asyncio.sleep(alive)
            conversation = emu.emulator.world.conversations[channel.id]
            stolen = len(conversation.messages)
            holder.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            arrived: dict[str, float] = {}
            while len(arrived) < 2 and time.monotonic() - killed < 120:
                for message in conversation.messages.values():
                    arrived.setdefault(message.text, time.monotonic() - killed)
                await asyncio.sleep(0.01)
        finally:
            for worker in workers:
                if worker.returncode is None:
                    worker.send_signal(signal.SIGTERM)
                await worker.wait()
            await engine.dispose()
    return {
        "database": url.split(":")[0],
        "alive_s": alive,
        "taken_while_alive": stolen,
        "first_after_kill_s": round(arrived.get("first", -1), 2),
        "second_after_kill_s": round(arrived.get("second", -1), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument(
        "--alive", type=float, default=18.0, help="seconds in flight before the kill (< 20 s)"
    )
    args = parser.parse_args()
    database = args.pg or f"sqlite:///{tempfile.mkdtemp()}/failover.db"
    print(json.dumps(asyncio.run(main(database, args.alive))))
