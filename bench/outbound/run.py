"""Benchmark: delivering cards to Teams through the durable outbox, against Teams' limits.

One command: `.venv/bin/python bench/outbound/run.py [--pg URL] [--skip-c]`. The Teams emulator
(in this process) enforces Teams' documented limits. Scenarios:

* (a) 120 cards to one channel; (b) 2,000 cards across 100 channels of one tenant. Each is run by
  our DeliveryWorker (SQLite outbox, one in-process worker) and, in the same run, by the naive
  baseline: a loop calling Microsoft's `botframework-connector` ConnectorClient once per message
  (as the original did; a 429 or 5xx loses that message). Reported: wall time from the first call
  to the last message at the emulator, the lower bound Teams' limits allow for it, 429s, lost.
* latency: throttling off, cards enqueued one at a time (the worker woken as the share API does):
  enqueue to the message stored at the emulator, p50 and p95.
* (c) scale-out: 4 `codestream worker` processes on PostgreSQL deliver 10,000 cards across 500
  channels in 20 tenants; duplicates and losses counted at the emulator.

Prints a table and writes bench/results/outbound-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from codestream.config import config_from_document, new_document
from codestream.delivery.pacing import PER_CONVERSATION, PER_TENANT, lower_bound_ms
from codestream.delivery.retry import deadline_at
from codestream.delivery.worker import DeliveryWorker
from codestream.domain.clock import system_clock
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.connector import ConnectorClient
from codestream.teams.http import outbound_client
from codestream.teams.settings import bot_settings
from codestream.teams.tokens import ConnectorTokens
from teams_emulator import BotApp, Channel, RunningEmulator, Tenant, run_emulator, scene

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
from common import cpu_seconds  # noqa: E402 - bench/common.py, beside this folder

Targets = list[tuple[Tenant, list[Channel]]]


async def _world(emu: RunningEmulator, tenants: int, channels: int) -> tuple[BotApp, Targets]:
    bot = emu.emulator.add_bot(tenant=None, name="CodeStream")  # multi-tenant
    targets: Targets = []
    for t in range(tenants):
        cast = scene(
            emu.emulator,
            tenant=f"Tenant {t}",
            users=[f"Owner {t}"],
            team=f"Team {t}",
            channels=[f"ch{c}" for c in range(channels)],
            bot=bot,
        )
        await emu.driver.install_bot(bot, cast.team, by=cast.alice)
        targets.append((cast.tenant, cast.channels))
    return bot, targets


def _payload(channel: Channel, tenant: Tenant, text: str) -> dict[str, Any]:
    return {
        "isGroup": True,
        "channelData": {"channel": {"id": channel.id}},
        "activity": {"type": "message", "text": text},
        "tenantId": tenant.id,
    }


def _messages(targets: Targets, per_channel: int) -> list[tuple[Tenant, Channel, str]]:
    return [
        (tenant, channel, f"{channel.id} #{i}")
        for i in range(per_channel)
        for tenant, chans in targets
        for channel in chans
    ]


def _arrivals(emu: RunningEmulator, targets: Targets) -> list[tuple[float, str]]:
    found = []
    for _, chans in targets:
        for channel in chans:
            for message in emu.emulator.world.conversations[channel.id].messages.values():
                found.append((message.timestamp, message.text))
    return found


def _bound_s(targets: Targets, per_channel: int) -> float:
    per_conversation = lower_bound_ms(per_channel, PER_CONVERSATION)
    per_tenant = max(lower_bound_ms(per_channel * len(chans), PER_TENANT) for _, chans in targets)
    return max(per_conversation, per_tenant) / 1000


def _config(emu: RunningEmulator, bot: BotApp) -> dict[str, Any]:
    """A services config document whose bot is `bot` at the emulator."""
    doc = new_document("https://codestream.example.com")
    doc["integrations"] = {"msteams": {"bench": emu.msteams_block(bot)}}
    return doc


def _connector(emu: RunningEmulator, bot: BotApp, http: Any) -> ConnectorClient:
    block = config_from_document(_config(emu, bot), environ={}).msteams
    settings = bot_settings(block) if block is not None else None
    assert settings is not None
    return ConnectorClient(http, ConnectorTokens(http, settings), settings.service_url_origins)


async def _enqueue(
    uows: SqlUnitOfWorkFactory,
    emu: RunningEmulator,
    messages: list[tuple[Tenant, Channel, str]],
    per_commit: int = 500,
) -> None:
    for start in range(0, len(messages), per_commit):
        now = system_clock()
        async with uows() as uow:
            for tenant, channel, text in messages[start : start + per_commit]:
                await uow.outbox.enqueue(
                    NewOutboxItem(
                        "bench",
                        tenant.id,
                        emu.service_url(tenant),
                        channel.id,
                        Operation.CREATE_CONVERSATION,
                        _payload(channel, tenant, text),
                    ),
                    now=now,
                    deadline_at=deadline_at(now),
                )
            await uow.commit()


def _summary(
    name: str,
    runner: str,
    emu: RunningEmulator,
    targets: Targets,
    messages: list[tuple[Tenant, Channel, str]],
    per_channel: int,
    started: float,
) -> dict[str, Any]:
    arrivals = _arrivals(emu, targets)
    counts = Counter(text for _, text in arrivals)
    expected = {text for _, _, text in messages}
    calls = emu.emulator.transcript.query(route="create_conversation")
    first = min((c.time for c in calls), default=started)
    last = max((t for t, _ in arrivals), default=first)
    bound = _bound_s(targets, per_channel)
    wall = last - first
    return {
        "scenario": name,
        "runner": runner,
        "messages": len(messages),
        "wall_s": round(wall, 3),
        "wall_from_start_s": round(last - started, 3),
        "bound_s": round(bound, 3),
        "vs_bound": round(wall / bound, 3) if bound else None,
        "calls": len(calls),
        "429s": sum(1 for c in calls if c.status == 429),
        "lost": len(expected - set(counts)),
        "duplicates": sum(n - 1 for n in counts.values()),
    }


async def run_ours(name: str, tenants: int, channels: int, per_channel: int) -> dict[str, Any]:
    """Our worker on a fresh SQLite outbox."""
    async with run_emulator(transcript_limit=1_000_000) as emu:
        bot, targets = await _world(emu, tenants, channels)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/outbox.db"
            await asyncio.to_thread(upgrade_database, url)
            engine = create_engine(url)
            uows = SqlUnitOfWorkFactory(engine)
            messages = _messages(targets, per_channel)
            await _enqueue(uows, emu, messages)
            async with outbound_client(timeout=30) as http:
                worker = DeliveryWorker(uows, _connector(emu, bot, http), worker_id="bench")
                stop = asyncio.Event()
                started = time.time()
                task = asyncio.create_task(worker.run_forever(stop, idle_sleep=0.05))
                while True:
                    async with uows() as uow:
                        depth = await uow.outbox.depth()
                    if depth[DeliveryStatus.SENT] + depth[DeliveryStatus.FAILED] == len(messages):
                        break
                    await asyncio.sleep(0.05)
                stop.set()
                await task
            await engine.dispose()
        result = _summary(name, "ours (outbox)", emu, targets, messages, per_channel, started)
        result["failed"] = depth[DeliveryStatus.FAILED]
        result["postponed"] = worker.stats.postponed
        return result


async def run_naive(name: str, tenants: int, channels: int, per_channel: int) -> dict[str, Any]:
    """A loop calling botframework-connector's ConnectorClient once per message."""
    import requests
    from botbuilder.schema import Activity, ConversationParameters
    from botframework.connector import ConnectorClient as SdkClient
    from botframework.connector.auth import MicrosoftAppCredentials

    async with run_emulator(transcript_limit=1_000_000) as emu:
        bot, targets = await _world(emu, tenants, channels)
        token_url = emu.token_url()

        class Credentials(MicrosoftAppCredentials):  # type: ignore[misc]
            def get_access_token(self, force_refresh: bool = False) -> str:
                response = requests.post(
                    token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": bot.app_id,
                        "client_secret": bot.secret,
                        "scope": "https://api.botframework.com/.default",
                    },
                    timeout=10,
                )
                response.raise_for_status()
                return str(response.json()["access_token"])

        messages = _messages(targets, per_channel)

        def loop() -> int:
            credentials = Credentials(bot.app_id, bot.secret)
            clients = {
                t.id: SdkClient(credentials, base_url=emu.service_url(t)) for t, _ in targets
            }
            errors = 0
            for tenant, channel, text in messages:
                try:
                    clients[tenant.id].conversations.create_conversation(
                        ConversationParameters(
                            is_group=True,
                            channel_data={"channel": {"id": channel.id}},
                            activity=Activity(type="message", text=text),
                            tenant_id=tenant.id,
                        )
                    )
                except Exception:  # the original logged and moved on: the message is lost
                    errors += 1
            return errors

        started = time.time()
        await asyncio.to_thread(loop)
        return _summary(
            name,
            "naive (botframework-connector loop)",
            emu,
            targets,
            messages,
            per_channel,
            started,
        )


