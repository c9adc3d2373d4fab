"""Benchmark: authenticated Teams `message` activities per second at the bot's messaging endpoint.

One command: `python bench/inbound/run.py [--quick] [--soak SECONDS]`. It starts the Teams emulator
(keys and token endpoint) on loopback, creates the baselines' venvs under `bench/.venvs/` when
missing, and measures, each as a server pinned to CPU 0 with the load pinned to CPU 1:

* CodeStream (our app, one uvicorn worker) on SQLite and on PostgreSQL, with whatever bot handler
  `create_app` wires (the table says which, and whether replies reached the outbox);
* the lean floor: a bare ASGI endpoint that verifies the JWT with PyJWT and parses the JSON;
* Microsoft's Teams SDK 2.1.1 and BotBuilder 4.17.1, each with a handler that does nothing.

Per contender: wrk closed loop (max req/s), then an open-loop load at a fixed 1,000 req/s
(`openloop.py`, latency from the scheduled time), with the server's RSS sampled throughout; our
contenders' outbox is counted afterwards. `--soak N` adds N seconds at 1,000 req/s on our
contenders (RSS over time). Prints a table and writes bench/results/inbound-<time>.json.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"

try:  # the harness and our contender run in the project's venv: re-run there if needed
    import codestream  # noqa: F401
except ImportError:  # pragma: no cover - depends on how it was started
    if PROJECT_PYTHON.exists() and Path(sys.executable) != PROJECT_PYTHON:
        os.execv(str(PROJECT_PYTHON), [str(PROJECT_PYTHON), *sys.argv])
    raise

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from venvs import BASELINE_VENVS, ensure_venv  # noqa: E402

sys.path.insert(0, str(HERE.parent))
from common import cpu_seconds, free_port, pin, stop, wrk, wrk_latency  # noqa: E402

RESULTS = HERE.parent / "results"
SERVERS = HERE / "servers"
BOT_PATH = "/no-auth/provider-action/msteams"
PG_BASE_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "bench_inbound"
OPEN_RATE = 1000.0

# Targets from the issue, for our contenders.
TARGET_X_TEAMS_SDK = 4.0
TARGET_OF_FLOOR = 0.20
TARGET_P99_MS = 25.0
TARGET_RSS_MB = 150.0
FLAT_GROWTH_MB = 5.0


def rss_mb(pid: int) -> float:
    """VmRSS of a process in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def dirty_mb() -> float | None:
    """The host's page cache waiting to be written to disk (`Dirty:` in /proc/meminfo), in MB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("Dirty:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def settle_writeback() -> dict[str, float | None]:
    """Write the host's dirty page cache to disk now (sync); how much there was, how long it took.

    Run before each measured phase so that no phase pays for the disk writes of the one before.
    Linux writes a file's dirty pages back once the first of them is 30 s old, all together; a
    PostgreSQL contender's closed loop extends the outbox by ~4 MB/s, so ~120 MB of it reached the
    disk in one burst during the open loop that follows, and the WAL flushes of the COMMITs behind
    it took 200-280 ms (see README, "The PostgreSQL commit stall"). Within a phase the kernel
    writes back as it would: over a soak, every 30 s.
    """
    before = dirty_mb()
    start = time.perf_counter()
    os.sync()
    return {"dirty_mb": before, "sync_s": round(time.perf_counter() - start, 2)}


class RssSampler:
    """Samples a process's RSS every `interval` seconds in a thread: [(seconds, MB, phase)]."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        self.pid = pid
        self.interval = interval
        self.phase = "idle"
        self.samples: list[tuple[float, float, str]] = []
        self._stop = threading.Event()
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> float:
        """Take one sample now."""
        value = rss_mb(self.pid)
        self.samples.append((round(time.monotonic() - self._start, 1), round(value, 1), self.phase))
        return value

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


