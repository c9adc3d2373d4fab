"""Running the `codestream` CLI in tests against a configured instance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner, Result

from codestream.cli.main import app
from codestream.config import new_document, write_document
from support.servers import free_port

Run = Callable[..., Result]

PASSWORD = "correct horse battery"
"""Ada's password in the CLI tests."""


@dataclass
class Instance:
    """A configured instance: its config file, and a way to run CLI commands against it."""

    config_file: Path
    run: Run


def make_instance(database_url: str, directory: Path) -> Instance:
    """A config file whose storage is `database_url`, serving on a free port, and a CLI runner."""
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
    path = directory / "config.json"
    write_document(path, doc)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--config", str(path), *args], input=input)

    return Instance(config_file=path, run=run)


def log_in_ada(instance: Instance, *, name: str | None = None) -> None:
    """As README's walkthrough: `user create` Ada, `team create` Plant Eaters owned by her,
    `login` as her (the token lands in ~/.codestream/credentials). Each step must succeed."""
    named = ("--name", name) if name else ()
    created = instance.run(
        "user", "create", "--email", "ada@example.com", *named, "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    team = instance.run("team", "create", "Plant Eaters", "--owner", "ada@example.com")
    assert team.exit_code == 0, team.output
    login = instance.run(
        "login", "--email", "ada@example.com", "--password-stdin", input=PASSWORD + "\n"
    )
    assert login.exit_code == 0, login.output
