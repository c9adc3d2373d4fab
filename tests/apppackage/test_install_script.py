"""The repo-root `single-host-preview-install.sh`: the seed's lines, forwarded to `codestream`."""

from __future__ import annotations

import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "single-host-preview-install.sh"
CODESTREAM = ROOT / ".venv" / "bin" / "codestream"
APP_ID = "11111111-2222-3333-4444-555555555555"
HOST = "codestream.example.com"


def run(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **env}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def fake_codestream(tmp_path: Path) -> Path:
    """A stand-in `codestream` that prints its arguments."""
    fake = tmp_path / "fake-codestream"
    fake.write_text('#!/bin/sh\necho "args: $*"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return fake


def test_it_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK)


@pytest.mark.skipif(not CODESTREAM.exists(), reason="needs the project's .venv")
@pytest.mark.parametrize("flag", ["--create-mst-app-package", "--create-mst-app-pkg"])
def test_it_builds_the_package_end_to_end(tmp_path: Path, flag: str) -> None:
    result = run(flag, APP_ID, HOST, home=tmp_path)
    assert result.returncode == 0, result.stderr
    target = tmp_path / ".codestream" / "codestream-mst-app.zip"
    assert f"Wrote {target}" in result.stdout
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]


@pytest.mark.skipif(not CODESTREAM.exists(), reason="needs the project's .venv")
def test_it_passes_on_the_clis_errors(tmp_path: Path) -> None:
    result = run("--create-mst-app-package", APP_ID, "https://x.com", home=tmp_path)
    assert result.returncode == 2
    assert "give the bare host name, e.g. x.com — no scheme" in result.stderr
    assert not (tmp_path / ".codestream").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-M", "-a", "restart"], "args: restart -M"),
        (["-a", "stop"], "args: stop"),
        (["-a", "start", "-M"], "args: start -M"),
        (["-Ma", "status"], "args: status -M"),
        (["-y", "-a", "status"], "args: status"),
    ],
)
def test_it_forwards_service_actions(
    tmp_path: Path, fake_codestream: Path, args: list[str], expected: str
) -> None:
    result = run(*args, home=tmp_path, CODESTREAM_BIN=str(fake_codestream))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_it_forwards_the_package_flag_with_a_separator(
    tmp_path: Path, fake_codestream: Path
) -> None:
    result = run(
        "--create-mst-app-pkg", APP_ID, HOST, home=tmp_path, CODESTREAM_BIN=str(fake_codestream)
    )
    assert result.stdout.strip() == f"args: create-mst-app-package -- {APP_ID} {HOST}"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--create-mst-app-package"],
        ["--create-mst-app-package", APP_ID],
        ["--create-mst-app-package", APP_ID, HOST, "extra"],
        ["-a"],
        ["-a", "install"],
        ["-a", "bogus"],
        ["-M"],
        ["-x"],
        ["-a", "start", "extra"],
        ["--unknown"],
    ],
)
def test_it_prints_usage_on_bad_arguments(
    tmp_path: Path, fake_codestream: Path, args: list[str]
) -> None:
    result = run(*args, home=tmp_path, CODESTREAM_BIN=str(fake_codestream))
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert result.stdout == ""


def test_it_says_when_it_cannot_find_codestream(tmp_path: Path) -> None:
    lonely = tmp_path / "single-host-preview-install.sh"
    lonely.write_bytes(SCRIPT.read_bytes())
    lonely.chmod(0o755)
    result = subprocess.run(
        [str(lonely), "-a", "status"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot find the codestream command" in result.stderr
