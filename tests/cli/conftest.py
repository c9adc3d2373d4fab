"""CLI fixtures: a config file on the test database, a CLI runner, a live server, a git repo."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from codestream.cli.main import _register_commands, app
from codestream.config import load_config, new_document, write_document
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from support.cli import Instance
from support.servers import free_port, serve_in_thread

_register_commands()


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Instance:
    """A config file whose storage is the test database, on a free port."""
    port = free_port()
    doc = new_document(f"http://127.0.0.1:{port}")
    doc["apiServer"] = {
        "publicApiUrl": f"http://127.0.0.1:{port}",
        "host": "127.0.0.1",
        "port": port,
    }
    if database_url.startswith("sqlite"):
        doc["storage"] = {"sqlite": {"path": database_url.removeprefix("sqlite:///")}}
    else:
        doc["storage"] = {"postgres": {"url": database_url}}
    path = tmp_path / "config.json"
    write_document(path, doc)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--config", str(path), *args], input=input)

    return Instance(config_file=path, run=run)


@pytest.fixture
def live_server(instance: Instance) -> Iterator[str]:
    """The instance's API server, listening on its configured port."""
    config = load_config(instance.config_file)
    application = create_app(config, hasher=Argon2Hasher(time_cost=1, memory_cost=8192))
    with serve_in_thread(application, config.api_port) as base:
        yield base


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git checkout with a GitHub remote and one commit of a small Python file; cwd is in it."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "loop.py").write_text(
        "def run(n):\n    while n != 0:\n        n -= 1\n    return n\n"
    )

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("remote", "add", "origin", "git@github.com:acme/api.git")
    git("add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init")
    monkeypatch.chdir(repo)
    return repo
