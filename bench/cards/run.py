"""Benchmark: cards that update in place. One codemark shared to 20 channels, 500 changes in 5 s.

One command: `.venv/bin/python bench/cards/run.py [--pg URL] [--one-process]`. Three processes,
as deployed: our app is `codestream serve` (REST API, bot endpoint, its in-process delivery
worker; pinned to CPU 0), the Teams emulator plays Microsoft's remote service in its own process
(`bench/cards/teams.py`, enforcing Teams' limits; CPU 1), and this process is the REST client
(CPU 1). They share the machine's wall clock (`time.time()`). Scenarios, on SQLite (and
PostgreSQL with `--pg`, in a fresh schema `bench_cards`):

* burst: 500 PATCHes of the codemark through the REST API in 5 s, open loop: one sent every
  10 ms whatever the answers, concurrently (the last one, sent once all others were answered,
  resolves it). Reported: whether every card ends in the final state, update calls per card,
  429s, the PATCHes' own latency, and the time from the last change to the last card updated,
  against the pacing bound: the soonest each card's final update could go under the windows
  (`delivery/pacing.py`: the card's own one-a-second window, its channel's and the tenant's),
  given the calls made before the last change.
* latency: one change at a time, 1.1 s apart, so no window of `delivery/pacing.py` holds any
  update back (checked: the pacing bound at each change is 0), still through the outbox and the
  worker. A change "reaches its card" when the emulator has stored the updated card: from the
  client sending the PATCH (`time.time()` here) to the emulator's transcript entry of that card's
  update call (`time.time()` there, taken after the card is stored), p50 and p95 over all
  (change, card) pairs.

Baseline in the same run: no coalescing (one update per change per card), its call count and
drain-time lower bound under the same limits computed. `--one-process`: the earlier layout
(`one_process.py`: all on one event loop) for comparison. Prints a table, writes JSON to
bench/results/cards-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from codestream.config import new_document, write_document
from codestream.delivery.pacing import (
    CARD_UPDATE,
    PER_CONVERSATION,
    PER_TENANT,
    earliest,
    lower_bound_ms,
)
from codestream.domain.services import msteams_channels
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import cpu_seconds, free_port, pin, stop
from teams import Teams, start_teams, until_up

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
ROOT = HERE.parent.parent
CHANNELS = 20
CHANGES = 500
BURST_S = 5.0
PG_SCHEMA = "bench_cards"
LATENCY_SAMPLES = 20
PASSWORD = "correct horse battery 7"


async def _world(teams: Teams, client: httpx.AsyncClient, url: str) -> str:
    """Ada's team, its codemark shared to the 20 channels and sent; the codemark's id."""
    signed_up = await client.post(
        "/api/v1/users",
        json={"email": "ada@example.com", "password": PASSWORD, "fullName": "Ada"},
    )
    assert signed_up.status_code == 201, signed_up.text
    login = await client.post(
        "/api/v1/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    client.headers["Authorization"] = f"Bearer {login.json()['accessToken']}"
    team = (await client.post("/api/v1/teams", json={"name": "Bench"})).json()
    engine = create_engine(url)  # setup only: connect the channels as an admin would
    async with SqlUnitOfWorkFactory(engine)() as uow:
        cs_team = await uow.teams.get(team["id"])
        user = await uow.users.get(signed_up.json()["id"])
        assert cs_team is not None and user is not None
        for channel_id in teams.channels:
            await msteams_channels.connect(
                uow, channel_id=channel_id, user=user, teams=[cs_team], now=int(time.time() * 1000)
            )
        await uow.commit()
    await engine.dispose()
    codemark = (
        await client.post(
            "/api/v1/codemarks",
            json={"teamId": team["id"], "type": "issue", "title": "v0", "text": "Rounding."},
        )
    ).json()
    shared = await client.post(
        f"/api/v1/codemarks/{codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": teams.channels},
    )
    assert shared.status_code == 202, shared.text
    assert (await teams.cards(0, wait=30))["done"], "the cards did not arrive"
    await asyncio.sleep(1.2)  # let the cards' first update window pass
    return str(codemark["id"])


def _bound(calls: list[dict[str, Any]], cards: dict[str, str], last_change: float) -> float:
    """When, at the soonest, the last card's final update could go under the windows, given
    the `calls` made before `last_change`; seconds after `last_change`. `cards`: channel id ->
    its card's activity id."""
    before = [c for c in calls if c["time"] <= last_change]
    tenant = sorted(int(c["time"] * 1000) for c in before if c["direction"] == "bot_to_teams")
    at = int(last_change * 1000)
    worst = at
    for channel_id, card_id in cards.items():
        in_channel = sorted(
            int(c["time"] * 1000) for c in before if channel_id in unquote(c["url"])
        )
        of_card = sorted(
            int(c["time"] * 1000)
            for c in before
            if c["route"] == "update_activity" and c["url"].endswith(f"/activities/{card_id}")
        )
        soonest = max(
            earliest(of_card, CARD_UPDATE, at, 0),
            earliest(in_channel, PER_CONVERSATION, at, 0),
            earliest(tenant, PER_TENANT, at, 0),
        )
        worst = max(worst, soonest)
    return (worst - at) / 1000