async def run_latency(count: int = 200) -> dict[str, Any]:
    """Throttling off: one card at a time, enqueue to stored at the emulator."""
    async with run_emulator(throttling=False) as emu:
        bot, targets = await _world(emu, 1, 10)
        tenant, chans = targets[0]
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/outbox.db"
            await asyncio.to_thread(upgrade_database, url)
            engine = create_engine(url)
            uows = SqlUnitOfWorkFactory(engine)
            async with outbound_client(timeout=30) as http:
                worker = DeliveryWorker(uows, _connector(emu, bot, http), worker_id="bench")
                stop = asyncio.Event()
                task = asyncio.create_task(worker.run_forever(stop, idle_sleep=1.0))
                enqueued: dict[str, float] = {}
                for i in range(count):
                    channel = chans[i % len(chans)]
                    text = f"latency {i}"
                    enqueued[text] = time.time()
                    await _enqueue(uows, emu, [(tenant, channel, text)])
                    worker.wake()
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.5)
                stop.set()
                await task
            await engine.dispose()
        latencies = sorted(
            (t - enqueued[text]) * 1000 for t, text in _arrivals(emu, targets) if text in enqueued
        )
    return {
        "scenario": "latency (unthrottled)",
        "runner": "ours (outbox)",
        "messages": count,
        "delivered": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
    }


