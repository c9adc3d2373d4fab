"""The operator's account lifecycle commands, on the `user` and `team` groups: set a password,
deactivate and reactivate, revoke every token, remove a member, and review and revoke Teams
sign-ins. They act on the configured database directly, with the server operator's authority;
each change that ends a user's sign-ins says how many ended.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from codestream.cli.admin_cmd import read_password, team_app, user_app
from codestream.cli.output import fail, say
from codestream.cli.runtime import load, open_services, run
from codestream.config import Config

if TYPE_CHECKING:
    from codestream.domain.services.msteams_link_review import TeamsSignIn

_WHO = typer.Argument(..., help="The user's email or username.")


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _say_sign_ins(sign_ins: list[TeamsSignIn]) -> None:
    """One line per Teams sign-in, its id first (for --revoke)."""
    for s in sign_ins:
        name = s.teams_user_name or s.teams_user_id
        say(
            f"{s.id}  Teams user {name} ({s.teams_user_id}), organization {s.tenant_id}, "
            f"signed in as {s.user.email} since {_when(s.created_at)}"
        )


@user_app.command("set-password")
def user_set_password(
    ctx: typer.Context,
    user: str = _WHO,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password from standard input."
    ),
) -> None:
    """Set a user's password; ends all their sessions, tokens and Teams sign-ins."""
    config = load(ctx)
    password = read_password(password_stdin, confirm=True)

    async def change(config: Config) -> None:
        async with open_services(config) as services:
            found, ended = await services.set_password(user, password)
        say(f"Set the password of {found.email}. {ended.describe()}")

    run(change(config))


@user_app.command("deactivate")
def user_deactivate(ctx: typer.Context, user: str = _WHO) -> None:
    """Deactivate a user: they can't log in; their sessions, tokens and Teams sign-ins end."""
    config = load(ctx)

    async def deactivate(config: Config) -> None:
        async with open_services(config) as services:
            found, ended = await services.write(services.lifecycle.deactivate_as_operator, user)
        say(f"Deactivated {found.email}. {ended.describe()}")
        say(f"Undo with: codestream user reactivate {found.email}")

    run(deactivate(config))


@user_app.command("reactivate")
def user_reactivate(ctx: typer.Context, user: str = _WHO) -> None:
    """Let a deactivated user log in again with their password."""
    config = load(ctx)

    async def reactivate(config: Config) -> None:
        async with open_services(config) as services:
            found = await services.write(services.lifecycle.reactivate_as_operator, user)
        say(f"Reactivated {found.email}; they can log in with their password again.")

    run(reactivate(config))


@user_app.command("revoke-tokens")
def user_revoke_tokens(ctx: typer.Context, user: str = _WHO) -> None:
    """Sign a user out everywhere: revoke all tokens and sessions, end Teams sign-ins."""
    config = load(ctx)

    async def revoke(config: Config) -> None:
        async with open_services(config) as services:
            found, ended = await services.write(
                services.lifecycle.sign_out_everywhere_as_operator, user
            )
        say(f"Signed {found.email} out everywhere. {ended.describe()}")

    run(revoke(config))


@user_app.command("msteams-links")
def user_msteams_links(
    ctx: typer.Context,
    user: str = _WHO,
    revoke: str | None = typer.Option(
        None, "--revoke", help="Sign out the Teams sign-in with this id (from the list)."
    ),
) -> None:
    """List the Teams users signed in as a user; --revoke ID signs one out."""
    config = load(ctx)

    async def links(config: Config) -> None:
        from codestream.domain.services import msteams_link_review as review

        async with open_services(config) as services:
            found, sign_ins = await services.read(review.sign_ins_of, user)
            if revoke is not None:
                gone = await services.write(review.revoke_my_sign_in, found, revoke)
                say(
                    f"Signed out Teams user {gone.teams_user_name or gone.teams_user_id} "
                    f"(organization {gone.tenant_id}) from {found.email}."
                )
                return
        if not sign_ins:
            say(f"No Teams user is signed in as {found.email}.")
            return
        _say_sign_ins(sign_ins)

    run(links(config))


@team_app.command("remove-member")
def team_remove_member(
    ctx: typer.Context,
    team_id: str = typer.Argument(..., help="The team's id."),
    user: str = typer.Argument(..., help="Email or username of the member."),
) -> None:
    """Remove a member from a team (it keeps at least one admin)."""
    config = load(ctx)

    async def remove(config: Config) -> None:
        async with open_services(config) as services:
            found = await services.write(
                services.lifecycle.remove_member_as_operator, team_id, user
            )
        say(f"Removed {found.email} from team {team_id}.")

    run(remove(config))


@team_app.command("msteams-links")
def team_msteams_links(
    ctx: typer.Context,
    team_id: str = typer.Argument(..., help="The team's id."),
    revoke: str | None = typer.Option(
        None, "--revoke", help="Sign out the Teams sign-in with this id (from the list)."
    ),
    revoke_tenant: str | None = typer.Option(
        None,
        "--revoke-tenant",
        help="Unlink this Microsoft organization (tenant id) from the team; disconnects its "
        "channels there.",
    ),
) -> None:
    """List a team's Teams sign-ins and linked organizations; revoke one with an option."""
    config = load(ctx)
    if revoke is not None and revoke_tenant is not None:
        fail("--revoke and --revoke-tenant: give one of them per run")

    async def links(config: Config) -> None:
        from codestream.domain.services import msteams_link_review as review

        async with open_services(config) as services:
            if revoke is not None:
                gone = await services.write(review.revoke_team_sign_in, None, team_id, revoke)
                say(
                    f"Signed out Teams user {gone.teams_user_name or gone.teams_user_id} "
                    f"(organization {gone.tenant_id}) from {gone.user.email}."
                )
                return
            if revoke_tenant is not None:
                now = services.clock()
                await services.write(review.revoke_team_tenant, None, team_id, revoke_tenant, now)
                say(f"Unlinked organization {revoke_tenant} from team {team_id}.")
                return
            found = await services.read(review.team_links_as_operator, team_id)
        say(f"Team {found.team.name!r} ({found.team.id})")
        if found.sign_ins:
            _say_sign_ins(found.sign_ins)
        else:
            say("No Teams user is signed in as a member.")
        for tenant in found.tenants:
            by = tenant.linked_by.email if tenant.linked_by else "a former user"
            say(f"Organization {tenant.tenant_id} linked by {by} since {_when(tenant.created_at)}")
        if not found.tenants:
            say("No Microsoft organization is linked to the team.")

    run(links(config))
