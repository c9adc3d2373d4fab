"""`--config` works after the command as well as before it, as people type it both ways."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from codestream.cli.main import hoist_global_options


def _cs(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("CSSVC_CFG_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "codestream", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_it_reads_config_after_the_command(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.json"
    made = _cs(
        "init", "--public-url", "https://cs.example.com", "--config", str(config), home=tmp_path
    )
    assert made.returncode == 0, made.stderr
    assert config.exists()
    checked = _cs("config", "validate", "--config", str(config), home=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert f"OK: {config}" in checked.stdout
    missing = _cs("serve", f"--config={tmp_path / 'nope.json'}", home=tmp_path)
    assert missing.returncode == 2
    assert f"no services config at {tmp_path / 'nope.json'}" in missing.stderr
    assert "No such option" not in missing.stderr


def test_it_moves_only_the_global_option_and_nothing_after_a_double_dash() -> None:
    assert hoist_global_options(["serve", "--config", "a.json", "--port", "1"]) == [
        "--config",
        "a.json",
        "serve",
        "--port",
        "1",
    ]
    assert hoist_global_options(["--config", "a.json", "serve"]) == ["--config", "a.json", "serve"]
    assert hoist_global_options(["codemark", "reply", "--", "--config", "x"]) == [
        "codemark",
        "reply",
        "--",
        "--config",
        "x",
    ]
