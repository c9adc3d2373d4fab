"""A command loads only what it uses: `--version`, `--help` and the REST client commands never
import the server, the database, the emulator or httpx (each took a noticeable part of a second
before any command did anything). Checked in a fresh interpreter, on `sys.modules`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.servers import free_port

SERVER_SIDE = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "argon2",
    "httpx",
    "jsonschema",
    "PIL",
    "teams_emulator",
    "codestream.storage",
    "codestream.web",
    "codestream.domain",
)

PROBE = """
import json, sys
from codestream.cli.main import main
code = main(sys.argv[1:])
loaded = sorted({m.split('.')[0] if not m.startswith('codestream.') else '.'.join(m.split('.')[:2])
                 for m in sys.modules})
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def _loaded(home: Path, *args: str) -> tuple[int, set[str], str]:
    """Run `codestream ARGS` in a fresh interpreter: its exit code, the top-level modules (and
    `codestream.<room>`s) it had imported, and its output."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
        timeout=60,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["loaded"]), done.stdout + done.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["codemark", "--help"]], ids=" ".join)
def test_version_and_help_load_nothing_of_the_server(tmp_path: Path, args: list[str]) -> None:
    code, loaded, output = _loaded(tmp_path, *args)
    assert code == 0, output
    assert loaded.isdisjoint(SERVER_SIDE), sorted(loaded & set(SERVER_SIDE))


def test_codemark_list_loads_only_the_rest_client(tmp_path: Path) -> None:
    server = f"http://127.0.0.1:{free_port()}"  # nothing listens: the command stops at the call
    (tmp_path / ".codestream").mkdir()
    credentials = {"server": server, "token": "t", "email": "ada@example.com"}
    (tmp_path / ".codestream" / "credentials").write_text(json.dumps(credentials))
    code, loaded, output = _loaded(tmp_path, "codemark", "list")
    assert code == 2 and f"cannot reach the CodeStream server at {server}" in output, output
    assert loaded.isdisjoint(SERVER_SIDE), sorted(loaded & set(SERVER_SIDE))