async def run_scale_out(
    pg_url: str, workers: int = 4, *, cold: bool = False, batch: int | None = None
) -> dict[str, Any]:
    """(c): 4 worker processes on PostgreSQL, 10,000 cards, 500 channels, 20 tenants.

    By default the workers run before the cards are queued, as in production, where workers
    run all along and a burst arrives: the cards are queued in one transaction once every
    worker has said it started. `cold`: the cards wait in the outbox first and the workers are
    started on them (the clock still starts at the first call, but the workers that start
    later import and connect while the first ones send).
    """
    import sqlalchemy as sa

    from codestream.storage.tables import delivery_sends, outbox

    async with run_emulator(transcript_limit=1_000_000) as emu:
        emu.emulator.transcript.enabled = True
        bot, targets = await _world(emu, 20, 25)
        await asyncio.to_thread(upgrade_database, pg_url)
        engine = create_engine(pg_url)
        async with engine.begin() as conn:
            await conn.execute(sa.delete(outbox))
            await conn.execute(sa.delete(delivery_sends))
        uows = SqlUnitOfWorkFactory(engine)
        messages = _messages(targets, 20)
        if cold:
            await _enqueue(uows, emu, messages)
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.json"
            config.write_text(json.dumps(_config(emu, bot)))
            env = dict(os.environ, CS_DATABASE_URL=pg_url)
            started = time.time()
            options = ["--batch", str(batch)] if batch is not None else []
            procs = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "codestream",
                    "--config",
                    str(config),
                    "worker",
                    "--id",
                    f"bench-{i}",
                    "--idle-sleep",
                    "0.05",
                    *options,
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
                for i in range(workers)
            ]
            logs: list[list[str]] = [[] for _ in procs]
            if not cold:
                for proc, lines in zip(procs, logs, strict=True):
                    await _until_started(proc, lines)
                started = time.time()
                await _enqueue(uows, emu, messages, per_commit=len(messages))
            cpu_before = sum(cpu_seconds(proc.pid) for proc in procs)
            pg_before = _postgres_cpu()
            channels = [emu.emulator.world.conversations[c.id] for _, cs in targets for c in cs]
            while True:
                # Counted at the emulator first, in this process: a GROUP BY over the outbox
                # five times a second took 3.4 s of PostgreSQL's CPU from the workers.
                if sum(len(channel.messages) for channel in channels) < len(messages):
                    if any(p.returncode is not None for p in procs):
                        raise RuntimeError("a worker exited early")
                    await asyncio.sleep(0.2)
                    continue
                async with uows() as uow:
                    depth = await uow.outbox.depth()
                if depth[DeliveryStatus.SENT] + depth[DeliveryStatus.FAILED] == len(messages):
                    break
                if any(p.returncode is not None for p in procs):
                    raise RuntimeError("a worker exited early")
                await asyncio.sleep(0.2)
            worker_cpu = sum(cpu_seconds(proc.pid) for proc in procs) - cpu_before
            pg_cpu = _postgres_cpu() - pg_before
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            codes = [await proc.wait() for proc in procs]
            for proc, lines in zip(procs, logs, strict=True):
                assert proc.stderr is not None  # each worker's last line: what its looks did
                lines += (await proc.stderr.read()).decode(errors="replace").splitlines()
                stopped = [line for line in lines if " stopped: " in line]
                print(stopped[-1] if stopped else "\n".join(lines[-5:]), file=sys.stderr)
        await engine.dispose()
        result = _summary(
            "(c) 10,000 cards, 500 channels, 20 tenants",
            f"ours, {workers} worker processes, PostgreSQL" + (", cold start" if cold else ""),
            emu,
            targets,
            messages,
            20,
            started,
        )
        result["failed"] = depth[DeliveryStatus.FAILED]
        result["exit_codes"] = codes
        result["workers_started_first"] = not cold
        result["cpu_s"] = {"workers": round(worker_cpu, 2), "postgresql": round(pg_cpu, 2)}
        return result


