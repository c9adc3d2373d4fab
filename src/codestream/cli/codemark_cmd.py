"""`codestream login` and `codestream codemark create|list|share|channels`: the API's client side
(`show`, `reply`, `resolve`, `reopen`, `assign`, `unassign` are in `codemark_discuss_cmd.py`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from codestream.cli.apiclient import ApiClient
from codestream.cli.credentials import Credentials, load_credentials, save_credentials
from codestream.cli.gitinfo import read_location
from codestream.cli.output import console, fail, warn
from codestream.cli.state import CliState

codemark_app = typer.Typer(
    help="Create, list, show, share, discuss, resolve and assign codemarks.", no_args_is_help=True
)

TYPES = ("comment", "question", "issue", "bookmark")


def register(app: typer.Typer) -> None:
    """Attach `login` and the `codemark` group, with the commands `codemark_discuss_cmd` adds."""
    from codestream.cli import codemark_discuss_cmd  # noqa: F401  (importing it adds its commands)

    app.command(name="login")(login)
    app.add_typer(codemark_app, name="codemark")


def _default_server(ctx: typer.Context) -> str | None:
    # The services config is read only here: the other commands talk to the saved server.
    from codestream.config import config_path, load_config
    from codestream.errors import ConfigError

    state = ctx.find_object(CliState)
    try:
        config = load_config(config_path(state.config_path if state else None))
    except ConfigError:
        return None
    host = "127.0.0.1" if config.api_host in ("0.0.0.0", "::") else config.api_host  # noqa: S104
    scheme = "https" if config.ssl_certfile else "http"
    return f"{scheme}://{host}:{config.api_port}"


def login(
    ctx: typer.Context,
    email: str = typer.Option(..., "--email", help="Your CodeStream email."),
    server: str | None = typer.Option(
        None, help="The server's URL (default: this machine's server from the services config)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Log in and save a token to ~/.codestream/credentials (mode 0600)."""
    url = server or _default_server(ctx)
    if url is None:
        fail("no server given and no services config found; pass --server https://your-host")
    if not url.startswith(("http://", "https://")):
        fail(f"--server {url!r}: expected a URL such as https://codestream.example.com")
    from codestream.cli.admin_cmd import read_password

    password = read_password(password_stdin, confirm=False)
    with ApiClient(url) as api:
        answer = api.call("POST", "/login", json={"email": email, "password": password})
    path = save_credentials(Credentials(server=url, token=answer["accessToken"], email=email))
    console.print(f"Logged in to {url} as {answer['user']['email']}; token saved to {path}.")


def _pick_team(api: ApiClient, team: str | None) -> str:
    teams: list[dict[str, Any]] = api.call("GET", "/teams")
    if team:
        match = [t for t in teams if team in (t["id"], t["name"])]
        if not match:
            names = ", ".join(f"{t['name']} ({t['id']})" for t in teams) or "none"
            fail(f"--team {team!r}: not one of your teams; yours: {names}")
        return str(match[0]["id"])
    if len(teams) == 1:
        return str(teams[0]["id"])
    if not teams:
        fail("you are in no team yet; ask an admin to add you (`codestream team add-member`)")
    names = ", ".join(f"{t['name']} ({t['id']})" for t in teams)
    fail(f"you are in several teams; pick one with --team: {names}")


@codemark_app.command("create")
def codemark_create(
    location: str = typer.Argument(..., help="FILE:START-END in the git checkout you are in."),
    text: str = typer.Option("", "--text", help="What you have to say (required for a comment)."),
    title: str = typer.Option(
        "", "--title", help="Title (required for question, issue, bookmark)."
    ),
    kind: str = typer.Option("comment", "--type", help="comment, question, issue or bookmark."),
    team: str | None = typer.Option(
        None, "--team", help="Team id or name (default: your only team)."
    ),
    tags: list[str] = typer.Option([], "--tag", help="A tag; repeat for more."),
    share: list[str] = typer.Option(
        [],
        "--share",
        help="Share it to this Teams channel, TEAM/CHANNEL as `codemark channels` lists it; "
        "repeat for more.",
    ),
) -> None:
    """Create a codemark on lines of a file; snippet, commit, branch and remotes come from git."""
    if kind not in TYPES:
        fail(f"--type {kind!r}: expected one of {', '.join(TYPES)}")
    where = read_location(location, Path.cwd())
    for warning in where.warnings:
        warn(warning)
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        team_id = _pick_team(api, team)
        channel_ids = resolve_channels(api, team_id, share, "--share") if share else []
        marker: dict[str, Any] = {
            "file": where.file,
            "lineStart": where.line_start,
            "lineEnd": where.line_end,
            "code": where.code,
            "remotes": list(where.remotes),
            "commitSha": where.commit_sha,
            "branch": where.branch,
            "language": where.language,
        }
        created = api.call(
            "POST",
            "/codemarks",
            json={
                "teamId": team_id,
                "type": kind,
                "text": text,
                "title": title,
                "tags": tags,
                "markers": [marker],
                "shares": [{"provider": "msteams", "channelId": c} for c in channel_ids],
            },
        )
    console.print(
        f"Created {kind} {created['id']} on {where.file}:{where.line_start}-{where.line_end}"
    )
    console.print(f"Permalink: {created['permalink']}")
    if created.get("sharedTo"):
        print_shares(created["sharedTo"])


