"""What the benchmark runners share: CPU pinning, ports, processes, and running wrk.

The runners are scripts (`python bench/<name>/run.py`); each puts `bench/` on `sys.path` to import
this module.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path


def pin(cpu: int) -> list[str]:
    """`taskset -c cpu` when there is more than one CPU (else nothing to pin)."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu)]
    return []


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_socket(backlog: int = 2048) -> socket.socket:
    """A TCP socket listening on a free loopback port, for `uvicorn.Server.run(sockets=[...])`."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the listening
    # socket says TCP (without it, keep-alive responses wait for a delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    return sock


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(value: str, unit: str) -> float:
    """A wrk duration (`value` in `us`, `ms` or `s`) in milliseconds."""
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    seconds: float,
    connections: int,
    *,
    script: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: str | None = None,
) -> str:
    """wrk's report of a closed loop on `url` (one thread, pinned to CPU 1)."""
    command = [*pin(1), "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    if timeout is not None:
        command += ["--timeout", timeout]
    command.append("--latency")
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    environ = {**os.environ, **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environ, check=True).stdout


def wrk_latency(report: str, percent: str) -> float | None:
    """A latency percentile of a wrk report in ms (None when the report has none)."""
    found = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", report)
    return ms(found.group(1), found.group(2)) if found else None