@dataclass
class Contender:
    """One server to measure."""

    key: str
    name: str
    backend: str
    command: list[str]
    path: str
    database_url: str | None = None
    worker: bool = False
    handler: str = ""
    notes: list[str] = field(default_factory=list)


class IdPrefixes:
    """Digits that make every activity id of the run unique (one prefix per load phase)."""

    def __init__(self) -> None:
        self.run = random.randrange(100, 1000)
        self.count = 0

    def next(self) -> str:
        """A fresh prefix; the load tools append a 9-digit counter."""
        self.count += 1
        return f"1{self.run}{self.count:04d}"


# --- the world (emulator) ----------------------------------------------------------------------


def start_world(workdir: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The emulator on loopback, pinned beside the load generator (it serves keys, not load)."""
    process = subprocess.Popen(
        [*pin(1), sys.executable, str(HERE / "world.py")],
        stdout=subprocess.PIPE,
        stderr=open(workdir / "world.log", "w"),  # noqa: SIM115 - lives as long as the process
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError(f"the emulator did not start; see {workdir / 'world.log'}")
    world = dict(json.loads(line))
    (workdir / "world.json").write_text(json.dumps(world))
    (workdir / "activity.json").write_text(world["body_template"])
    return process, world


# --- load --------------------------------------------------------------------------------------


def post_once(url: str, body: bytes, token: str, timeout: float = 5.0) -> int:
    """One POST; the status code (0 when nothing answered)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def wait_ready(
    process: subprocess.Popen[str], url: str, world: dict[str, Any], ids: IdPrefixes
) -> float:
    """Seconds until the server answers a valid activity with a 2xx (it may migrate first)."""
    started = time.monotonic()
    prefix = ids.next()
    attempt = 0
    while time.monotonic() - started < 90:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} while starting")
        attempt += 1
        body = world["body_template"].replace(world["id_placeholder"], f"{prefix}{attempt:09d}")
        status = post_once(url, body.encode(), world["token"])
        if 200 <= status < 300:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer a valid activity with 2xx in 90 s")