def _postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on this machine so far (Linux /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if stat.read_bytes().startswith(b"postgres"):
                total += cpu_seconds(int(stat.parent.name))
        except OSError:
            continue
    return total


async def _until_started(proc: asyncio.subprocess.Process, lines: list[str]) -> None:
    """Read a worker's log until it says it started (the lines kept in `lines`)."""
    assert proc.stderr is not None
    while True:
        line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode(errors="replace")
        if not line:
            raise RuntimeError("a worker exited before it started:\n" + "".join(lines))
        lines.append(line.rstrip("\n"))
        if " started" in line:
            return


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("scenario", "runner", "msgs", "wall s", "bound s", "x bound", "429s", "lost", "dup")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        if "p50_ms" in r:
            lines.append(
                f"{r['scenario']} | {r['runner']} | {r['messages']} | p50 {r['p50_ms']} ms | "
                f"p95 {r['p95_ms']} ms | target p50 < 30 ms | - | "
                f"{r['messages'] - r['delivered']} | -"
            )
            continue
        lines.append(
            f"{r['scenario']} | {r['runner']} | {r['messages']} | {r['wall_s']} | {r['bound_s']} | "
            f"{r['vs_bound']} | {r['429s']} | {r['lost']} | {r['duplicates']}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pg", default=os.environ.get("CS_BENCH_PG_URL"), help="PostgreSQL URL for (c)"
    )
    parser.add_argument("--skip-c", action="store_true", help="skip the scale-out scenario")
    parser.add_argument("--only", choices=["a", "b", "latency", "c"], action="append")
    parser.add_argument(
        "--cold", action="store_true", help="(c): start the workers on a full outbox"
    )
    parser.add_argument("--batch", type=int, help="(c): the workers' --batch")
    args = parser.parse_args()
    only = set(args.only or ["a", "b", "latency", "c"])
    rows: list[dict[str, Any]] = []
    if "a" in only:
        rows.append(await run_ours("(a) 120 cards, 1 channel", 1, 1, 120))
        rows.append(await run_naive("(a) 120 cards, 1 channel", 1, 1, 120))
    if "b" in only:
        rows.append(await run_ours("(b) 2,000 cards, 100 channels", 1, 100, 20))
        rows.append(await run_naive("(b) 2,000 cards, 100 channels", 1, 100, 20))
    if "latency" in only:
        rows.append(await run_latency())
    if "c" in only and not args.skip_c:
        if not args.pg:
            print("(c) skipped: pass --pg postgresql://... or set CS_BENCH_PG_URL")
        else:
            rows.append(await run_scale_out(args.pg, cold=args.cold, batch=args.batch))
    print(_table(rows))
    for row in rows:
        if "cpu_s" in row:
            print(
                f"{row['scenario']}: CPU s from the first card queued to the last delivered:"
                f" {row['cpu_s']}"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"outbound-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
