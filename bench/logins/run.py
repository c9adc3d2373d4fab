"""Benchmark: the bot endpoint's latency while bogus logins are in flight, and what a login's
timing tells about an account.

One command: `.venv/bin/python bench/logins/run.py [--seconds 6] [--baseline-src PATH]`.

A real `codestream serve` (real argon2id, 64 MiB; default hashing gate) is started on SQLite
with its bot pointed at the Teams emulator (in this process). For K = 0, 4 and 16 bogus logins
kept in flight (closed loops on `POST /web/login`; client addresses are given through
`X-Forwarded-For`, which the server trusts from 127.0.0.1 as behind the shipped nginx), one
client sends signed Teams activities
(`@CodeStream help`, unique ids) one after another and times each answer: p50, p99. K = 0 is
the baseline measured in the same run. Two storms: wrong passwords for one known account from
one address (what the issue measured), and unknown emails from many addresses (what rate limits
can't stop, so the hashing gate must). Then it times logins with an unknown email and with a
known email and a wrong password (20 of each, interleaved).

`--baseline-src PATH` runs everything a second time against the `src/` of another checkout
(e.g. `git archive main src | tar -x -C /tmp/cs-main`, then `--baseline-src /tmp/cs-main/src`),
in this venv.

Prints a table and writes bench/results/logins-<time>.json.
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
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from codestream.config import new_document, write_document
from teams_emulator import RunningEmulator, run_emulator, scene
from teams_emulator import activities as act

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import free_port, stop

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
ROOT = HERE.parent.parent
PASSWORD = "correct horse 1"
EMAIL = "ada@example.com"
STORMS = (0, 4, 16)
ONE_ACCOUNT = "one account, one address"
SPREAD = "unknown emails, many addresses"
SAMPLES = 20


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Instance:
    """A configured `codestream serve` on SQLite, its bot at the emulator."""

    def __init__(self, emu: RunningEmulator, directory: Path, src: Path | None) -> None:
        cast = scene(emu.emulator, tenant="Bench", users=["Bench User"], team="Bench")
        self.emu, self.cast = emu, cast
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        doc = new_document(self.base)
        doc["apiServer"] = {"publicApiUrl": self.base, "host": "127.0.0.1", "port": self.port}
        doc["storage"] = {"sqlite": {"path": str(directory / "codestream.db")}}
        doc["integrations"] = {"msteams": {"bench": emu.msteams_block(cast.bot)}}
        self.config = directory / "config.json"
        write_document(self.config, doc)
        self.env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else dict(os.environ)
        self.env.pop("FORWARDED_ALLOW_IPS", None)  # uvicorn's default: trust 127.0.0.1
        self.log = directory / "server.log"
        self.process: subprocess.Popen[str] | None = None

    def cli(self, *args: str, stdin: str = "") -> None:
        command = [sys.executable, "-m", "codestream", "--config", str(self.config), *args]
        subprocess.run(
            command, input=stdin, env=self.env, check=True, capture_output=True, text=True
        )

    def launch(self) -> None:
        """Create the user the documented way, then start the server."""
        self.cli("user", "create", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
        command = [sys.executable, "-m", "codestream", "--config", str(self.config), "serve"]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, text=True
        )

    async def start(self) -> None:
        self.launch()
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    if (await client.get(f"{self.base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"the server did not start; see {self.log}")
        await self.emu.driver.install_bot(self.cast.bot, self.cast.team, by=self.cast.alice)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def activity(self) -> bytes:
        cast, emulator = self.cast, self.emu.emulator
        team = cast.team
        activity = act.frame(
            "message",
            bot=cast.bot,
            user=cast.alice,
            conversation=act.channel_conversation(team, team.general.id),
            channel_data={
                "tenant": {"id": cast.tenant.id},
                "teamsTeamId": team.id,
                "teamsChannelId": team.general.id,
            },
            service_url=emulator.service_url(cast.tenant),
            now=emulator.clock(),
            activity_id=f"1{uuid.uuid4().int % 10**12:012d}",
        )
        tag, mention = act.mention(cast.bot)
        activity.update(act.message_fields(f"{tag} help", cast.bot))
        activity["entities"] = [mention]
        return json.dumps(activity).encode()

    def token(self) -> str:
        service_url = self.emu.emulator.service_url(self.cast.tenant)
        return self.emu.emulator.channel_tokens.mint(self.cast.bot.app_id, service_url)


async def _bogus_logins(
    base: str, kind: str, worker: int, until: float, statuses: Counter[int]
) -> None:
    spread = kind == SPREAD
    address = f"10.{worker // 250}.{worker % 250}.{1 + worker % 200}" if spread else "10.9.9.9"
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        form = await client.get("/web/login")
        csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        n = 0
        while time.monotonic() < until:
            n += 1
            answer = await client.post(
                "/web/login",
                data={
                    "email": f"bogus{worker}-{n}@example.com" if spread else EMAIL,
                    "password": f"guess number {n}",
                    "next": "/web/",
                    "csrf_token": csrf,
                },
                headers={"X-Forwarded-For": address},
            )
            statuses[answer.status_code] += 1


async def _bot_latencies(instance: Instance, until: float) -> tuple[list[float], Counter[int]]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {instance.token()}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=instance.base, timeout=60) as client:
        while time.monotonic() < until:
            body = instance.activity()
            started = time.perf_counter()
            answer = await client.post(
                "/no-auth/provider-action/msteams", content=body, headers=headers
            )
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[answer.status_code] += 1
            await asyncio.sleep(0.02)
    return latencies, statuses


async def _storm(instance: Instance, kind: str, storm: int, seconds: float) -> dict[str, Any]:
    login_statuses: Counter[int] = Counter()
    start = time.monotonic()
    until = start + seconds
    logins = [
        asyncio.create_task(_bogus_logins(instance.base, kind, w, until, login_statuses))
        for w in range(storm)
    ]
    await asyncio.sleep(min(1.0, seconds / 4) if storm else 0)  # let the storm build up
    latencies, bot_statuses = await _bot_latencies(instance, until)
    await asyncio.gather(*logins)
    elapsed = time.monotonic() - start
    return {
        "storm": kind,
        "bogus_logins_in_flight": storm,
        "bot_requests": len(latencies),
        "bot_p50_ms": _quantile(latencies, 0.50),
        "bot_p99_ms": _quantile(latencies, 0.99),
        "bot_max_ms": max(latencies, default=float("nan")),
        "bot_statuses": dict(bot_statuses),
        "logins_per_s": sum(login_statuses.values()) / elapsed,
        "login_statuses": dict(login_statuses),
    }


async def _timing(instance: Instance) -> dict[str, Any]:
    times: dict[str, list[float]] = {"unknown email": [], "wrong password": []}
    statuses: dict[str, Counter[int]] = {kind: Counter() for kind in times}
    async with httpx.AsyncClient(base_url=instance.base, timeout=60) as client:
        for i in range(SAMPLES):
            for kind, email in (
                ("unknown email", f"nobody{i}@example.com"),
                ("wrong password", EMAIL),
            ):
                headers = {"X-Forwarded-For": f"10.200.{i}.{1 + len(times[kind])}"}
                body = {"email": email, "password": f"not it {i}"}
                started = time.perf_counter()
                answer = await client.post("/api/v1/login", json=body, headers=headers)
                times[kind].append((time.perf_counter() - started) * 1000)
                statuses[kind][answer.status_code] += 1
            if i % 4 == 3:  # a success clears the account's failures (at most 5 in 15 minutes)
                ok = {"email": EMAIL, "password": PASSWORD}
                await client.post(
                    "/api/v1/login", json=ok, headers={"X-Forwarded-For": "10.201.0.1"}
                )
    return {
        kind: {
            "median_ms": statistics.median(values),
            "p10_ms": _quantile(values, 0.1),
            "p90_ms": _quantile(values, 0.9),
            "statuses": dict(statuses[kind]),
        }
        for kind, values in times.items()
    }


async def _contender(name: str, src: Path | None, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-logins-{name}-") as folder:
        async with run_emulator(throttling=False) as emu:
            instance = Instance(emu, Path(folder), src)
            try:
                await instance.start()
                await _storm(instance, "", 0, 2)  # warm-up: keys fetched, token cached
                timing = await _timing(instance)  # before a storm locks the account
                storms = [await _storm(instance, "none", 0, seconds)]
                for kind in (ONE_ACCOUNT, SPREAD):
                    storms += [await _storm(instance, kind, k, seconds) for k in STORMS if k]
            finally:
                instance.stop()
    return {"contender": name, "src": str(src or ROOT / "src"), "storms": storms, "timing": timing}


def _print(results: list[dict[str, Any]]) -> None:
    print()
    print(
        f"{'contender':<10} {'bogus logins':<31} {'K':>3} {'bot p50':>9} {'bot p99':>9} "
        f"{'bot max':>9} {'bot 2xx':>8} {'logins/s':>9}  login answers"
    )
    for result in results:
        for s in result["storms"]:
            ok = sum(v for k, v in s["bot_statuses"].items() if 200 <= int(k) < 300)
            print(
                f"{result['contender']:<10} {s['storm']:<31} {s['bogus_logins_in_flight']:>3} "
                f"{s['bot_p50_ms']:>7.1f}ms {s['bot_p99_ms']:>7.1f}ms {s['bot_max_ms']:>7.1f}ms "
                f"{ok:>3}/{s['bot_requests']:<4} {s['logins_per_s']:>9.1f}  {s['login_statuses']}"
            )
    print()
    print(f"{'contender':<10} {'login':<15} {'median':>9} {'p10':>9} {'p90':>9}  answers")
    for result in results:
        for kind, t in result["timing"].items():
            print(
                f"{result['contender']:<10} {kind:<15} {t['median_ms']:>7.1f}ms "
                f"{t['p10_ms']:>7.1f}ms {t['p90_ms']:>7.1f}ms  {t['statuses']}"
            )


async def main() -> None:
    """Run the contenders and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each storm")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ to compare")
    args = parser.parse_args()
    results = [await _contender("this", None, args.seconds)]
    if args.baseline_src is not None:
        results.append(await _contender("baseline", args.baseline_src.resolve(), args.seconds))
    _print(results)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"logins-{time.strftime('%Y%m%d-%H%M%S')}.json"
    meta = {"python": platform.python_version(), "cpus": os.cpu_count(), "seconds": args.seconds}
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
