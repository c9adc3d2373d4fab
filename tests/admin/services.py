"""Helpers for tests that run the services as real background processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "single-host-preview-install.sh"


def run_dir(home: Path) -> Path:
    """Where `codestream start` keeps pid files."""
    return home / ".codestream" / "run"


def pid_of(home: Path, name: str) -> int | None:
    """The pid in `~/.codestream/run/<name>.pid`, or None."""
    try:
        return int((run_dir(home) / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    """Whether `pid` runs (reaping it first if it is our exited child)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return True
    return state not in ("Z", "X")


def kill_all(home: Path) -> None:
    """Fixture teardown: SIGKILL whatever the pid files under `home` still name."""
    directory = run_dir(home)
    if not directory.is_dir():
        return
    for pid_file in directory.glob("*.pid"):
        try:
            pid = int(pid_file.read_text())
        except (OSError, ValueError):
            continue
        if pid > 1 and alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)


def codestream(*args: str, home: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """`python -m codestream ARGS` as a separate process, with HOME set."""
    env = {**os.environ, "HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "codestream", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def script(*args: str, home: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """The repo-root installer script with the project's codestream, HOME set."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "CODESTREAM_BIN": str(Path(sys.executable).with_name("codestream")),
    }
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=timeout
    )
