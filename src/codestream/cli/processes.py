"""Background processes for `codestream start|stop|restart|status`: pid files, logs, signals.

Each service runs as `python -m codestream --config FILE <command>` in a session of its own, its
output appended to `~/.codestream/logs/<name>.log`, its pid in `~/.codestream/run/<name>.pid`.
A pid file whose process is gone (or is some other program now) is stale and is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from codestream.cli.output import fail
from codestream.config import expand_path

__all__ = [
    "API",
    "WORKER",
    "Service",
    "ServiceState",
    "StateDirs",
    "exit_status",
    "is_running",
    "log_tail",
    "port_problem",
    "spawn",
    "state_dirs",
    "terminate",
]

STATE_ROOT: Final = "~/.codestream"


@dataclass(frozen=True)
class Service:
    """One background service: its file names, its title for people, and its CLI command."""

    name: str
    title: str
    command: str


API: Final = Service("api", "API server", "serve")
WORKER: Final = Service("worker", "delivery worker", "worker")


@dataclass(frozen=True)
class StateDirs:
    """Where pid files and logs go."""

    run: Path
    logs: Path

    def pid_file(self, service: Service) -> Path:
        """`run/<name>.pid`."""
        return self.run / f"{service.name}.pid"

    def log_file(self, service: Service) -> Path:
        """`logs/<name>.log`."""
        return self.logs / f"{service.name}.log"


def state_dirs(environ: Mapping[str, str] | None = None) -> StateDirs:
    """`~/.codestream/run` and `~/.codestream/logs` (not created here)."""
    root = expand_path(STATE_ROOT, environ)
    return StateDirs(run=root / "run", logs=root / "logs")


@dataclass(frozen=True)
class ServiceState:
    """What a pid file says, checked against the process table."""

    pid: int | None  # the running process, or None
    stale_pid: int | None  # a pid file naming a process that is gone
    started_at: float | None  # when the pid file was written (epoch seconds)

    @classmethod
    def read(cls, pid_file: Path) -> ServiceState:
        """Read `pid_file`; a missing or unreadable one means not running."""
        try:
            text = pid_file.read_text(encoding="ascii").strip()
            started = pid_file.stat().st_mtime
        except (OSError, UnicodeDecodeError):
            return cls(None, None, None)
        if not text.isdigit() or int(text) <= 1:
            return cls(None, -1, None)  # garbage: stale
        pid = int(text)
        if is_running(pid) and _looks_like_codestream(pid):
            return cls(pid, None, started)
        return cls(None, pid, None)


def _reap(pid: int) -> int | None:
    """Collect the exit status if `pid` is our child and has exited; else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return status if done == pid else None


def exit_status(pid: int) -> str:
    """How our child `pid` ended ("exit code 2", "killed by SIGKILL"), once it has; or ""."""
    status = _reap(pid)
    if status is None:
        return ""
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie counts as gone)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, but not ours to signal
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def _looks_like_codestream(pid: int) -> bool:
    """False when /proc shows `pid` is some other program (the pid was reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid file
    return b"codestream" in cmdline


def write_pid_file(path: Path, pid: int) -> None:
    """Write `pid` to `path` atomically (mode 0644)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(f"{pid}\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def spawn(argv: list[str], log_file: Path, banner: str) -> int:
    """Start `python argv...` in a new session, output appended to `log_file`; returns its pid."""
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.write(fd, f"=== {stamp} {banner}\n".encode())
        return os.posix_spawn(
            sys.executable,
            [sys.executable, *argv],
            dict(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, fd, 1),
                (os.POSIX_SPAWN_DUP2, fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(fd)


def terminate(pid: int, timeout: float) -> bool:
    """SIGTERM `pid` and wait for it; SIGKILL after `timeout` s. True if it stopped by itself."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while is_running(pid):
        time.sleep(0.05)
    return False


def probe_host(host: str) -> str:
    """Where to connect to reach a server bound to `host` (wildcards mean loopback)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - we only connect to it
        return "127.0.0.1"
    return "::1" if host == "::" else host


def accepts_connections(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((probe_host(host), port), 0.5):
        return True
    return False


def port_problem(host: str, port: int) -> str | None:
    """Why we can't listen on host:port (in use, no such address), or None if we can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use by another program"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def log_tail(log_file: Path, lines: int = 15) -> str:
    """The last `lines` lines of a log, indented, for an error message."""
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(f"    {line}" for line in text.splitlines()[-lines:])


def uptime(started_at: float | None) -> str:
    """`3d 4h`, `2h 5m`, `4m 10s`, `12s`."""
    if started_at is None:
        return "?"
    seconds = max(0, int(time.time() - started_at))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def ensure_port_free(host: str, port: int) -> None:
    """Exit 2 with a clear message when something already listens on host:port."""
    problem = port_problem(host, port)
    if problem is not None:
        fail(f"{problem}; stop what uses it or pass --port")
