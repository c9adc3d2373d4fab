"""The baselines' venvs under bench/.venvs/ (git-ignored), created by name when missing.

Each baseline is installed from the package registry by name into a venv of its own, so none of
their dependencies touch the project's. A venv is rebuilt when its requirement list changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

VENVS = Path(__file__).resolve().parent.parent / ".venvs"


def _same_as_ours(*names: str) -> list[str]:
    """Requirements pinned to the versions in the project's venv (same server stack as ours)."""
    return [f"{name}=={version(name)}" for name in names]


BASELINE_VENVS: dict[str, list[str]] = {
    "teams-sdk": ["microsoft-teams-apps==2.1.1"],
    "botbuilder": ["botbuilder-integration-aiohttp==4.17.1"],
    "bare": _same_as_ours("pyjwt", "cryptography", "uvicorn", "uvloop", "httptools"),
}


def ensure_venv(name: str, requirements: list[str]) -> Path:
    """The python of venv `name` with `requirements` installed (created if missing or stale)."""
    home = VENVS / name
    python = home / "bin" / "python"
    marker = home / ".bench-requirements.json"
    if python.exists() and marker.exists() and json.loads(marker.read_text()) == requirements:
        return python
    print(f"creating {home} with {' '.join(requirements)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
    log = home / "pip.log"
    with log.open("w") as sink:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *requirements],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        sys.stderr.write(log.read_text()[-4000:])
        raise RuntimeError(f"could not install {requirements} into {home}; see {log}")
    marker.write_text(json.dumps(requirements))
    return python
