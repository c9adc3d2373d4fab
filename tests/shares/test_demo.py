"""`codestream demo --check` end to end, as `make demo` runs it: a throwaway instance, the Teams
emulator in-process, the bot installed, Ada signed in from Teams, a channel connected and a
git-backed codemark shared; the card must arrive in the channel."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from codestream.cli.demo_cmd import pick_port
from support.servers import free_port


@pytest.mark.slow
def test_demo_check_plays_the_whole_story(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codestream", "demo", "--check", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for step in (
        "Installing the bot",
        "Signing in from Teams",
        "Connecting Engineering / Code review",
        "Sharing the codemark",
        "The codemark's card arrived in the channel.",
        "Demo check passed",
    ):
        assert step in out, out
    assert re.search(r"The card in Teams \(emulator\): http://127\.0\.0\.1:\d+/#19%3A", out), out
    assert re.search(r"Codemark permalink: +http://127\.0\.0\.1:\d+/c/[0-9a-f]{24}", out), out
    assert (tmp_path / "demo" / "billing" / ".git").is_dir()  # the codemark's checkout


def test_demo_refuses_a_folder_that_already_holds_a_demo(tmp_path: Path) -> None:
    (tmp_path / "codestream.db").write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "codestream", "demo", "--check", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert str(tmp_path) in done.stderr and "already holds a demo database" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_demo_removes_its_temporary_folder(tmp_path: Path, signum: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    command = [sys.executable, "-m", "codestream", "demo", "--port", str(free_port())]
    demo = subprocess.Popen(
        [*command, "--emulator-port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    watchdog = threading.Timer(180, demo.kill)
    watchdog.start()
    try:
        assert demo.stdout is not None
        shown = []
        for line in demo.stdout:
            shown.append(line)
            if line.startswith("Press Ctrl+C to stop."):
                break
        made = [p.name for p in temp.iterdir()]
        assert len(made) == 1 and made[0].startswith("codestream-demo-"), "".join(shown)
        assert f"data in {temp / made[0]}, removed when the demo stops" in "".join(shown)
        demo.send_signal(signum)
        out, err = demo.communicate(timeout=60)
    finally:
        watchdog.cancel()
        demo.kill()
    assert demo.returncode == 0, err
    assert "Traceback" not in err, err
    assert "Demo stopped." in out
    assert list(temp.iterdir()) == []


def test_the_demo_takes_its_usual_port_when_free_and_says_when_it_cannot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    usual = free_port()
    assert pick_port(0, usual, "server") == usual
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", usual))
        taken.listen()
        other = pick_port(0, usual, "server")
        assert other not in (0, usual)
        warning = capsys.readouterr().err
        assert f"port {usual} on 127.0.0.1 is already in use" in warning
        assert f"the demo's server listens on {other} instead" in warning
