"""Benchmark: personal notifications for 1,000 people, each getting 10 events in 10 s.

One command: `.venv/bin/python bench/notify/run.py [--pg URL] [--users N] [--bundle-seconds S]`.
One process: the Teams emulator (Teams' limits enforced, 429 with Retry-After beyond them), our
use cases, the notifier and one delivery worker, on a fresh SQLite database (or a fresh schema
`bench_notify` on PostgreSQL with --pg). Each person is linked to Teams and authored one issue;
"Ada" replies 10 rounds, one reply on every issue a round, a round a second, so each person is
concerned by 10 events in about 10 s. The events enter where the use cases hand them over,
`Notifications.codemark_event` (100 a transaction), so the bench measures the notification path
(queueing, bundling, rendering, delivery), not writing the replies themselves.

Reported: events, messages sent (each person's bundled messages), 429s, failures; the time to
drain (from the last event to the last message stored at the emulator) against its bound: the
bundling window plus the pacing bound for those messages under Teams' limits for 1:1 chats (per
chat 7/1 s, 8/2 s, 60/30 s, 1800/h; per tenant 50/s: `delivery/pacing.py`). The baseline,
computed under the same limits: no bundling (one message per event, each sent as soon as it
happens): its message count and the least time from its last event to its last message.

Prints a table and writes bench/results/notify-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from codestream.config import config_from_document, new_document
from codestream.delivery.pacing import PER_CONVERSATION, PER_TENANT, lower_bound_ms
from codestream.domain.models import (
    Codemark,
    CodemarkStatus,
    CodemarkType,
    Membership,
    Origin,
    Post,
    Team,
    User,
)
from codestream.domain.msteams import MsTeamsTenant, PersonalChat, UserLink
from codestream.domain.outbox import DeliveryStatus
from codestream.domain.services.notifications import CodemarkEvent
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.wiring import build_runtime
from teams_emulator import run_emulator, scene

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
ROUNDS = 10
PER_TRANSACTION = 100
PG_SCHEMA = "bench_notify"


def _id(n: int) -> str:
    return f"{n:024x}"


async def _populate(units: SqlUnitOfWorkFactory, cast: Any, chats: list[str], now: int) -> None:
    """Ada and one linked user per Teams user, all in one team, each with one issue."""
    tenant, people = cast.tenant, cast.users
    async with units() as uow:
        ada = User(_id(1), "ada@example.com", "ada", "Ada", "-", now, now)
        await uow.users.add(ada)
        await uow.teams.add(Team(_id(2), "Plant Eaters", ada.id, now, now))
        await uow.teams.add_member(Membership(_id(2), ada.id, True, now))
        await uow.msteams.save_tenant(MsTeamsTenant(tenant.id, cast.service_url, now, now))
        for n, (person, chat_id) in enumerate(zip(people, chats, strict=True)):
            user = User(_id(1000 + n), f"u{n}@example.com", f"u{n}", person.name, "-", now, now)
            await uow.users.add(user)
            await uow.teams.add_member(Membership(_id(2), user.id, False, now))
            await uow.msteams.save_user_link(UserLink(tenant.id, person.id, user.id, now))
            await uow.msteams.save_personal_chat(
                PersonalChat(
                    chat_id, tenant.id, person.id, person.name, cast.service_url, True, now, now
                )
            )
            await uow.codemarks.add(
                Codemark(
                    id=_id(100_000 + n),
                    team_id=_id(2),
                    creator_id=user.id,
                    type=CodemarkType.ISSUE,
                    title=f"Rounding loses cents #{n}",
                    text="Totals are off by one cent.",
                    status=CodemarkStatus.OPEN,
                    origin=Origin.API,
                    created_at=now,
                    modified_at=now,
                )
            )
        await uow.commit()


async def run(database_url: str, users: int, bundle_seconds: float) -> dict[str, Any]:
    """The scenario on one database; its figures."""
    async with run_emulator(transcript_limit=1_000_000) as emu:
        emu.emulator.transcript.enabled = True
        cast = scene(emu.emulator, users=[f"Person {n}" for n in range(users)], channels=())
        bot = cast.bot
        chats = []
        for person in cast.users:
            await emu.driver.install_bot_personal(bot, person)
            chats.append(emu.driver.personal_chat(bot, person).id)
        document = new_document("https://codestream.example.com")
        document["integrations"] = {"msteams": {"bench": emu.msteams_block(bot)}}
        document["notifications"] = {"bundleSeconds": bundle_seconds, "maxPerHour": 10}
        config = config_from_document(document, environ={"CS_DATABASE_URL": database_url})
        await asyncio.to_thread(upgrade_database, database_url)
        engine = create_engine(database_url)
        async with httpx.AsyncClient(timeout=30) as http:
            runtime = build_runtime(config, engine, http, worker_id="bench")
            services, delivery, notifier = runtime.services, runtime.delivery, runtime.notifier
            assert delivery is not None and notifier is not None
            units = SqlUnitOfWorkFactory(engine)
            await _populate(
                units, _Cast(cast, emu.service_url(cast.tenant)), chats, int(time.time() * 1000)
            )
            async with units() as uow:
                ada = await uow.users.get(_id(1))
                codemarks = [await uow.codemarks.get(_id(100_000 + n)) for n in range(users)]
            assert ada is not None and all(c is not None for c in codemarks)
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(delivery.run_forever(stop, idle_sleep=0.05)),
                asyncio.create_task(notifier.run_forever(stop)),
            ]
            first_event = time.time()
            hook = services.notifications
            assert hook is not None
            for round_ in range(ROUNDS):
                await asyncio.sleep(max(0.0, first_event + round_ - time.time()))
                for start in range(0, users, PER_TRANSACTION):
                    async with services.units() as uow:
                        now = int(time.time() * 1000)
                        for n in range(start, min(users, start + PER_TRANSACTION)):
                            codemark = codemarks[n]
                            post = Post(
                                _id(200_000 + round_ * users + n),
                                codemark.team_id,
                                codemark.id,
                                ada.id,
                                f"Round {round_}: still off.",
                                Origin.API,
                                now,
                                now,
                            )
                            await hook.codemark_event(
                                uow, CodemarkEvent(codemark, ada, now, post=post)
                            )
                        await uow.commit()
            last_event = time.time()
            while True:
                async with units() as uow:
                    depth = await uow.outbox.depth()
                    pending = await uow.notifications.due_users(now=2**62, limit=1)
                done = depth[DeliveryStatus.SENT] + depth[DeliveryStatus.FAILED]
                if not pending and done == sum(depth.values()) and done > 0:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.gather(*tasks)
            async with engine.connect() as conn:
                failed = (
                    await conn.execute(
                        sa.text("SELECT count(*) FROM outbox WHERE status = 'failed'")
                    )
                ).scalar_one()
        await engine.dispose()
        calls = emu.emulator.transcript.query(route="send_to_conversation")
        per_chat = Counter[str]()
        arrivals: list[float] = []
        for chat in chats:
            for message in emu.emulator.world.conversations[chat].messages.values():
                if message.from_bot:
                    per_chat[chat] += 1
                    arrivals.append(message.timestamp)
    sent = len(arrivals)
    pacing_ms = max(
        lower_bound_ms(max(per_chat.values(), default=0), PER_CONVERSATION),
        lower_bound_ms(sent, PER_TENANT),
    )
    # The last events' bundle is due `bundle_seconds` after them; Teams' limits then bound how
    # fast the messages can go (a lower bound: every message could have been sent by then).
    bound_s = bundle_seconds + pacing_ms / 1000
    drain = max(arrivals) - last_event if arrivals else 0.0
    events = users * ROUNDS
    # No bundling: one message per event, sendable as soon as the event happens; the last can
    # arrive no sooner than the pacing bound of all of them after the first event.
    baseline_ms = max(lower_bound_ms(ROUNDS, PER_CONVERSATION), lower_bound_ms(events, PER_TENANT))
    baseline_drain = max(0.0, baseline_ms / 1000 - (last_event - first_event))
    return {
        "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
        "users": users,
        "events": events,
        "events_sent_in_s": round(last_event - first_event, 2),
        "bundle_seconds": bundle_seconds,
        "messages_sent": sent,
        "messages_per_person_max": max(per_chat.values(), default=0),
        "429s": sum(1 for c in calls if c.status == 429),
        "failed": int(failed),
        "drain_s": round(drain, 2),
        "bound_s": round(bound_s, 2),
        "drain_vs_bound": round(drain / bound_s, 2) if bound_s else None,
        "baseline_messages": events,
        "baseline_bound_s": round(baseline_drain, 2),
    }


class _Cast:
    """The scene's tenant and people, with the tenant's serviceUrl."""

    def __init__(self, cast: Any, service_url: str) -> None:
        self.tenant = cast.tenant
        self.users = cast.users
        self.service_url = service_url


def _pg_schema(url: str, *, create: bool) -> None:
    """Drop the benchmark's schema, and with `create` make it afresh."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        if create:
            conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "runner", "db", "events", "events sent in, s", "messages", "max/person", "429s", "failed",
        "last event to last message, s", "bound s", "x bound",
    )  # fmt: skip
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        lines.append(
            f"ours, bundled ({r['bundle_seconds']} s) | {r['database']} | {r['events']} | "
            f"{r['events_sent_in_s']} | {r['messages_sent']} | {r['messages_per_person_max']} | "
            f"{r['429s']} | "
            f"{r['failed']} | {r['drain_s']} | {r['bound_s']} | {r['drain_vs_bound']}"
        )
        lines.append(
            f"baseline: no bundling (computed) | - | {r['events']} | same | "
            f"{r['baseline_messages']} | "
            f"{ROUNDS} | - | - | - | {r['baseline_bound_s']} | -"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("CS_BENCH_PG_URL"), help="PostgreSQL URL")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--bundle-seconds", type=float, default=30.0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(await run(f"sqlite:///{tmp}/notify.db", args.users, args.bundle_seconds))
    if args.pg:
        _pg_schema(args.pg, create=True)
        try:
            separator = "&" if "?" in args.pg else "?"
            url = f"{args.pg}{separator}options=-csearch_path%3D{PG_SCHEMA}"
            rows.append(await run(url, args.users, args.bundle_seconds))
        finally:
            _pg_schema(args.pg, create=False)
    print(_table(rows))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"notify-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "rows": rows}, indent=2)
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    asyncio.run(main())