def _start_app(tmp: Path, port: int, msteams: dict[str, Any], url: str) -> subprocess.Popen[str]:
    """`codestream serve` (CPU 0) on `port`, its output in `tmp`/serve.log."""
    config = tmp / "config.json"
    doc = new_document(f"http://127.0.0.1:{port}")
    doc["apiServer"].update(host="127.0.0.1", port=port, selfRegistration=True)
    doc["integrations"] = {"msteams": {"bench": msteams}}
    write_document(config, doc)
    return subprocess.Popen(
        [*pin(0), sys.executable, "-m", "codestream", "--config", str(config), "serve"],
        env={**os.environ, "CS_DATABASE_URL": url},
        stdout=(tmp / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )


async def run(url: str, backend: str) -> list[dict[str, Any]]:
    """Both scenarios on one database, our app and the emulator each in a process."""
    app_port = free_port()
    endpoint = f"http://127.0.0.1:{app_port}/no-auth/provider-action/msteams"
    emulator, started = start_teams(endpoint)
    await asyncio.to_thread(upgrade_database, url)
    with tempfile.TemporaryDirectory() as tmp:
        app = _start_app(Path(tmp), app_port, started["msteams"], url)
        try:
            async with (
                httpx.AsyncClient(base_url=started["baseUrl"], timeout=60) as to_teams,
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_port}", timeout=60) as client,
            ):
                teams = Teams(to_teams, started["channels"])
                await until_up(to_teams, "/_emulator/world", emulator)
                await until_up(client, "/healthz", app)
                assert (await to_teams.post("/_bench/install")).status_code == 200
                codemark_id = await _world(teams, client, url)
                cpu = {"app": cpu_seconds(app.pid), "teams": cpu_seconds(emulator.pid)}
                rows = [await _burst(teams, client, codemark_id, backend)]
                rows.append(await _latency(teams, client, codemark_id, backend))
                for row in rows:
                    row["layout"] = "3 processes: client | codestream serve | Teams emulator"
                rows[-1]["cpu_s"] = {
                    "app": round(cpu_seconds(app.pid) - cpu["app"], 2),
                    "teams": round(cpu_seconds(emulator.pid) - cpu["teams"], 2),
                }
        except BaseException:
            print((Path(tmp) / "serve.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            stop(app)
            stop(emulator)
    return rows


async def _card_ids(teams: Teams) -> dict[str, str]:
    """Channel id -> the activity id of its card."""
    cards = (await teams.cards(0, wait=0))["cards"]
    return {channel: card["id"] for channel, card in zip(teams.channels, cards, strict=True)}


async def _burst(
    teams: Teams, client: httpx.AsyncClient, codemark_id: str, backend: str
) -> dict[str, Any]:
    mark = max((c["seq"] for c in await teams.calls()), default=0)
    card_ids = await _card_ids(teams)
    answered: list[float] = []

    async def change(body: dict[str, Any]) -> None:
        sent = time.time()
        answer = await client.patch(f"/api/v1/codemarks/{codemark_id}", json=body)
        assert answer.status_code == 200, answer.text
        answered.append(time.time() - sent)

    started = time.time()
    changes: list[asyncio.Task[None]] = []
    for n in range(1, CHANGES):  # open loop: on schedule, whatever the answers
        wait = started + (n - 1) * BURST_S / (CHANGES - 1) - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        changes.append(asyncio.create_task(change({"title": f"v{n}"})))
    await asyncio.gather(*changes)
    await change({"title": "final", "status": "closed"})  # the last change, after all others
    last_change = time.time()
    final = await teams.cards(last_change, '"final"', "Resolved", wait=60)
    await asyncio.sleep(1.5)  # nothing more should follow
    cards = (await teams.cards(0, wait=0))["cards"]
    updated_at = max(float(m["updated"]) for m in cards)
    calls = await teams.calls()
    updates = [c for c in calls if c["route"] == "update_activity" and c["seq"] > mark]
    per_card = [
        sum(1 for c in updates if c["url"].endswith(f"/activities/{card_id}"))
        for card_id in card_ids.values()
    ]
    bound = _bound(calls, card_ids, last_change)
    measured = updated_at - last_change
    naive_bound = max(
        lower_bound_ms(CHANGES, PER_CONVERSATION), lower_bound_ms(CHANGES * CHANNELS, PER_TENANT)
    )
    ordered = sorted(answered)
    return {
        "scenario": f"burst: {CHANGES} changes in {BURST_S:g} s, {CHANNELS} cards",
        "backend": backend,
        "all_final": final["done"],
        "burst_s": round(last_change - started, 3),
        "patch_p50_ms": round(statistics.median(ordered) * 1000, 1),
        "patch_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "updates_per_card_min": min(per_card),
        "updates_per_card_max": max(per_card),
        "updates_per_card_mean": round(statistics.mean(per_card), 2),
        "429s": sum(1 for c in calls if c["status"] == 429),
        "last_change_to_last_card_s": round(measured, 3),
        "pacing_bound_s": round(bound, 3),
        "vs_bound": round(measured / bound, 3) if bound > 0 else None,
        "over_bound_ms": round((measured - bound) * 1000, 1),
        "baseline_uncoalesced_calls_per_card": CHANGES,
        "baseline_uncoalesced_drain_bound_s": round(naive_bound / 1000, 1),
    }


async def _latency(
    teams: Teams, client: httpx.AsyncClient, codemark_id: str, backend: str
) -> dict[str, Any]:
    card_ids = await _card_ids(teams)
    samples: list[float] = []
    patch_ms: list[float] = []
    held_back = 0.0
    for n in range(LATENCY_SAMPLES):
        await asyncio.sleep(1.1)  # past every card's window: nothing throttles this change
        title = f"latency {n}"
        calls = await teams.calls()
        mark = max((c["seq"] for c in calls), default=0)
        sent = time.time()
        held_back = max(held_back, _bound(calls, card_ids, sent))
        answer = await client.patch(f"/api/v1/codemarks/{codemark_id}", json={"title": title})
        patch_ms.append((time.time() - sent) * 1000)
        assert answer.status_code == 200, answer.text
        # The wait happens in the emulator's process (a 2 ms poll of its memory); the figures
        # come from its transcript afterwards.
        await teams.cards(sent, f'"{title}"', wait=10)
        stored = {
            c["url"].rsplit("/", 1)[1]: c["time"]
            for c in await teams.calls("update_activity", since=mark)
            if c["status"] == 200 and title in json.dumps(c["requestBody"])
        }
        assert len(stored) == len(card_ids), f"change {n} reached {len(stored)} cards"
        samples.extend(at - sent for at in stored.values())
    ordered = sorted(samples)
    firsts = [min(samples[i : i + CHANNELS]) for i in range(0, len(samples), CHANNELS)]
    return {
        "scenario": f"latency: one change, {CHANNELS} cards, unthrottled",
        "backend": backend,
        "samples": len(samples),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "first_card_p50_ms": round(statistics.median(firsts) * 1000, 1),
        "patch_p50_ms": round(statistics.median(patch_ms), 1),
        "pacing_held_back_s": held_back,
        "measured": "PATCH sent -> the emulator stored the card (transcript time)",
        "target": "p50 < 50 ms",
    }


def _table(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        if "p50_ms" in r:
            extra = (
                f"; first of the 20 cards p50 {r['first_card_p50_ms']} ms, PATCH answered p50 "
                f"{r['patch_p50_ms']} ms; CPU s during both scenarios {r.get('cpu_s', '-')}"
            )
            lines.append(
                f"{r['scenario']} [{r['backend']}, {r['layout']}]: p50 {r['p50_ms']} ms, p95 "
                f"{r['p95_ms']} ms, max {r['max_ms']} ms ({r['samples']} card updates; "
                f"{r['measured']}; pacing held back {r['pacing_held_back_s']} s; target "
                f"{r['target']}{extra})"
            )
            continue
        lines += [
            f"{r['scenario']} [{r['backend']}, {r['layout']}]",
            "| measure | ours | baseline: no coalescing |",
            "| --- | --- | --- |",
            f"| every card final | {r['all_final']} | - |",
            f"| {CHANGES} changes sent and answered in | {r['burst_s']} s (PATCH p50 "
            f"{r['patch_p50_ms']} ms, p99 {r['patch_p99_ms']} ms) | - |",
            f"| update calls per card (min/mean/max) | {r['updates_per_card_min']}/"
            f"{r['updates_per_card_mean']}/{r['updates_per_card_max']} | "
            f"{r['baseline_uncoalesced_calls_per_card']} |",
            f"| 429s | {r['429s']} | - |",
            f"| last change -> last card updated | {r['last_change_to_last_card_s']} s | "
            f">= {r['baseline_uncoalesced_drain_bound_s']} s |",
            f"| pacing bound | {r['pacing_bound_s']} s (measured x{r['vs_bound']}, "
            f"{r['over_bound_ms']} ms over) | - |",
        ]
    return "\n".join(lines)


def _pg_schema(url: str, *, create: bool) -> None:
    """Drop the benchmark's schema, and with `create` make it afresh."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        if create:
            conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("CS_BENCH_PG_URL"), help="PostgreSQL URL")
    parser.add_argument(
        "--one-process", action="store_true", help="the earlier layout: all on one event loop"
    )
    args = parser.parse_args()
    runner = run
    if args.one_process:
        import one_process

        runner = one_process.run
    load = os.getloadavg()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += await runner(f"sqlite:///{tmp}/cards.db", "sqlite")
    if args.pg:
        _pg_schema(args.pg, create=True)
        try:
            separator = "&" if "?" in args.pg else "?"
            rows += await runner(
                f"{args.pg}{separator}options=-csearch_path%3D{PG_SCHEMA}", "postgresql"
            )
        finally:
            _pg_schema(args.pg, create=False)
    for row in rows:
        row.setdefault("layout", "1 process, one event loop")
    print(_table(rows))
    print(f"load average (1/5/15 min) at start {load}, at end {os.getloadavg()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"cards-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "load_average_at_start": load,
                "load_average_at_end": os.getloadavg(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
