"""README's two commands: `make demo` installs only what the product needs (fast, on a fresh
clone), `make test` adds the dev extras."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _planned(target: str, venv: Path) -> str:
    """What `make` would run for the target on a machine without a venv (dry run)."""
    done = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_installs_the_product_without_the_dev_extras(tmp_path: Path) -> None:
    demo = _planned("demo", tmp_path / "venv")
    assert "-m venv" in demo
    assert "pip install --quiet -e .\n" in demo
    assert "[dev]" not in demo
    assert "codestream demo" in demo


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_test_installs_the_dev_extras_then_runs_every_check(tmp_path: Path) -> None:
    test = _planned("test", tmp_path / "venv")
    assert "pip install --quiet -e '.[dev]'" in test
    for step in ("ruff check", "ruff format --check", "mypy", "lint-imports", "pytest"):
        assert step in test, step
