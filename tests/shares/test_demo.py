"""`codestream demo --check` end to end, as `make demo` runs it: a throwaway instance, the Teams
emulator in-process, the bot installed, Ada signed in from Teams, a channel connected and a
git-backed codemark shared; the card must arrive in the channel."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


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
