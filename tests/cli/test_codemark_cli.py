"""The client commands as a developer uses them: login, then codemarks from a git checkout."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx

from support.cli import PASSWORD, Instance, log_in_ada


def _sign_up_and_log_in(instance: Instance, live_server: str) -> None:
    log_in_ada(instance)


def test_it_logs_in_and_keeps_the_token_private(instance: Instance, live_server: str) -> None:
    _sign_up_and_log_in(instance, live_server)
    path = Path.home() / ".codestream" / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["server"] == live_server
    me = httpx.get(
        f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {saved['token']}"}
    )
    assert me.json()["email"] == "ada@example.com"


def test_it_refuses_a_wrong_password_and_saves_nothing(
    instance: Instance, live_server: str
) -> None:
    instance.run(
        "user", "create", "--email", "ada@example.com", "--password-stdin", input=PASSWORD + "\n"
    )
    login = instance.run(
        "login", "--email", "ada@example.com", "--password-stdin", input="wrong password\n"
    )
    assert login.exit_code == 2
    assert "email or password is wrong" in login.output
    assert not (Path.home() / ".codestream" / "credentials").exists()


def test_it_creates_a_codemark_from_the_git_checkout(
    instance: Instance, live_server: str, git_repo: Path
) -> None:
    _sign_up_and_log_in(instance, live_server)
    created = instance.run(
        "codemark", "create", "src/loop.py:2-3", "--text", "Never ends for n < 0", "--tag", "bug"
    )
    assert created.exit_code == 0, created.output
    assert "Permalink: " in created.output

    token = json.loads((Path.home() / ".codestream" / "credentials").read_text())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    team_id = httpx.get(f"{live_server}/api/v1/teams", headers=headers).json()[0]["id"]
    items = httpx.get(
        f"{live_server}/api/v1/codemarks", params={"teamId": team_id}, headers=headers
    ).json()["items"]
    assert len(items) == 1
    marker = items[0]["markers"][0]
    assert marker["file"] == "src/loop.py"
    assert marker["code"] == "    while n != 0:\n        n -= 1"
    assert marker["branch"] == "main"
    assert marker["language"] == "python"
    assert len(marker["commitSha"]) == 40
    assert marker["remoteCodeUrl"].startswith("https://github.com/acme/api/blob/")
    assert marker["remoteCodeUrl"].endswith("/src/loop.py#L2-L3")
    assert items[0]["tags"] == ["bug"]

    listed = instance.run("codemark", "list")
    assert items[0]["id"] in listed.output
    shown = instance.run("codemark", "show", items[0]["id"])
    assert "Never ends for n < 0" in shown.output
    assert "while n != 0:" in shown.output


def test_it_works_from_a_subfolder_of_the_checkout(
    instance: Instance, live_server: str, git_repo: Path, monkeypatch: object
) -> None:
    import os

    _sign_up_and_log_in(instance, live_server)
    os.chdir(git_repo / "src")
    created = instance.run(
        "codemark", "create", "loop.py:1", "--type", "question", "--title", "Why?"
    )
    assert created.exit_code == 0, created.output
    assert "src/loop.py:1-1" in created.output


def test_it_rejects_bad_locations_and_creates_nothing(
    instance: Instance, live_server: str, git_repo: Path, tmp_path: Path
) -> None:
    _sign_up_and_log_in(instance, live_server)
    cases = {
        "src/loop.py": "expected FILE:START-END",
        "src/loop.py:a-b": "must be numbers",
        "src/loop.py:3-1": "may not come before",
        "src/loop.py:2-99": "has 4 lines",
        "src/missing.py:1-2": "no such file",
        "../../etc/passwd:1-2": "outside the repository",
    }
    for spec, message in cases.items():
        result = instance.run("codemark", "create", spec, "--text", "x")
        assert result.exit_code == 2, spec
        assert message in result.output, (spec, result.output)
    wrong_type = instance.run(
        "codemark", "create", "src/loop.py:1-2", "--type", "rant", "--text", "x"
    )
    assert wrong_type.exit_code == 2
    assert "comment, question, issue, bookmark" in wrong_type.output
    no_title = instance.run("codemark", "create", "src/loop.py:1-2", "--type", "issue")
    assert no_title.exit_code == 2
    assert "title: required" in no_title.output
    listed = instance.run("codemark", "list")
    assert "src/loop.py" not in listed.output


def test_it_asks_to_log_in_first(instance: Instance, git_repo: Path) -> None:
    result = instance.run("codemark", "create", "src/loop.py:1-2", "--text", "x")
    assert result.exit_code == 2
    assert "codestream login" in result.output


def test_it_needs_a_git_checkout(
    instance: Instance, live_server: str, tmp_path: Path, monkeypatch: object
) -> None:
    import os

    _sign_up_and_log_in(instance, live_server)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = 1\n")
    os.chdir(plain)
    result = instance.run("codemark", "create", "a.py:1", "--text", "x")
    assert result.exit_code == 2
    assert "not inside a git checkout" in result.output
