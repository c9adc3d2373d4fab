"""`codestream codemark show|reply|resolve|reopen|assign|unassign` as the user docs tell them:
each changes the codemark the REST API shows and prints what changed; a bad id or email exits 2,
names the bad value and what would be right, and changes nothing."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from support.cli import Instance

PASSWORD = "correct horse battery"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "user" / "codemarks.md"
DOCS_ID = "65f1c0ffee0123456789abcd"


@dataclass
class Setup:
    """Ada (logged in on the CLI) and Carol Jones in team "Plant Eaters"; Ada's open issue."""

    server: str
    headers: dict[str, str]
    team_id: str
    codemark_id: str
    carol_id: str

    def codemark(self) -> dict[str, Any]:
        response = httpx.get(
            f"{self.server}/api/v1/codemarks/{self.codemark_id}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def replies(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.server}/api/v1/codemarks/{self.codemark_id}/replies", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    def state(self) -> tuple[str, list[str], int]:
        item = self.codemark()
        return item["status"], item["assignees"], item["numReplies"]


def _setup(instance: Instance, server: str) -> Setup:
    for email, name in [("ada@example.com", "Ada"), ("carol@example.com", "Carol Jones")]:
        created = instance.run(
            "user", "create", "--email", email, "--name", name, "--password-stdin",
            input=PASSWORD + "\n",
        )  # fmt: skip
        assert created.exit_code == 0, created.output
    team = instance.run("team", "create", "Plant Eaters", "--owner", "ada@example.com")
    assert team.exit_code == 0, team.output
    login = instance.run(
        "login", "--email", "ada@example.com", "--password-stdin", input=PASSWORD + "\n"
    )
    assert login.exit_code == 0, login.output
    token = json.loads((Path.home() / ".codestream" / "credentials").read_text())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    team_id = httpx.get(f"{server}/api/v1/teams", headers=headers).json()[0]["id"]
    added = instance.run("team", "add-member", team_id, "carol@example.com")
    assert added.exit_code == 0, added.output
    members = httpx.get(f"{server}/api/v1/teams/{team_id}/members", headers=headers).json()
    carol_id = next(m["user"]["id"] for m in members if m["user"]["email"] == "carol@example.com")
    created = httpx.post(
        f"{server}/api/v1/codemarks",
        json={"teamId": team_id, "type": "issue", "title": "Loop never ends"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return Setup(server, headers, team_id, created.json()["id"], carol_id)


def _documented_commands() -> list[str]:
    """The `codestream codemark ...` lines of the docs' command block, comments dropped."""
    text = DOCS.read_text()
    block = text[text.index("## From the command line") :]
    block = block[block.index("```sh") + 5 : block.index("```", block.index("```sh") + 5)]
    return [line.split("  #")[0].strip() for line in block.strip().splitlines()]


def _run_documented(instance: Instance, line: str, codemark_id: str) -> str:
    """Run one documented line with the real id; `X | codestream ...` pipes X's output in."""
    line = line.replace(DOCS_ID, codemark_id)
    piped = None
    if " | " in line:
        producer, line = line.split(" | ", 1)
        assert producer == "git log -1 --format=%B", producer
        piped = "Cap the retries at 5\n\nThe loop now gives up after 5 attempts.\n"
    args = shlex.split(line)
    assert args[:2] == ["codestream", "codemark"], line
    result = instance.run(*args[1:], input=piped)
    assert result.exit_code == 0, (line, result.output)
    return result.output


def test_the_documented_commands_do_what_the_docs_say(instance: Instance, live_server: str) -> None:
    setup = _setup(instance, live_server)
    lines = _documented_commands()
    assert [shlex.split(line.split(" | ")[-1])[2] for line in lines] == [
        "show", "reply", "reply", "resolve", "reopen", "assign", "unassign",
    ]  # fmt: skip
    cid = setup.codemark_id
    label = f'issue {cid} "Loop never ends"'

    out = [_run_documented(instance, line, cid) for line in lines]

    assert "Loop never ends" in out[0] and "0 replies" in out[0]
    assert out[1].strip() == f"Replied on {label}; it now has 1 replies."
    assert out[2].strip() == f"Replied on {label}; it now has 2 replies."
    assert out[3].strip() == f"Resolved {label} (it was open)."
    assert out[4].strip() == f"Reopened {label} (it was resolved)."
    assert out[5].strip() == (
        f"Assigned Carol Jones <carol@example.com> to {label}; assignees now: Carol Jones."
    )
    assert out[6].strip() == (
        f"Unassigned Carol Jones <carol@example.com> from {label}; assignees now: nobody."
    )
    replies = setup.replies()
    assert [(r["text"], r["origin"]) for r in replies] == [
        ("Fixed in 2.3.", "cli"),
        ("Cap the retries at 5\n\nThe loop now gives up after 5 attempts.", "cli"),
    ]
    assert setup.state() == ("open", [], 2)


def test_each_change_shows_on_the_codemark(instance: Instance, live_server: str) -> None:
    setup = _setup(instance, live_server)
    cid = setup.codemark_id

    assert instance.run("codemark", "resolve", cid).exit_code == 0
    assert setup.codemark()["status"] == "closed"
    assert instance.run("codemark", "assign", cid, "Carol@Example.com").exit_code == 0
    assert instance.run("codemark", "assign", cid, "ada@example.com").exit_code == 0
    assert setup.codemark()["assignees"][0] == setup.carol_id
    shown = instance.run("codemark", "show", cid)
    assert shown.exit_code == 0, shown.output
    assert "closed" in shown.output
    assert "Assignees: Carol Jones, Ada" in shown.output


def test_show_says_who_wrote_each_reply_where_and_when(
    instance: Instance, live_server: str
) -> None:
    setup = _setup(instance, live_server)
    cid = setup.codemark_id
    replied = httpx.post(
        f"{live_server}/api/v1/codemarks/{cid}/replies",
        json={"text": "Seen it too.\nOn every release."},
        headers=setup.headers,
    )
    assert replied.status_code == 201
    assert instance.run("codemark", "reply", cid, "Fixed in 2.3.").exit_code == 0

    shown = instance.run("codemark", "show", cid)

    assert shown.exit_code == 0, shown.output
    assert "2 replies" in shown.output
    assert re.search(r"— Ada · from the API · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n", shown.output)
    assert "  Seen it too.\n  On every release.\n" in shown.output
    assert re.search(r"— Ada · from the CLI · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n", shown.output)


def test_doing_what_is_done_says_so_and_changes_nothing(
    instance: Instance, live_server: str
) -> None:
    setup = _setup(instance, live_server)
    cid = setup.codemark_id
    label = f'issue {cid} "Loop never ends"'

    reopened = instance.run("codemark", "reopen", cid)
    unassigned = instance.run("codemark", "unassign", cid, "carol@example.com")
    assert instance.run("codemark", "assign", cid, "carol@example.com").exit_code == 0
    again = instance.run("codemark", "assign", cid, "carol@example.com")

    assert (reopened.exit_code, unassigned.exit_code, again.exit_code) == (0, 0, 0)
    assert reopened.output.strip() == f"{label} was already open; nothing changed."
    assert unassigned.output.strip() == (
        f"Carol Jones <carol@example.com> is not assigned to {label}; nothing changed."
    )
    assert again.output.strip() == (
        f"Carol Jones <carol@example.com> is already assigned to {label}; nothing changed."
    )
    assert setup.state() == ("open", [setup.carol_id], 0)


def test_bad_ids_emails_and_replies_exit_2_and_change_nothing(
    instance: Instance, live_server: str
) -> None:
    setup = _setup(instance, live_server)
    instance.run(
        "user", "create", "--email", "dave@example.com", "--password-stdin", input="x" * 12 + "\n"
    )
    cid = setup.codemark_id
    not_found = "codemark 'nope' not found; `codestream codemark list` shows the ids"
    members = "its members: ada@example.com, carol@example.com"
    cases: list[tuple[list[str], str | None, str]] = [
        (["show", "nope"], None, not_found),
        (["reply", "nope", "hi"], None, not_found),
        (["resolve", "nope"], None, not_found),
        (["reopen", "0123456789abcdef01234567"], None, "codemark '0123456789abcdef01234567'"),
        (["assign", "nope", "carol@example.com"], None, not_found),
        (["assign", cid, "dave@example.com"], None, "'dave@example.com' is not a member of team "
         f"'Plant Eaters'; {members}"),
        (["unassign", cid, "nobody"], None, "'nobody' is not a member of team 'Plant Eaters'"),
        (["reply", cid, "   "], None, "nothing to reply: TEXT is empty"),
        (["reply", cid, "-"], "", "nothing to reply: standard input was empty"),
        (["reply", cid, "x" * 50_001], None, "the reply has 50,001 characters; at most 50,000"),
    ]  # fmt: skip
    for args, stdin, message in cases:
        result = instance.run("codemark", *args, input=stdin)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)

    assert setup.state() == ("open", [], 0)
