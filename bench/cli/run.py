"""Benchmark: how long `codestream` commands take from launch to exit, next to `git --version`.

One command: `.venv/bin/python bench/cli/run.py [--runs 30] [--baseline-src PATH]`.

On a temporary config (SQLite, HOME in the same temporary folder) the bench creates a user and a
team with the CLI, starts `codestream serve`, logs in with `codestream login` and adds 30
codemarks through the REST API. Then it launches each command `--runs` times, round-robin (so
load on the machine falls on all of them alike), with stdout piped, and takes the wall time from
launch to exit: `git --version` (the named baseline: a native CLI that does nothing), then
`codestream --version`, `--help`, `config show` and `codemark list` (one request to the running
server). Prints median, p90 and min wall time and the median CPU time (user + system, less
disturbed by other work on the machine) and writes bench/results/cli-<time>.json.

The venv's `codestream` entry point is what runs: what a user types. `--baseline-src PATH` runs
each codestream command a second time with another checkout's `src/` first on PYTHONPATH (e.g.
`git archive 7c16aa8 src | tar -x -C /tmp/cs-before`, then `--baseline-src /tmp/cs-before/src`),
against the same server, in the same round-robin.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from codestream.config import new_document, write_document

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import free_port, stop

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
ROOT = HERE.parent.parent
CODESTREAM = str(Path(sys.executable).parent / "codestream")
EMAIL = "bench@example.com"
PASSWORD = "correct horse battery 1"
CODEMARKS = 30
TARGETS_MS = {"codestream --version": 150.0, "codestream codemark list": 300.0}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Instance:
    """A `codestream serve` on SQLite in a temporary folder, with a logged-in user."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        doc = new_document(self.base)
        doc["apiServer"] = {"publicApiUrl": self.base, "host": "127.0.0.1", "port": self.port}
        doc["storage"] = {"sqlite": {"path": str(directory / "codestream.db")}}
        self.config = directory / "config.json"
        write_document(self.config, doc)
        home = directory / "home"
        home.mkdir()
        self.env = {**os.environ, "HOME": str(home), "CSSVC_CFG_FILE": str(self.config)}
        self.env.pop("COLUMNS", None)
        self.log = directory / "server.log"
        self.process: subprocess.Popen[str] | None = None

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run `codestream ARGS` on this instance; its stdout."""
        done = subprocess.run(
            [CODESTREAM, *args], input=stdin, env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"codestream {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> None:
        """Create the user and team the documented way, serve, log in, add codemarks."""
        self.cli("user", "create", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
        self.cli("team", "create", "Bench", "--owner", EMAIL)
        self.process = subprocess.Popen(
            [CODESTREAM, "serve"],
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(300):
            try:
                if httpx.get(f"{self.base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the server did not start; see {self.log}")
        self.cli("login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
        credentials = json.loads((Path(self.env["HOME"]) / ".codestream/credentials").read_text())
        headers = {"Authorization": f"Bearer {credentials['token']}"}
        with httpx.Client(base_url=f"{self.base}/api/v1", headers=headers) as api:
            team_id = api.get("/teams").json()[0]["id"]
            for n in range(CODEMARKS):
                marker = {"file": f"src/app_{n}.py", "lineStart": 1, "lineEnd": 3, "code": "x\n"}
                body = {"teamId": team_id, "type": "comment", "text": f"Codemark {n}"}
                api.post("/codemarks", json={**body, "markers": [marker]}).raise_for_status()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(
    commands: dict[str, list[str]], envs: dict[str, dict[str, str]], runs: int
) -> dict[str, Any]:
    """Each command `runs` times, round-robin: wall time in ms from launch to exit, and the CPU
    time (user + system) the command used, which other work on the machine disturbs less."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for name, argv in commands.items():  # one warm-up each: files in the page cache
        subprocess.run(argv, env=envs[name], capture_output=True, check=True)
    for _ in range(runs):
        for name, argv in commands.items():
            cpu_before, started = _children_cpu(), time.perf_counter()
            subprocess.run(argv, env=envs[name], capture_output=True, check=True)
            times[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((_children_cpu() - cpu_before) * 1000)
    baseline = statistics.median(times["git --version"])
    return {
        name: {
            "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(_quantile(values, 0.9), 1),
            "min_ms": round(min(values), 1),
            "cpu_median_ms": round(statistics.median(cpu[name]), 1),
            "x_baseline": round(statistics.median(values) / baseline, 1),
            "target_ms": TARGETS_MS.get(name),
            "runs": len(values),
        }
        for name, values in times.items()
    }


def _print(results: dict[str, Any]) -> None:
    print()
    print(f"{'command':<40} {'median':>9} {'p90':>9} {'min':>9} {'CPU':>9} {'x git':>6}  target")
    for name, r in results.items():
        target = f"< {r['target_ms']:.0f} ms" if r["target_ms"] else ""
        print(
            f"{name:<40} {r['median_ms']:>6.1f} ms {r['p90_ms']:>6.1f} ms {r['min_ms']:>6.1f} ms "
            f"{r['cpu_median_ms']:>6.1f} ms {r['x_baseline']:>6.1f}  {target}"
        )


def main() -> None:
    """Set up the instance, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30, help="launches of each command")
    parser.add_argument(
        "--baseline-src", type=Path, help="also run the commands with another checkout's src/"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cs-bench-cli-") as tmp:
        instance = Instance(Path(tmp))
        try:
            instance.start()
            commands = {
                "git --version": ["git", "--version"],
                "codestream --version": [CODESTREAM, "--version"],
                "codestream --help": [CODESTREAM, "--help"],
                "codestream config show": [CODESTREAM, "config", "show"],
                "codestream codemark list": [CODESTREAM, "codemark", "list"],
            }
            envs = dict.fromkeys(commands, instance.env)
            listed = instance.cli("codemark", "list")
            if listed.count("Codemark ") != CODEMARKS:
                raise RuntimeError(f"codemark list shows not all {CODEMARKS}:\n{listed}")
            if args.baseline_src is not None:
                earlier = {**instance.env, "PYTHONPATH": str(args.baseline_src.resolve())}
                for name in list(commands)[1:]:
                    commands[f"{name} (baseline src)"] = commands[name]
                    envs[f"{name} (baseline src)"] = earlier
            results = _measure(commands, envs, args.runs)
        finally:
            instance.stop()
    _print(results)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"cli-{time.strftime('%Y%m%d-%H%M%S')}.json"
    meta = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "runs": args.runs,
        "baseline": "git --version",
        "baseline_src": str(args.baseline_src) if args.baseline_src else None,
    }
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
