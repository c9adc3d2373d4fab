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
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import httpx

from codestream.config import new_document, write_document
from codestream.storage.migrate import upgrade_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scenarios import burst, latency, table, world

from common import cpu_seconds, free_port, pin, stop
from teams import Teams, start_teams, until_up

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
ROOT = HERE.parent.parent
PG_SCHEMA = "bench_cards"


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


async def run(
    url: str, backend: str, scenarios: tuple[str, ...] = ("burst", "latency")
) -> list[dict[str, Any]]:
    """The scenarios on one database, our app and the emulator each in a process."""
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
                await teams.install()
                codemark_id = await world(teams, client, url)
                cpu = {"app": cpu_seconds(app.pid), "teams": cpu_seconds(emulator.pid)}
                rows = []
                if "burst" in scenarios:
                    rows.append(await burst(teams, client, codemark_id, backend))
                if "latency" in scenarios:
                    rows.append(await latency(teams, client, codemark_id, backend))
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
    parser.add_argument(
        "--only", choices=["burst", "latency"], help="one scenario (three-process layout)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with --pg)")
    args = parser.parse_args()
    runner: Any = run
    if args.only:
        runner = functools.partial(run, scenarios=(args.only,))
    if args.one_process:
        import one_process

        runner = one_process.run
    load = os.getloadavg()
    rows: list[dict[str, Any]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows += await runner(f"sqlite:///{tmp}/cards.db", "sqlite")
    failed: BaseException | None = None
    if args.pg:
        _pg_schema(args.pg, create=True)
        try:
            separator = "&" if "?" in args.pg else "?"
            rows += await runner(
                f"{args.pg}{separator}options=-csearch_path%3D{PG_SCHEMA}", "postgresql"
            )
        except Exception as exc:  # report SQLite's figures all the same
            traceback.print_exc()
            failed = exc
        finally:
            _pg_schema(args.pg, create=False)
    for row in rows:
        row.setdefault("layout", "1 process, one event loop")
    print(table(rows))
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
    if failed is not None:
        raise SystemExit(f"PostgreSQL: {type(failed).__name__}: {failed}")


if __name__ == "__main__":
    asyncio.run(main())
