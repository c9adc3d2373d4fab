"""A database that cannot be reached is one line naming the setting, from every command.

Each command runs as its own process, as a user types it, against a config whose PostgreSQL URL
points at a port nobody listens on or at a host name that does not resolve.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from admin.conftest import base_doc
from admin.services import codestream, kill_all
from codestream.config import write_document
from support.servers import free_port

PASSWORD = "pw-Never-Printed-42"


def _postgres_config(home: Path, url: str) -> None:
    port = free_port()
    doc = base_doc(port, home)
    doc["storage"] = {"postgres": {"url": url}}
    write_document(home / ".codestream" / "codestream-services-config.json", doc)


def _assert_one_line(stderr: str, shown_url: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"Error: cannot connect to the database at {shown_url}: "), stderr
    assert "storage.postgres.url (or $CS_DATABASE_URL)" in lines[0]
    assert "Traceback" not in stderr
    assert PASSWORD not in stderr


UNREACHABLE = {
    "refused": (f"postgresql://cs:{PASSWORD}@127.0.0.1:{{port}}/cs", "127.0.0.1:{port}"),
    "unresolvable": (f"postgresql://cs:{PASSWORD}@db.nowhere.invalid/cs", "db.nowhere.invalid"),
}


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
@pytest.mark.parametrize(
    "command",
    [
        ("db", "current"),
        ("db", "upgrade"),
        ("user", "create", "--email", "ada@example.com", "--name", "Ada", "--link"),
        ("serve",),
    ],
    ids=["db-current", "db-upgrade", "user-create", "serve"],
)
def test_each_command_says_it_in_one_line(
    isolated_home: Path, kind: str, command: tuple[str, ...]
) -> None:
    template, shown = UNREACHABLE[kind]
    dead_port = free_port()
    url = template.format(port=dead_port)
    _postgres_config(isolated_home, url)

    result = codestream(*command, home=isolated_home, timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    host = shown.format(port=dead_port)
    _assert_one_line(result.stderr, f"postgresql://cs:********@{host}/cs")


def test_start_shows_the_servers_one_line(isolated_home: Path) -> None:
    dead_port = free_port()
    _postgres_config(isolated_home, f"postgresql://cs:{PASSWORD}@127.0.0.1:{dead_port}/cs")
    try:
        result = codestream("start", home=isolated_home, timeout=60)
    finally:
        kill_all(isolated_home)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    shown = f"postgresql://cs:********@127.0.0.1:{dead_port}/cs"
    assert f"cannot connect to the database at {shown}" in output
    assert "storage.postgres.url" in output
    assert "Traceback" not in output
    assert PASSWORD not in output


def test_doctor_names_the_same_problem_and_fix(isolated_home: Path) -> None:
    dead_port = free_port()
    _postgres_config(isolated_home, f"postgresql://cs:{PASSWORD}@127.0.0.1:{dead_port}/cs")

    result = codestream("doctor", home=isolated_home, timeout=60)

    shown = f"postgresql://cs:********@127.0.0.1:{dead_port}/cs"
    assert f"cannot connect to the database at {shown}" in result.stdout
    assert "storage.postgres.url (or $CS_DATABASE_URL)" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
