"""`codestream notifications show|set|mute|mute-codemark`: your personal notifications in
Teams, through the REST API (`/api/v1/me/notifications`) with the saved credentials, as the
`codemark` commands. Bad names exit 2 before anything changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer

from codestream.cli.apiclient import ApiClient
from codestream.cli.credentials import load_credentials
from codestream.cli.output import fail, say

notifications_app = typer.Typer(
    help="What the bot tells you in your personal chat in Teams.", no_args_is_help=True
)

KINDS = {
    "assigned": ("assigned", "Assigned to you"),
    "mentioned": ("mentioned", "@mentions of you"),
    "replies": ("replies", "Replies on your codemarks"),
    "replies-joined": ("repliesJoined", "Replies on codemarks you replied to"),
}
"""The CLI's name of each switch: its API field and what it means."""
MUTES = ("1h", "tomorrow", "off")
CODEMARK_HINT = "`codestream codemark list` shows the ids of your team's codemarks"


def register(app: typer.Typer) -> None:
    """Attach the `notifications` group."""
    app.add_typer(notifications_app, name="notifications")


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _print(settings: dict[str, Any]) -> None:
    for name, (field, meaning) in KINDS.items():
        say(f"{name:15} {'on' if settings[field] else 'off':4} {meaning}")
    muted_until = settings.get("mutedUntil")
    now = datetime.now(UTC).timestamp() * 1000
    say(f"muted until {_when(muted_until)}" if muted_until and muted_until > now else "not muted")
    for codemark_id in settings.get("mutedCodemarks") or []:
        say(f"muted codemark {codemark_id}")
    if settings.get("unreachableSince"):
        say(
            "Teams refused the last notification (you left the organization, or removed the "
            "app); write to the bot in Teams to get them again."
        )


def _patch(body: dict[str, Any]) -> None:
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        settings = api.call("PATCH", "/me/notifications", json=body)
    _print(settings)


@notifications_app.command("show")
def notifications_show() -> None:
    """Show which notifications are on, and any mutes."""
    credentials = load_credentials()
    with ApiClient(credentials.server, credentials.token) as api:
        _print(api.call("GET", "/me/notifications"))


@notifications_app.command("set")
def notifications_set(
    kind: str = typer.Argument(..., help="assigned, mentioned, replies or replies-joined."),
    state: str = typer.Argument(..., help="on or off."),
) -> None:
    """Turn one kind of notification on or off."""
    if kind not in KINDS:
        fail(f"KIND {kind!r}: expected one of {', '.join(KINDS)}")
    if state not in ("on", "off"):
        fail(f"STATE {state!r}: expected on or off")
    _patch({KINDS[kind][0]: state == "on"})


@notifications_app.command("mute")
def notifications_mute(
    until: str = typer.Argument(
        ..., help="1h (an hour), tomorrow (08:00 UTC tomorrow), or off (unmute)."
    ),
) -> None:
    """Mute every notification for a while, or unmute."""
    if until not in MUTES:
        fail(f"UNTIL {until!r}: expected one of {', '.join(MUTES)}")
    _patch({"mute": until})


@notifications_app.command("mute-codemark")
def notifications_mute_codemark(
    codemark_id: str = typer.Argument(..., help="The codemark's id."),
    undo: bool = typer.Option(False, "--undo", help="Unmute it instead."),
) -> None:
    """No more notifications about one codemark (or, with --undo, again)."""
    credentials = load_credentials()
    method = "DELETE" if undo else "PUT"
    with ApiClient(credentials.server, credentials.token) as api:
        api.call(method, f"/me/notifications/muted-codemarks/{codemark_id}", hint=CODEMARK_HINT)
    say(f"{'Unmuted' if undo else 'Muted'} codemark {codemark_id}.")