def wrk_activities(
    url: str, seconds: float, connections: int, world: dict[str, Any], workdir: Path, prefix: str
) -> dict[str, Any]:
    """wrk closed loop with unique activity ids (activity.lua); parsed results."""
    env = {
        "BENCH_TOKEN": world["token"],
        "BENCH_TEMPLATE": str(workdir / "activity.json"),
        "BENCH_ID_PREFIX": prefix,
    }
    out = wrk(url, seconds, connections, script=HERE / "activity.lua", env=env, timeout="5s")

    def number(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else 0.0

    requests = int(number(r"(\d+) requests in"))
    non2xx = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    socket_errors = re.search(r"Socket errors: (.*)", out)
    socket_total = 0
    if socket_errors:
        socket_total = sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return {
        "requests": requests,
        "ok": requests - non2xx,
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "non2xx": non2xx,
        "socket_errors": socket_total,
        "p50_ms": wrk_latency(out, "50"),
        "p99_ms": wrk_latency(out, "99"),
    }


def open_loop(
    url: str,
    seconds: float,
    world: dict[str, Any],
    workdir: Path,
    prefix: str,
    rate: float = OPEN_RATE,
    grace: float = 5.0,
) -> dict[str, Any]:
    """The open-loop generator (openloop.py) in its own process on CPU 1."""
    command = [
        *pin(1),
        sys.executable,
        str(HERE / "openloop.py"),
        "--url",
        url,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--template",
        str(workdir / "activity.json"),
        "--token",
        world["token"],
        "--id-prefix",
        prefix,
        "--grace",
        str(grace),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


# --- our contender's database ------------------------------------------------------------------


def postgres_available() -> str | None:
    """None when the benchmark's PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "skip PostgreSQL", with the reason
        return f"{type(exc).__name__}: {str(exc)[:120]}"


def postgres_schema(action: str) -> None:
    """Create (fresh) or drop the benchmark's schema."""
    import psycopg

    with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        if action == "create":
            conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')


def count_rows(database_url: str) -> dict[str, Any]:
    """Rows in the outbox (by status) and in the durable inbound-activity log."""
    import sqlalchemy as sa

    from codestream.storage.engine import sync_url

    engine = sa.create_engine(sync_url(database_url))
    counts: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for table in ("outbox", "inbound_activities"):
                try:
                    counts[table] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                except Exception:  # table absent in this schema version
                    conn.rollback()
                    counts[table] = None
            try:
                rows = conn.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status"))
                counts["outbox_by_status"] = {str(s): int(n) for s, n in rows}
            except Exception:
                conn.rollback()
    finally:
        engine.dispose()
    return counts


# --- one contender -----------------------------------------------------------------------------


def spawn(
    contender: Contender, workdir: Path, log_name: str
) -> tuple[subprocess.Popen[str], str, Path]:
    """Start a contender's server on a free port, pinned to CPU 0; its process, URL and log."""
    port = free_port()
    command = [*pin(0), *contender.command, "--port", str(port)]
    command += ["--world", str(workdir / "world.json")]
    log_path = workdir / log_name
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=open(log_path, "w"),  # noqa: SIM115 - lives as long as the process
        text=True,
    )
    return process, f"http://127.0.0.1:{port}{contender.path}", log_path


def measure(
    contender: Contender,
    world: dict[str, Any],
    workdir: Path,
    ids: IdPrefixes,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Start the server on CPU 0, warm it, run wrk then the open loop; RSS throughout."""
    process, url, log_path = spawn(contender, workdir, f"{contender.key}.log")
    result: dict[str, Any] = {"key": contender.key, "contender": contender.name}
    result["backend"] = contender.backend
    result["worker"] = contender.worker
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{contender.name} did not start; see {log_path}")
        contender.handler = json.loads(line).get("handler", "")
        result["startup_s"] = round(wait_ready(process, url, world, ids), 2)
        with RssSampler(process.pid) as rss:
            rss.phase = "warm-up"
            result["rss_ready_mb"] = round(rss.sample(), 1)
            warm = wrk_activities(url, args.warmup, args.connections, world, workdir, ids.next())
            result["warmup_ok"] = int(warm["ok"])
            result["settled_before_closed"] = settle_writeback()
            rss.phase = "closed"
            result["rss_start_mb"] = round(rss.sample(), 1)
            rounds = []
            for _ in range(args.repeat):
                cpu_before = cpu_seconds(process.pid)
                closed = wrk_activities(
                    url, args.seconds, args.connections, world, workdir, ids.next()
                )
                cpu = cpu_seconds(process.pid) - cpu_before
                closed["server_cpu_s"] = round(cpu, 2)
                closed["per_cpu_s"] = round(closed["requests"] / cpu, 1) if cpu > 0 else None
                rounds.append(closed)
            # The machine is shared: keep the least disturbed round, and every round's numbers.
            result["closed"] = dict(max(rounds, key=lambda r: float(r["rps"])))
            result["closed"]["ok_all_rounds"] = sum(int(r["ok"]) for r in rounds)
            result["closed"]["rounds_rps"] = [round(float(r["rps"])) for r in rounds]
            result["closed"]["errors_all_rounds"] = sum(
                int(r["non2xx"]) + int(r["socket_errors"]) for r in rounds
            )
            result["settled_before_open"] = settle_writeback()
            rss.phase = "open"
            result["open"] = open_loop(
                url, args.seconds, world, workdir, ids.next(), rate=args.open_rate
            )
            result["rss_end_mb"] = round(rss.sample(), 1)
        result["rss_samples"] = rss.samples
        result["rss_max_mb"] = max(mb for _, mb, _ in rss.samples)
    finally:
        stop(process)
    result["handler"] = contender.handler
    if contender.database_url:
        result["database"] = count_rows(contender.database_url)
    result["notes"] = contender.notes
    return result


def soak(
    contender: Contender,
    world: dict[str, Any],
    workdir: Path,
    ids: IdPrefixes,
    seconds: float,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """A fresh server, warmed, then `seconds` at 1,000 req/s open loop; RSS every second."""
    process, url, _ = spawn(contender, workdir, f"{contender.key}-soak.log")
    try:
        assert process.stdout is not None
        process.stdout.readline()
        wait_ready(process, url, world, ids)
        with RssSampler(process.pid) as rss:
            rss.phase = "warm-up"
            wrk_activities(url, args.warmup, args.connections, world, workdir, ids.next())
            settled = settle_writeback()
            rss.phase = "soak"
            load = open_loop(url, seconds, world, workdir, ids.next(), args.soak_rate, grace=10.0)
    finally:
        stop(process)
    series = [(t, mb) for t, mb, phase in rss.samples if phase == "soak"]
    verdict = flatness(series)
    return {
        "key": contender.key,
        "contender": contender.name,
        "backend": contender.backend,
        "seconds": seconds,
        "settled_before_soak": settled,
        "open": load,
        **verdict,
        "rss_samples": rss.samples,
        "database": count_rows(contender.database_url) if contender.database_url else None,
    }


def flatness(series: list[tuple[float, float]]) -> dict[str, Any]:
    """Whether RSS stayed flat: the last tenth's peak against the peak of the second tenth.

    The first tenth is left out (caches and pools fill up); "flat" means the later peak is at most
    FLAT_GROWTH_MB above the earlier one. Also the least-squares slope after the first tenth.
    """
    if len(series) < 10:
        return {"rss_flat": None, "rss_growth_mb": None, "rss_slope_mb_per_min": None}
    n = len(series)
    early = max(mb for _, mb in series[n // 10 : 2 * n // 10 or 1])
    late = max(mb for _, mb in series[9 * n // 10 :])
    rest = series[n // 10 :]
    mean_t = sum(t for t, _ in rest) / len(rest)
    mean_m = sum(m for _, m in rest) / len(rest)
    var = sum((t - mean_t) ** 2 for t, _ in rest)
    slope = sum((t - mean_t) * (m - mean_m) for t, m in rest) / var if var else 0.0
    return {
        "rss_flat": late - early <= FLAT_GROWTH_MB,
        "rss_growth_mb": round(late - early, 1),
        "rss_slope_mb_per_min": round(slope * 60, 3),
        "rss_first_mb": series[0][1],
        "rss_last_mb": series[-1][1],
        "rss_max_mb": max(mb for _, mb in series),
    }


# --- contenders, report ------------------------------------------------------------------------


def contenders(args: argparse.Namespace, workdir: Path) -> list[Contender]:
    """Everything to measure, baselines' venvs created on the way."""
    ours = [sys.executable, str(SERVERS / "serve_ours.py")]
    chosen: list[Contender] = []
    wanted = set(args.contenders.split(",")) if args.contenders else None

    def want(key: str) -> bool:
        return wanted is None or key in wanted

    why_not_pg = postgres_available()
    for backend in ("sqlite", "postgresql"):
        for worker in (False, True):
            key = f"ours-{backend}{'+worker' if worker else ''}"
            if not want(key):
                continue
            if backend == "postgresql" and why_not_pg is not None:
                print(f"skipping {key}: PostgreSQL unavailable ({why_not_pg})")
                continue
            if backend == "sqlite":
                url = f"sqlite:///{workdir / (key + '.db')}"
            else:
                url = f"{PG_BASE_URL}?options=-csearch_path%3D{PG_SCHEMA}"
            flag = "--in-process-worker" if worker else "--no-in-process-worker"
            name = "CodeStream, in-process worker" if worker else "CodeStream"
            command = [*ours, "--database-url", url, flag]
            chosen.append(Contender(key, name, backend, command, BOT_PATH, url, worker=worker))
    for key, name, script, path in (
        ("bare", "bare PyJWT ASGI (lean floor)", "serve_bare.py", "/"),
        ("teams-sdk", "Teams SDK 2.1.1", "serve_teams_sdk.py", "/api/messages"),
        ("botbuilder", "BotBuilder 4.17.1", "serve_botbuilder.py", "/api/messages"),
    ):
        if want(key):
            python = ensure_venv(key, BASELINE_VENVS[key])
            chosen.append(Contender(key, name, "-", [str(python), str(SERVERS / script)], path))
    return chosen


def outbox_check(result: dict[str, Any], connections: int) -> dict[str, Any]:
    """One reply per request: as many outbox rows as handled activity ids (the durable dedupe
    log), and at least as many as 2xx answers (the server may have handled a few more whose
    answers the load tools never read: in flight when a phase ended)."""
    database = result.get("database") or {}
    rows = database.get("outbox")
    handled = database.get("inbound_activities")
    answered = (
        1  # the readiness probe
        + int(result.get("warmup_ok", 0))
        + int(result["closed"]["ok_all_rounds"])
        + int(result["open"]["ok"])
    )
    # wrk stops with up to `connections` requests in flight (warm-up and closed phase), whose
    # answers it never counts; the server may still have handled them.
    slack = (1 + len(result["closed"]["rounds_rps"])) * connections + int(
        result["open"].get("unanswered", 0)
    )
    ok = rows is not None and answered <= rows <= answered + slack
    if handled:
        ok = ok and rows == handled
    return {
        "outbox_rows": rows,
        "handled_ids": handled,
        "answered_2xx": answered,
        "slack": slack,
        "one_per_request": ok,
    }


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for the table, or 'overload' for an open loop that never caught up."""
    return "overload" if value is None else f"{value:.{digits}f}"


def ratio(ours: float, theirs: float, style: str) -> str:
    """ours/theirs as '2.5x' or '25%' ('n/a' when theirs is 0)."""
    if not theirs:
        return "n/a"
    return f"{ours / theirs:.1f}x" if style == "x" else f"{ours / theirs:.0%}"


def handler_label(result: dict[str, Any]) -> str:
    """What the contender's handler did, honestly."""
    handler = str(result.get("handler", ""))
    if not result["key"].startswith("ours"):
        return handler
    short = handler.rsplit(".", 1)[-1]
    database = result.get("database") or {}
    queued = (database.get("outbox") or 0) > 0
    durable_dedupe = (database.get("inbound_activities") or 0) > 0
    label = (
        f"{short}: verify, {'durable' if durable_dedupe else 'in-memory'} dedupe, "
        f"{'reply queued durably' if queued else 'no reply queued'}"
    )
    if result.get("worker"):
        sent = (database.get("outbox_by_status") or {}).get("sent", 0)
        label += f"; worker sent {sent}"
    return label


def report(
    results: list[dict[str, Any]], soaks: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Print the table and the verdicts; the summary for the JSON."""
    print()
    header = (
        f"{'contender':30} {'handler':72} {'backend':10} {'req/s':>7} {'req/CPU-s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'@rps':>6} {'RSS MB start->end':>18} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        closed, opened = r["closed"], r["open"]
        errors = closed["errors_all_rounds"] + opened["errors"]
        print(
            f"{r['contender']:30} {handler_label(r)[:72]:72} {r['backend']:10} "
            f"{closed['rps']:7.0f} {fmt(closed['per_cpu_s'], 0):>9} "
            f"{fmt(opened['p50_ms'], 2):>8} {fmt(opened['p99_ms'], 2):>8} "
            f"{opened['achieved_rps']:6.0f} "
            f"{r['rss_start_mb']:8.1f} -> {r['rss_end_mb']:6.1f} {errors:6d}"
        )
    print(
        f"req/s: wrk closed loop, {args.connections} connections, best of {args.repeat} x "
        f"{args.seconds:g} s; req/CPU-s: the same round's requests per CPU-second of the server "
        "(steadier on a shared machine); p50/p99: open loop at "
        f"{args.open_rate:.0f} req/s for {args.seconds:g} s, from the scheduled time ('overload': "
        "more than 1% never answered); @rps: 2xx answers per second achieved in the open loop; "
        "errors: non-2xx, socket errors and unanswered. Each phase starts after the host's dirty "
        "page cache was written to disk (sync)."
    )
    by_key = {r["key"]: r for r in results}
    verdicts: list[dict[str, Any]] = []
    for r in results:
        if not r["key"].startswith("ours"):
            continue
        checks: list[tuple[str, bool | None, str]] = []
        rps = float(r["closed"]["rps"])
        per_cpu = float(r["closed"]["per_cpu_s"] or 0)
        if "teams-sdk" in by_key:
            sdk = float(by_key["teams-sdk"]["closed"]["rps"])
            sdk_cpu = float(by_key["teams-sdk"]["closed"]["per_cpu_s"] or 0)
            checks.append(
                (
                    f">= {TARGET_X_TEAMS_SDK:g}x Teams SDK req/s",
                    rps >= TARGET_X_TEAMS_SDK * sdk,
                    f"{ratio(rps, sdk, 'x')} ({rps:.0f} vs {sdk:.0f} req/s); "
                    f"per CPU-second {ratio(per_cpu, sdk_cpu, 'x')}",
                )
            )
        if "bare" in by_key:
            floor = float(by_key["bare"]["closed"]["rps"])
            floor_cpu = float(by_key["bare"]["closed"]["per_cpu_s"] or 0)
            checks.append(
                (
                    f">= {TARGET_OF_FLOOR:.0%} of the lean floor's req/s",
                    rps >= TARGET_OF_FLOOR * floor,
                    f"{ratio(rps, floor, '%')} ({rps:.0f} vs {floor:.0f} req/s); "
                    f"per CPU-second {ratio(per_cpu, floor_cpu, '%')}",
                )
            )
        p99 = r["open"]["p99_ms"]
        checks.append(
            (
                f"p99 < {TARGET_P99_MS:g} ms at {args.open_rate:.0f} req/s open loop",
                p99 is not None and p99 < TARGET_P99_MS and args.open_rate >= OPEN_RATE,
                f"{fmt(p99, 2)} ms",
            )
        )
        checks.append(
            (
                f"RSS < {TARGET_RSS_MB:g} MB",
                r["rss_max_mb"] < TARGET_RSS_MB,
                f"max {r['rss_max_mb']:.1f} MB",
            )
        )
        box = outbox_check(r, args.connections)
        r["outbox_check"] = box
        checks.append(
            (
                "one reply queued per request",
                box["one_per_request"],
                f"outbox rows {box['outbox_rows']}, activity ids handled "
                f"{box['handled_ids']}, 2xx answers {box['answered_2xx']} "
                f"(+<= {box['slack']} in flight)",
            )
        )
        for s in soaks:
            if s["key"] == r["key"]:
                checks.append(
                    (
                        f"RSS flat over a {s['seconds']:g} s soak",
                        s["rss_flat"],
                        f"{s.get('rss_first_mb')} -> {s.get('rss_last_mb')} MB, growth "
                        f"{s['rss_growth_mb']} MB, slope {s['rss_slope_mb_per_min']} MB/min",
                    )
                )
        label = f"{r['contender']} on {r['backend']}"
        print(f"\ntargets, {label} ({handler_label(r)}):")
        for what, passed, detail in checks:
            mark = "PASS" if passed else "FAIL"
            print(f"  {mark}  {what}: {detail}")
        verdicts.append(
            {
                "contender": r["key"],
                "checks": [{"target": w, "passed": p, "detail": d} for w, p, d in checks],
            }
        )
    for s in soaks:
        print(
            f"\nsoak {s['contender']} on {s['backend']}: {s['seconds']:g} s at "
            f"{s['open']['rate']:.0f} req/s, p50 {fmt(s['open']['p50_ms'], 2)} ms, "
            f"p99 {fmt(s['open']['p99_ms'], 2)} ms, "
            f"errors {s['open']['errors']}; RSS {s.get('rss_first_mb')} -> {s.get('rss_last_mb')} "
            f"MB (max {s.get('rss_max_mb')}), {'flat' if s['rss_flat'] else 'GROWING'}"
        )
        samples = [(t, mb) for t, mb, phase in s["rss_samples"] if phase == "soak"]
        step = max(1, len(samples) // 20)
        print(
            "  RSS over time (s: MB): "
            + ", ".join(f"{t:.0f}: {mb:.1f}" for t, mb in samples[::step])
        )
    return {"verdicts": verdicts}


def main() -> int:
    """Run every contender, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (3 s phases)")
    parser.add_argument("--seconds", type=float, help="seconds per phase (default 10; quick 3)")
    parser.add_argument("--warmup", type=float, help="wrk warm-up seconds (default 2; quick 1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--repeat",
        type=int,
        help="closed-loop rounds per contender, best kept (default 3; quick 1)",
    )
    parser.add_argument(
        "--contenders",
        help="comma-separated subset of: ours-sqlite, ours-sqlite+worker, ours-postgresql, "
        "ours-postgresql+worker, bare, teams-sdk, botbuilder (default: all)",
    )
    parser.add_argument("--soak", type=float, default=0.0, help="also soak for this many seconds")
    parser.add_argument(
        "--open-rate", type=float, default=OPEN_RATE, help="open-loop req/s (target: 1,000)"
    )
    parser.add_argument("--soak-rate", type=float, default=OPEN_RATE, help="soak req/s")
    parser.add_argument(
        "--soak-contenders",
        default="ours-sqlite,ours-postgresql",
        help="which contenders the soak runs (default: ours on both backends)",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup or (1.0 if args.quick else 2.0)
    args.repeat = args.repeat or (1 if args.quick else 3)
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    started = time.strftime("%Y%m%d-%H%M%S")
    workdir = Path(tempfile.mkdtemp(prefix="bench-inbound-"))
    ids = IdPrefixes()
    world_process, world = start_world(workdir)
    uses_pg = False
    results: list[dict[str, Any]] = []
    soaks: list[dict[str, Any]] = []
    try:
        chosen = contenders(args, workdir)
        for contender in chosen:
            if contender.backend == "postgresql":
                postgres_schema("create")
                uses_pg = True
            print(f"measuring {contender.name} ({contender.backend}) ...", flush=True)
            results.append(measure(contender, world, workdir, ids, args))
            if contender.backend == "postgresql":
                postgres_schema("drop")
        if args.soak > 0:
            for contender in chosen:
                if contender.key not in args.soak_contenders.split(","):
                    continue
                if contender.backend == "postgresql":
                    postgres_schema("create")
                elif contender.database_url:
                    Path(contender.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
                print(f"soaking {contender.name} ({contender.backend}) for {args.soak:g} s ...")
                soaks.append(soak(contender, world, workdir, ids, args.soak, args))
                if contender.backend == "postgresql":
                    postgres_schema("drop")
    finally:
        stop(world_process)
        if uses_pg:
            postgres_schema("drop")
    summary = report(results, soaks, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"inbound-{started}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "authenticated Teams message activities at the bot endpoint, one core",
                "started": started,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "pinned": bool(pin(0)),
                "quick": args.quick,
                "seconds": args.seconds,
                "warmup": args.warmup,
                "connections": args.connections,
                "repeat": args.repeat,
                "open_rate": args.open_rate,
                "load_average_before": load_before,
                "load_average_after": os.getloadavg(),
                "results": results,
                "soaks": soaks,
                **summary,
                "logs": str(workdir),
            },
            indent=2,
        )
    )
    print(f"\nwrote {out} (server logs in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
