"""`codestream user create|list` and `codestream team create|add-member`: the operator's tools
(account lifecycle commands on the same groups: `account_cmd`).

They act on the configured database directly, with the server operator's authority.
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from codestream.cli.output import console, fail, say
from codestream.cli.runtime import load, open_services, run
from codestream.config import Config

user_app = typer.Typer(help="Create, list and manage user accounts.", no_args_is_help=True)
team_app = typer.Typer(help="Create teams and manage their members.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the `user` and `team` groups, with the account commands `account_cmd` adds."""
    from codestream.cli import account_cmd  # noqa: F401  (importing it adds its commands)

    app.add_typer(user_app, name="user")
    app.add_typer(team_app, name="team")


def read_password(password_stdin: bool, *, confirm: bool) -> str:
    """The password from stdin (one line) or a hidden prompt; never from argv."""
    if password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail("--password-stdin: no password on standard input")
        return line
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return value


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    email: str = typer.Option(..., "--email", help="The user's email address (their login)."),
    full_name: str = typer.Option("", "--name", help="Full name, shown on cards and pages."),
    username: str | None = typer.Option(None, help="Username (default: from the email)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    team: str | None = typer.Option(None, "--team", help="Also add them to this team (its id)."),
    admin: bool = typer.Option(False, "--admin", help="With --team: as an admin of the team."),
    link: bool = typer.Option(
        False,
        "--link",
        help="Set no password; print a one-time link (good for 72 hours) for them to set one.",
    ),
) -> None:
    """Create a user account; the password is prompted for, or read from stdin, or set by them.

    With --link no password is set: the person sets one with the one-time link printed.
    """
    config = load(ctx)
    if admin and team is None:
        fail("--admin needs --team TEAM_ID: the team to make them an admin of")
    if link and password_stdin:
        fail("--link and --password-stdin: choose one (--link sets no password)")
    password = None if link else read_password(password_stdin, confirm=True)

    async def create(config: Config) -> None:
        async with open_services(config) as services:
            where = f" in team {team} as {'admin' if admin else 'member'}" if team else ""
            if password is None:
                invited = services.accounts.new_invited_account(
                    email=email, full_name=full_name, username=username
                )
                user, made = await services.write(
                    services.lifecycle.invite_as_operator, team, invited, admin=admin
                )
                say(f"Created user {user.email} (id {user.id}){where}, no password yet.")
                say("Give them this one-time link to set their password:")
                typer.echo(made.url)
                return
            new = await services.accounts.new_account(
                email=email, password=password, full_name=full_name, username=username
            )
            user = await services.write(
                services.lifecycle.create_as_operator, team, new, admin=admin
            )
        say(f"Created user {user.email} (username {user.username}, id {user.id}){where}.")

    run(create(config))


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List user accounts."""
    config = load(ctx)

    async def show(config: Config) -> None:
        async with open_services(config) as services:
            users = await services.read(services.accounts.list_users, limit=1000)
        table = Table("id", "email", "username", "name")
        for user in users:
            table.add_row(user.id, user.email, user.username, user.full_name)
        console.print(table)

    run(show(config))


@team_app.command("create")
def team_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The team's name."),
    owner: str = typer.Option(..., "--owner", help="Email or username of its first admin."),
) -> None:
    """Create a team with an existing user as its admin."""
    config = load(ctx)

    async def create(config: Config) -> None:
        async with open_services(config) as services:
            user = await services.read(services.accounts.find_user, owner)
            team = await services.write(services.teams.create_team, user, name)
        console.print(f"Created team {team.name!r} (id {team.id}), admin {user.email}.")

    run(create(config))


@team_app.command("add-member")
def team_add_member(
    ctx: typer.Context,
    team_id: str = typer.Argument(..., help="The team's id (see `codestream team create`)."),
    user: str = typer.Argument(..., help="Email or username of a signed-up user."),
    admin: bool = typer.Option(False, "--admin", help="Make them an admin of the team."),
) -> None:
    """Add a user to a team."""
    config = load(ctx)

    async def add(config: Config) -> None:
        async with open_services(config) as services:
            _, member = await services.write(
                services.teams.add_member_as_operator, team_id, user, admin=admin
            )
        role = "admin" if admin else "member"
        console.print(f"Added {member.email} to team {team_id} as {role}.")

    run(add(config))
