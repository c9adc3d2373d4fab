"""`codestream start|stop|restart|status [-M]` with real processes in a private HOME."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from admin.conftest import Cs
from admin.services import alive, kill_all, pid_of, run_dir, script


@pytest.fixture
def services(home: Path, configured: Path) -> Iterator[Path]:
    """A configured HOME; every process its pid files name is killed afterwards."""
    try:
        yield configured
    finally:
        kill_all(home)


def _port(cfg: Path) -> int:
    return int(json.loads(cfg.read_text())["apiServer"]["port"])


@pytest.mark.slow
def test_start_status_restart_stop(cs: Cs, services: Path, home: Path) -> None:
    port = _port(services)
    started = cs("start")
    assert started.exit_code == 0, started.output
    api = pid_of(home, "api")
    assert api is not None and alive(api)
    assert f"Started the API server (pid {api}) on http://127.0.0.1:{port}" in started.output
    assert "The delivery worker was not started: no Teams bot is configured" in started.output
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    assert (home / ".codestream" / "logs" / "api.log").is_file()

    status = cs("status")
    assert status.exit_code == 0, status.output
    assert f"API server: running, pid {api}, up " in status.output
    assert f"Local URL: http://127.0.0.1:{port}" in status.output
    assert f"Messaging endpoint: http://127.0.0.1:{port}/no-auth/provider-action/msteams" in (
        status.output
    )
    assert "Outbox: 0 waiting" in status.output

    again = cs("start")
    assert again.exit_code == 0
    assert f"The API server is already running (pid {api})." in again.output

    restarted = script("-M", "-a", "restart", home=home)  # the seed's line, verbatim
    assert restarted.returncode == 0, restarted.stderr
    assert "-M: nothing to leave alone: SQLite is a file the API server opens" in (restarted.stdout)
    assert f"Stopped the API server (pid {api})." in restarted.stdout
    new_api = pid_of(home, "api")
    assert new_api is not None and new_api != api and alive(new_api)
    assert not alive(api)

    stopped = script("-a", "stop", home=home)
    assert stopped.returncode == 0, stopped.stderr
    assert f"Stopped the API server (pid {new_api})." in stopped.stdout
    assert not alive(new_api)
    assert list(run_dir(home).glob("*.pid")) == []

    after = script("-M", "-a", "status", home=home)
    assert after.returncode == 3  # LSB: not running
    assert "API server: stopped" in after.stdout


def test_a_taken_port_is_named_and_nothing_starts(cs: Cs, services: Path, home: Path) -> None:
    port = _port(services)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = cs("start")
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use by another program" in result.output
    assert "codestream config set apiServer.port" in result.output
    assert list(run_dir(home).glob("*.pid")) == []


def test_stale_pid_files_are_cleared_and_other_programs_left_alone(
    cs: Cs, services: Path, home: Path
) -> None:
    run = run_dir(home)
    run.mkdir(parents=True)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (run / "api.pid").write_text(f"{gone.pid}\n")
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run / "worker.pid").write_text(f"{bystander.pid}\n")  # a reused pid: not ours
        status = cs("status")
        assert status.exit_code == 3
        assert "API server: stopped (stale pid file)" in status.output
        stop = cs("stop")
        assert stop.exit_code == 0, stop.output
        assert f"Removed a stale pid file for the API server (pid {gone.pid} is not running)" in (
            stop.output
        )
        assert "Removed a stale pid file for the delivery worker" in stop.output
        assert bystander.poll() is None, "stop signalled a process that is not ours"
        assert list(run.glob("*.pid")) == []
    finally:
        bystander.kill()
        bystander.wait()


def test_a_corrupt_config_stops_start_but_not_stop(cs: Cs, services: Path, home: Path) -> None:
    services.write_text('{"apiServer": {"publicApiUrl": "https://x.example.com",}, oops}')
    start = cs("start")
    assert start.exit_code == 2
    assert str(services) in start.output
    assert "not valid JSON" in start.output
    assert not run_dir(home).exists()
    stop = cs("stop")
    assert stop.exit_code == 0
    assert "The API server is not running." in stop.output


def test_an_unwritable_home_is_explained(
    cs: Cs, home: Path, tmp_path: Path, configured: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(configured.read_bytes())
    state = home / ".codestream"
    for child in sorted(state.rglob("*"), reverse=True):
        child.unlink() if child.is_file() else child.rmdir()
    state.rmdir()
    state.write_text("not a directory")  # even root cannot make directories under a file
    result = cs("--config", str(elsewhere), "start")
    assert result.exit_code == 2
    assert f"cannot create {state / 'run'}: Not a directory" in result.output
    assert "make it a writable directory" in result.output
    assert state.read_text() == "not a directory"


def test_the_script_maps_status_to_the_command(home: Path, configured: Path) -> None:
    result = script("-M", "-a", "status", home=home)
    assert result.returncode == 3
    assert "API server: stopped" in result.stdout
    assert "-M: nothing to leave alone" in result.stdout
    assert not run_dir(home).exists() or list(run_dir(home).glob("*.pid")) == []
