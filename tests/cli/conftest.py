"""CLI fixtures: a config file on the test database, a CLI runner, a live server, a git repo."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codestream.cli.main import _register_commands
from codestream.config import load_config
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from support.cli import Instance, make_instance
from support.servers import serve_in_thread

_register_commands()


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Instance:
    """A config file whose storage is the test database, on a free port."""
    return make_instance(database_url, tmp_path)


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
