"""`codestream codemark share ID --channel TEAM/CHANNEL`, `codemark create ... --share`,
`codemark channels` and the "Shared to" of `codemark show`, as a developer uses them."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from codestream.cli.main import _register_commands
from codestream.config import load_config
from codestream.passwords import Argon2Hasher
from codestream.storage.engine import create_engine
from codestream.web.app import create_app
from support.cli import Instance, make_instance
from support.connected_channels import connect_channel
from support.servers import serve_in_thread

PASSWORD = "correct horse battery"
_register_commands()


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Instance:
    return make_instance(database_url, tmp_path)


@pytest.fixture
def live_server(instance: Instance) -> Iterator[str]:
    config = load_config(instance.config_file)
    application = create_app(config, hasher=Argon2Hasher(time_cost=1, memory_cost=8192))
    with serve_in_thread(application, config.api_port) as base:
        yield base


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "loop.py").write_text("def run(n):\n    while n != 0:\n        n -= 1\n")
    for args in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", "git@github.com:acme/api.git"],
        ["add", "."],
        ["-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    monkeypatch.chdir(repo)
    return repo


class Session:
    """Ada, logged in through the CLI, in a team with two connected channels."""

    def __init__(self, instance: Instance, server: str) -> None:
        self.run = instance.run
        self.server = server
        token = json.loads((Path.home() / ".codestream" / "credentials").read_text())["token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.team_id = self.get("/teams")[0]["id"]
        self.user_id = self.get("/me")["id"]

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.server}/api/v1{path}", params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def codemarks(self) -> list[dict[str, Any]]:
        return list(self.get("/codemarks", teamId=self.team_id)["items"])


def _connect(database_url: str, **kw: Any) -> None:
    """Connect a channel from a thread of its own (the CLI runs its own event loops)."""

    async def go() -> None:
        engine = create_engine(database_url)
        try:
            await connect_channel(engine, **kw)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result()


@pytest.fixture
def session(instance: Instance, live_server: str, database_url: str, checkout: Path) -> Session:
    for args, stdin in (
        (("user", "create", "--email", "ada@example.com", "--password-stdin"), PASSWORD + "\n"),
        (("team", "create", "Analytical Engines", "--owner", "ada@example.com"), None),
        (("login", "--email", "ada@example.com", "--password-stdin"), PASSWORD + "\n"),
    ):
        result = instance.run(*args, input=stdin)
        assert result.exit_code == 0, result.output
    s = Session(instance, live_server)
    _connect(database_url, team_id=s.team_id, user_id=s.user_id, channel_name="Code review")
    _connect(
        database_url,
        team_id=s.team_id,
        user_id=s.user_id,
        team_name="Finance",
        channel_name="Ledger",
    )
    return s


def test_channels_lists_what_can_be_shared_to(session: Session) -> None:
    result = session.run("codemark", "channels")
    assert result.exit_code == 0, result.output
    assert "Engineering/Code review" in result.output
    assert "Finance/Ledger" in result.output
    assert "ORGANIZATION" in result.output  # tells look-alikes in two tenants apart


def test_create_with_share_queues_the_card(session: Session) -> None:
    result = session.run(
        "codemark", "create", "src/loop.py:2-3", "--text", "Never ends", "--share",
        "Engineering/Code review",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Shared to" in result.output and "Engineering/Code review" in result.output
    assert "queued" in result.output
    (item,) = session.codemarks()
    assert [(s["channelName"], s["status"]) for s in item["sharedTo"]] == [
        ("Code review", "queued")
    ]


def test_share_an_existing_codemark_and_show_it(session: Session) -> None:
    created = session.run("codemark", "create", "src/loop.py:2-3", "--text", "Never ends")
    assert created.exit_code == 0, created.output
    (item,) = session.codemarks()
    shared = session.run(
        "codemark", "share", item["id"], "--channel", "engineering/code review",
        "--channel", "Ledger",
    )  # fmt: skip
    assert shared.exit_code == 0, shared.output
    assert "Engineering/Code review" in shared.output and "Finance/Ledger" in shared.output
    shown = session.run("codemark", "show", item["id"])
    assert shown.exit_code == 0, shown.output
    assert "Shared to" in shown.output
    assert shown.output.count("queued") == 2


def test_an_unknown_channel_exits_2_and_shares_nothing(session: Session) -> None:
    session.run("codemark", "create", "src/loop.py:2-3", "--text", "Never ends")
    (item,) = session.codemarks()
    result = session.run("codemark", "share", item["id"], "--channel", "Nope/Nothing")
    assert result.exit_code == 2
    assert "'Nope/Nothing'" in result.output
    assert "Engineering/Code review" in result.output  # says what would work
    assert session.get(f"/codemarks/{item['id']}/shares") == []


def test_create_with_an_unknown_channel_creates_nothing(session: Session) -> None:
    result = session.run(
        "codemark", "create", "src/loop.py:2-3", "--text", "Never ends", "--share", "Nope/x"
    )
    assert result.exit_code == 2
    assert "--share 'Nope/x'" in result.output
    assert session.codemarks() == []


def test_sharing_an_unknown_codemark_exits_2(session: Session) -> None:
    result = session.run("codemark", "share", "0" * 24, "--channel", "Finance/Ledger")
    assert result.exit_code == 2
    assert "not found" in result.output