@codemark_app.command("list")
def codemark_list(
    team: str | None = typer.Option(
        None, "--team", help="Team id or name (default: your only team)."
    ),
    kind: str | None = typer.Option(None, "--type", help="Only this type."),
    status: str | None = typer.Option(None, "--status", help="open or closed."),
    limit: int = typer.Option(50, min=1, max=100, help="How many, newest first."),
) -> None:
    """List a team's codemarks, newest first."""
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        team_id = _pick_team(api, team)
        params: dict[str, Any] = {"teamId": team_id, "limit": limit}
        if kind:
            params["type"] = kind
        if status:
            params["status"] = status
        page = api.call("GET", "/codemarks", params=params)
    table = Table(
        Column("id", no_wrap=True, min_width=24), "type", "status", "title / text", "where"
    )
    for item in page["items"]:
        marker = item["markers"][0] if item["markers"] else None
        where = f"{marker['file']}:{marker['lineStart']}-{marker['lineEnd']}" if marker else ""
        summary = (
            (item["title"] or item["text"]).splitlines()[0][:60]
            if (item["title"] or item["text"])
            else ""
        )
        table.add_row(item["id"], item["type"], item["status"], escape(summary), escape(where))
    console.print(table)


def _target_name(target: dict[str, Any]) -> str:
    return f"{target['name']} ({target.get('organization') or target['tenantId']})"


def _target_names(targets: list[dict[str, Any]]) -> str:
    return ", ".join(_target_name(t) for t in targets) or (
        "none (say `@CodeStream connect` in a channel)"
    )


def resolve_channels(
    api: ApiClient, team_id: str, specs: list[str], option: str = "--channel"
) -> list[str]:
    """Channel ids for TEAM/CHANNEL names (or channel ids) among the team's connected channels;
    exit 2 naming the one that matches none, or several."""
    targets: list[dict[str, Any]] = api.call("GET", f"/teams/{team_id}/share-targets")
    found: list[str] = []
    for spec in specs:
        wanted = spec.strip().casefold()
        matches = [t for t in targets if spec == t["channelId"]] or [
            t for t in targets if t["name"].casefold() == wanted
        ]
        if not matches and "/" not in spec:
            matches = [t for t in targets if t["channelName"].casefold() == wanted]
        if not matches:
            fail(f"{option} {spec!r}: not a connected channel; connected: {_target_names(targets)}")
        if len(matches) > 1:
            ids = ", ".join(f"{t['channelId']} ({_target_name(t)})" for t in matches)
            fail(f"{option} {spec!r}: several channels have that name; pass one of the ids: {ids}")
        if matches[0]["channelId"] not in found:
            found.append(matches[0]["channelId"])
    return found


def _when(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def describe_delivery(share: dict[str, Any]) -> str:
    """One line on where a share's card is: queued, sending, retrying, sent or failed."""
    status = share["status"]
    if status == "retrying":
        return f"retrying at {_when(share['nextAttemptAt'])} (last error: {share['lastError']})"
    if status == "failed":
        return f"failed: {share['lastError']}"
    if status == "sent":
        return f"sent {_when(share['sentAt'])}".rstrip()
    return str(status)


def print_shares(shares: list[dict[str, Any]]) -> None:
    """The "Shared to" table."""
    table = Table("shared to", "status", "link", title="Shared to", title_justify="left")
    for share in shares:
        table.add_row(
            escape(f"{share['teamName']}/{share['channelName']}"),
            escape(describe_delivery(share)),
            escape(share["url"] or ""),
        )
    console.print(table)


@codemark_app.command("share")
def codemark_share(
    codemark_id: str = typer.Argument(..., help="The codemark's id."),
    channels: list[str] = typer.Option(
        ...,
        "--channel",
        help="A Teams channel as TEAM/CHANNEL (see `codemark channels`); repeat for more.",
    ),
) -> None:
    """Share a codemark to connected Teams channels; its card is delivered in the background."""
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        item = api.call("GET", f"/codemarks/{codemark_id}")
        channel_ids = resolve_channels(api, item["teamId"], channels)
        shared = api.call(
            "POST",
            f"/codemarks/{codemark_id}/shares",
            json={"provider": "msteams", "channelIds": channel_ids},
        )
    print_shares(shared)


@codemark_app.command("channels")
def codemark_channels(
    team: str | None = typer.Option(
        None, "--team", help="Team id or name (default: your only team)."
    ),
) -> None:
    """List the Teams channels your team can share codemarks to."""
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        team_id = _pick_team(api, team)
        targets: list[dict[str, Any]] = api.call("GET", f"/teams/{team_id}/share-targets")
    if not targets:
        console.print("No connected channels yet: say `@CodeStream connect` in a Teams channel.")
        return
    table = Table(
        Column("TEAM/CHANNEL", no_wrap=True),
        Column("ORGANIZATION", overflow="fold"),
        Column("channel id", no_wrap=True),
    )
    for target in targets:
        table.add_row(
            escape(target["name"]),
            escape(target.get("organization") or target["tenantId"]),
            escape(target["channelId"]),
        )
    console.print(table)
