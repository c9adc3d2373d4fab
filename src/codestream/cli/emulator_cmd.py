"""`codestream emulator`: run the local Microsoft Teams emulator (see `teams_emulator`)."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from codestream.cli.processes import ensure_port_free


def emulator(
    port: int = typer.Option(3979, "--port", help="Port to listen on (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    bot_endpoint: str | None = typer.Option(
        None, "--bot-endpoint", help="The bot's messaging endpoint URL."
    ),
    bot_app_id: str | None = typer.Option(
        None, "--bot-app-id", help="The bot's app id (default: a new GUID)."
    ),
    bot_app_password: str | None = typer.Option(
        None, "--bot-app-password", help="The bot's client secret (default: generated)."
    ),
    bot_tenant_id: str | None = typer.Option(
        None, "--bot-tenant-id", help="Tenant id of the demo tenant (default: a new GUID)."
    ),
    install: bool = typer.Option(
        False, "--install", help="Install the bot in the demo team and a personal chat at start."
    ),
    throttling: bool = typer.Option(
        True, "--throttling/--no-throttling", help="Apply Teams' documented rate limits."
    ),
) -> None:
    """Run Microsoft's side of Teams on loopback: keys, tokens, Bot Connector, a Teams-like page.

    Prints the URLs and the services-config block that point a bot at it. Stops on Ctrl-C or
    SIGTERM.
    """
    from teams_emulator.cli import serve, stop_on_sigterm_as_on_ctrl_c

    if port != 0:
        ensure_port_free(host, port)
    stop_on_sigterm_as_on_ctrl_c()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                host=host,
                port=port,
                bot_endpoint=bot_endpoint,
                bot_app_id=bot_app_id,
                bot_app_password=bot_app_password,
                bot_tenant_id=bot_tenant_id,
                install=install,
                throttling=throttling,
            )
        )


def register(app: typer.Typer) -> None:
    """Attach `emulator` to the root command."""
    app.command("emulator")(emulator)
