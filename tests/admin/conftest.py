"""Admin-tooling fixtures: a private HOME with a config, the CLI in-process, free ports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from codestream.cli.main import _register_commands, app
from codestream.config import new_document, write_document
from support.servers import free_port

_register_commands()

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SECRET = "s3cret~Value.from.Azure-0123456789"

Cs = Callable[..., Result]


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """This test's HOME (empty; every test gets its own)."""
    return isolated_home


@pytest.fixture
def cfg_file(home: Path) -> Path:
    """The default config path under this test's HOME."""
    return home / ".codestream" / "codestream-services-config.json"


@pytest.fixture
def port() -> int:
    """A free loopback port for the API server."""
    return free_port()


def base_doc(port: int, home: Path) -> dict[str, Any]:
    """A valid config: loopback API on `port`, SQLite under `home`."""
    doc = new_document(f"http://127.0.0.1:{port}")
    doc["apiServer"].update({"host": "127.0.0.1", "port": port})
    doc["storage"] = {"sqlite": {"path": str(home / ".codestream" / "data" / "codestream.db")}}
    return doc


@pytest.fixture
def configured(cfg_file: Path, home: Path, port: int) -> Path:
    """A valid config at the default path; returns its path."""
    write_document(cfg_file, base_doc(port, home))
    return cfg_file


@pytest.fixture
def cs() -> Cs:
    """Run `codestream ARGS...` in-process; `input=` feeds stdin."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return run
