"""`codestream emulator`: run the local Microsoft Teams emulator (see `teams_emulator`)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import typer

from codestream.cli.output import fail
from codestream.cli.processes import ensure_port_free
from codestream.config import ConfigError, read_document, validate_document, write_document
from codestream.config.paths import expand_path

#: Where the emulator keeps its world's ids between runs (the tenant id a pasted config names).
STATE_FILE: Final = "~/.codestream/teams-emulator.json"
_BLOCK: Final = "microsoft.com"


def merged_config(doc: dict[str, Any], emulated: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the emulator's keys written into `integrations.msteams."microsoft.com"`; the
    block's other keys, other blocks and the rest of the file are kept."""
    updated = copy.deepcopy(doc)
    integrations = updated.setdefault("integrations", {})
    teams = integrations.setdefault("msteams", {}) if isinstance(integrations, dict) else None
    if not isinstance(teams, dict):
        raise ConfigError("integrations.msteams is not an object; fix it by hand, then run again")
    current = teams.get(_BLOCK)
    block = current if isinstance(current, dict) else {}
    teams[_BLOCK] = {**block, **emulated["integrations"]["msteams"][_BLOCK]}
    return updated


def _config_writer(path: Path) -> Callable[[dict[str, Any]], list[str]]:
    """Check now that `path` is a readable config; return the callback that merges the block
    into it once the emulator's URL is known (backup and atomic rewrite, as `config set`)."""
    try:
        read_document(path)
    except ConfigError as exc:
        fail(f"--write-config: {exc.message}")

    def write(emulated: dict[str, Any]) -> list[str]:
        try:
            doc = read_document(path)
            updated = merged_config(doc, emulated)
        except ConfigError as exc:
            fail(f"--write-config: {path}: {exc.message}")
        if updated == doc:
            return [f"  Config up to date:     {path}"]
        introduced = [p for p in validate_document(updated) if p not in validate_document(doc)]
        if introduced:
            problems = "\n".join(f"  - {p}" for p in introduced)
            fail(f"--write-config: {path} not changed: the result would not be valid:\n{problems}")
        try:
            backup = write_document(path, updated)
        except ConfigError as exc:
            fail(f"--write-config: {exc.message}")
        lines = [f'  Config written:        integrations.msteams."{_BLOCK}" in {path}']
        if backup is not None:
            lines.append(f"  Previous config:       {backup}")
        return lines

    return write


def emulator(
    port: int = typer.Option(3979, "--port", help="Port to listen on (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    bot_endpoint: str | None = typer.Option(
        None, "--bot-endpoint", help="The bot's messaging endpoint URL."
    ),
    bot_app_id: str | None = typer.Option(
        None, "--bot-app-id", help="The bot's app id (default: the last run's, else a new GUID)."
    ),
    bot_app_password: str | None = typer.Option(
        None,
        "--bot-app-password",
        help="The bot's client secret (default: the last run's, else generated).",
    ),
    bot_tenant_id: str | None = typer.Option(
        None,
        "--bot-tenant-id",
        help="Tenant id of the demo tenant (default: the last run's, else a new GUID).",
    ),
    install: bool = typer.Option(
        False, "--install", help="Install the bot in the demo team and a personal chat at start."
    ),
    read_channel_messages: bool = typer.Option(
        False,
        "--read-channel-messages",
        help="With --install: grant the app's RSC consent ChannelMessage.Read.Group, so the bot "
        "hears every channel message (thread replies without an @mention).",
    ),
    write_config: Path | None = typer.Option(
        None,
        "--write-config",
        metavar="PATH",
        help='Merge the printed block into integrations.msteams."microsoft.com" of this services '
        "config (a timestamped backup first, as `config set` does).",
    ),
    state: Path = typer.Option(
        Path(STATE_FILE),
        "--state",
        metavar="PATH",
        help="Keep the demo world's ids (tenant, team, channels, users, app) and installs here, "
        "so the same config works on every run. Delete it to start over.",
        show_default=True,
    ),
    throttling: bool = typer.Option(
        True, "--throttling/--no-throttling", help="Apply Teams' documented rate limits."
    ),
    link_domains: list[str] = typer.Option(
        [],
        "--link-domain",
        metavar="HOST",
        help="A host whose links the app's message extension unfolds, as the app package's "
        "messageHandlers say (repeatable; default: the host of --bot-endpoint).",
    ),
) -> None:
    """Run Microsoft's side of Teams on loopback: keys, tokens, Bot Connector, a Teams-like page.

    Prints the URLs and the services-config block that point a bot at it (--write-config puts
    that block in a config file for you). Stops on Ctrl-C or SIGTERM.
    """
    from teams_emulator import demo_state
    from teams_emulator.cli import serve, stop_on_sigterm_as_on_ctrl_c

    if read_channel_messages and not install:
        fail("--read-channel-messages is the team owner's consent while installing: add --install")
    state_path = expand_path(state)
    try:
        demo_state.read_state(state_path)
    except demo_state.StateFileError as exc:
        fail(str(exc))
    on_config = _config_writer(expand_path(write_config)) if write_config is not None else None
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
                read_channel_messages=read_channel_messages,
                throttling=throttling,
                state_path=state_path,
                on_config=on_config,
                link_domains=link_domains,
            )
        )


def register(app: typer.Typer) -> None:
    """Attach `emulator` to the root command."""
    app.command("emulator")(emulator)
