"""`codestream codemark show|reply|resolve|reopen|assign|unassign`: a codemark's discussion and
state, through the REST API with the saved credentials, as the other `codemark` commands.

Each change goes through the API's codemark routes (PATCH, replies), so it reaches the
codemark's cards in Teams like a change made anywhere else. Bad ids and emails exit 2 before
anything changes.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import typer
from rich.markup import escape

from codestream.cli.apiclient import ApiClient
from codestream.cli.codemark_cmd import codemark_app, print_shares
from codestream.cli.credentials import load_credentials
from codestream.cli.output import console, fail, say

REPLY_LIMIT = 50_000
LIST_HINT = "`codestream codemark list` shows the ids of your team's codemarks"
ORIGIN_WORDS = {
    "teams": "from Microsoft Teams",
    "web": "from the web",
    "ide": "from the IDE",
    "cli": "from the CLI",
    "api": "from the API",
}


def _codemark(api: ApiClient, codemark_id: str) -> dict[str, Any]:
    item: dict[str, Any] = api.call("GET", f"/codemarks/{codemark_id}", hint=LIST_HINT)
    return item


def _label(item: dict[str, Any]) -> str:
    """`issue <id> "Title"`: how the commands name a codemark."""
    summary = (item["title"] or item["text"]).strip().split("\n", 1)[0]
    summary = summary if len(summary) <= 60 else summary[:59] + "…"
    return f'{item["type"]} {item["id"]} "{summary}"'


def _name(user: dict[str, Any]) -> str:
    return str(user["fullName"] or user["username"])


def _members(api: ApiClient, team_id: str) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = api.call("GET", f"/teams/{team_id}/members")
    return [m["user"] for m in members]


def _names(user_ids: list[str], members: list[dict[str, Any]]) -> str:
    known = {u["id"]: _name(u) for u in members}
    return ", ".join(known.get(i, "a former member") for i in user_ids) or "nobody"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


@codemark_app.command("show")
def codemark_show(codemark_id: str = typer.Argument(..., help="The codemark's id.")) -> None:
    """Show a codemark with its code, assignees and replies (who, from where, when)."""
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        item = _codemark(api, codemark_id)
        replies: list[dict[str, Any]] = api.call("GET", f"/codemarks/{codemark_id}/replies")
        members = _members(api, item["teamId"])
    from rich.panel import Panel
    from rich.syntax import Syntax

    heading = f"{item['type']} · {item['status']}"
    body = escape("\n\n".join(part for part in (item["title"], item["text"]) if part))
    console.print(Panel(body or "(no text)", title=heading, expand=False))
    say(f"Permalink: {item['permalink']}")
    if item["assignees"]:
        say(f"Assignees: {_names(item['assignees'], members)}")
    for marker in item["markers"]:
        say(f"{marker['file']} (Lines {marker['lineStart']}-{marker['lineEnd']})")
        if marker["code"]:
            code = marker["code"].rstrip("\n")
            console.print(
                Syntax(
                    code,
                    marker["language"] or "text",
                    line_numbers=True,
                    start_line=marker["lineStart"],
                    # as wide as the code: not the whole width of a pipe
                    code_width=max(len(line) for line in code.split("\n")) + 1,
                )
            )
        if marker["remoteCodeUrl"]:
            say(f"  {marker['remoteCodeUrl']}")
    say(f"{len(replies)} {'reply' if len(replies) == 1 else 'replies'}")
    for reply in replies:
        author = _names([reply["creatorId"]], members)
        where = ORIGIN_WORDS.get(reply["origin"], reply["origin"])
        say(f"— {author} · {where} · {_when(reply['createdAt'])}")
        for line in reply["text"].split("\n"):
            say(f"  {line}")
    if item.get("sharedTo"):
        print_shares(item["sharedTo"])


@codemark_app.command("reply")
def codemark_reply(
    codemark_id: str = typer.Argument(..., help="The codemark's id."),
    text: str = typer.Argument(..., help="The reply (Markdown); - reads it from standard input."),
) -> None:
    """Reply on a codemark; the reply is also posted under its cards in Microsoft Teams."""
    body = (sys.stdin.read() if text == "-" else text).strip()
    if not body:
        source = "standard input was empty" if text == "-" else "TEXT is empty"
        fail(f"nothing to reply: {source}; give the reply as TEXT, or - and pipe it in")
    if len(body) > REPLY_LIMIT:
        fail(f"the reply has {len(body):,} characters; at most {REPLY_LIMIT:,} fit, shorten it")
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        item = _codemark(api, codemark_id)
        api.call("POST", f"/codemarks/{codemark_id}/replies", json={"text": body, "origin": "cli"})
    say(f"Replied on {_label(item)}; it now has {item['numReplies'] + 1} replies.")
    if item.get("sharedTo"):
        say("The reply is posted under its cards in Microsoft Teams too.")


def _set_status(codemark_id: str, status: str) -> None:
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        item = _codemark(api, codemark_id)
        word = "resolved" if status == "closed" else "open"
        if item["status"] == status:
            say(f"{_label(item)} was already {word}; nothing changed.")
            return
        api.call("PATCH", f"/codemarks/{codemark_id}", json={"status": status})
    done = "Resolved" if status == "closed" else "Reopened"
    was = "open" if status == "closed" else "resolved"
    say(f"{done} {_label(item)} (it was {was}).")


@codemark_app.command("resolve")
def codemark_resolve(codemark_id: str = typer.Argument(..., help="The codemark's id.")) -> None:
    """Resolve (close) a codemark."""
    _set_status(codemark_id, "closed")


@codemark_app.command("reopen")
def codemark_reopen(codemark_id: str = typer.Argument(..., help="The codemark's id.")) -> None:
    """Reopen a resolved codemark."""
    _set_status(codemark_id, "open")


def _change_assignee(codemark_id: str, email: str, *, assign: bool) -> None:
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        item = _codemark(api, codemark_id)
        members = _members(api, item["teamId"])
        wanted = email.strip().casefold()
        match = [u for u in members if u["email"].casefold() == wanted]
        if not match:
            team = api.call("GET", f"/teams/{item['teamId']}")
            emails = ", ".join(sorted(u["email"] for u in members))
            fail(f"{email!r} is not a member of team {team['name']!r}; its members: {emails}")
        person = match[0]
        who = f"{_name(person)} <{person['email']}>"
        if (person["id"] in item["assignees"]) == assign:
            state = "already assigned to" if assign else "not assigned to"
            say(f"{who} is {state} {_label(item)}; nothing changed.")
            return
        # One assignee added or taken off on the server, so someone else's change at the same
        # moment is kept (a PATCH of the whole list would overwrite it).
        method = "PUT" if assign else "DELETE"
        changed = api.call(method, f"/codemarks/{codemark_id}/assignees/{person['id']}")
    done = "Assigned" if assign else "Unassigned"
    now = _names(changed["assignees"], members)
    say(f"{done} {who} {'to' if assign else 'from'} {_label(item)}; assignees now: {now}.")


@codemark_app.command("assign")
def codemark_assign(
    codemark_id: str = typer.Argument(..., help="The codemark's id."),
    email: str = typer.Argument(..., help="The email of a member of the codemark's team."),
) -> None:
    """Add a member of the team to a codemark's assignees."""
    _change_assignee(codemark_id, email, assign=True)


@codemark_app.command("unassign")
def codemark_unassign(
    codemark_id: str = typer.Argument(..., help="The codemark's id."),
    email: str = typer.Argument(..., help="The email of one of its assignees."),
) -> None:
    """Take someone off a codemark's assignees."""
    _change_assignee(codemark_id, email, assign=False)
