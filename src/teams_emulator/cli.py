"""Running the emulator by hand: `python -m teams_emulator` (and `codestream emulator`).

Builds a small demo world (tenant, users, a team with two channels), registers the bot given on the
command line, optionally installs it, prints what an admin must configure, and serves until Ctrl-C.
With a state file the world's ids and installs are the same from one run to the next.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from teams_emulator import demo_state
from teams_emulator.emulator import Emulator
from teams_emulator.entities import READ_CHANNEL_MESSAGES
from teams_emulator.scene import Scene, scene
from teams_emulator.server import RunningEmulator, run_emulator

DEFAULT_PORT = 3979


DEMO_USERS = ("Alice Smith", "Bob Jones", "Carol Diaz")
DEMO_CHANNELS = ("Releases",)


def build_demo_world(
    emulator: Emulator,
    *,
    bot_app_id: str | None = None,
    bot_app_password: str | None = None,
    bot_tenant_id: str | None = None,
    bot_endpoint: str | None = None,
    bot_name: str = "CodeStream",
    kept: dict[str, Any] | None = None,
) -> Scene:
    """Contoso with three users, an Engineering team (General + Releases), and the bot app.

    Ids come from `kept` (a state file's content) where it has them, else are new; the command
    line's bot id, secret and tenant win over kept ones. Installs are not made here.
    """
    kept = kept or {}
    if not kept:
        return scene(
            emulator,
            tenant_id=bot_tenant_id,
            users=DEMO_USERS,
            channels=DEMO_CHANNELS,
            bot_name=bot_name,
            bot_endpoint=bot_endpoint,
            bot_app_id=bot_app_id,
            bot_secret=bot_app_password,
        )
    world = emulator.world
    tenant = world.add_tenant("Contoso", tenant_id=bot_tenant_id or kept["tenant"]["id"])
    users = []
    for name in DEMO_USERS:
        ids = demo_state.kept_user(kept, name)
        users.append(
            world.add_user(
                tenant, name, user_id=ids.get("id"), aad_object_id=ids.get("aadObjectId")
            )
        )
    team_ids = kept.get("team", {})
    team = world.add_team(
        tenant,
        "Engineering",
        users,
        team_id=team_ids.get("id"),
        aad_group_id=team_ids.get("aadGroupId"),
    )
    channel_ids = team_ids.get("channels", {})
    channels = [
        world.add_channel(team, name, channel_id=channel_ids.get(name)) for name in DEMO_CHANNELS
    ]
    kept_bot = kept.get("bot", {})
    same_app = bot_app_id is None or bot_app_id == kept_bot.get("appId")
    bot = emulator.add_bot(
        app_id=bot_app_id or kept_bot.get("appId"),
        secret=bot_app_password or (kept_bot.get("secret") if same_app else None),
        name=bot_name,
        tenant=tenant,
        endpoint=bot_endpoint,
    )
    return Scene(tenant, users, team, channels, bot)


def extension_domains(bot_endpoint: str | None) -> list[str]:
    """The link domain of the app's message extension when none is given: the bot's host (the
    app package declares the public API host, which serves the bot endpoint too)."""
    host = urlsplit(bot_endpoint).hostname if bot_endpoint else None
    return [host] if host else []


def services_config(running: RunningEmulator, demo: Scene) -> dict[str, Any]:
    """The services config's `integrations` block that points the demo's bot here."""
    block = running.msteams_block(demo.bot, token_issuer=True)
    return {"integrations": {"msteams": {"microsoft.com": block}}}


def describe(
    running: RunningEmulator,
    demo: Scene,
    *,
    state_path: Path | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The URLs and settings an admin needs, as text (with a config snippet, printed last)."""
    bot = demo.bot
    config = services_config(running, demo)
    lines = [
        f"Teams emulator on {running.base_url}",
        f"  Teams page:            {running.base_url}/",
        f"  OpenID metadata:       {running.openid_metadata_url}",
        f"  Token issuer:          {running.token_issuer}",
        f"  Login URL:             {running.login_url}",
        f"  Token URL:             {running.token_url(demo.tenant.id)}",
        f"  serviceUrl:            {running.service_url(demo.tenant)}",
        f"  Bot app id:            {bot.app_id}",
        f"  Bot app password:      {bot.secret}",
        f"  Bot tenant id:         {demo.tenant.id}",
        f"  Bot messaging endpoint: {bot.endpoint or '(none: pass --bot-endpoint)'}",
        f"  Ids kept in:           {state_path or '(nowhere: new ids next run)'}",
        "  Add the bot:           on the page, Apps (the Chat rail) for a user's personal chat;"
        " a channel's header for its team",
        *notes,
        "",
        "Services config (integrations block):",
        json.dumps(config, indent=2),
    ]
    return "\n".join(lines)


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    bot_endpoint: str | None = None,
    bot_app_id: str | None = None,
    bot_app_password: str | None = None,
    bot_tenant_id: str | None = None,
    install: bool = False,
    read_channel_messages: bool = False,
    throttling: bool = True,
    state_path: Path | None = None,
    on_config: Callable[[dict[str, Any]], Sequence[str]] | None = None,
    link_domains: Sequence[str] = (),
) -> None:
    """Serve the emulator with the demo world until interrupted.

    `state_path`: where the world's ids and installs are kept between runs (None: nowhere).
    `install`: add the bot to the team (granting the RSC consent `ChannelMessage.Read.Group` with
    `read_channel_messages`) and to Alice's personal scope. `on_config` is given the services
    config block once the URL is known (e.g. to write it to a file); it returns lines to print.
    `link_domains`: the app's message extension unfolds links to these hosts (its manifest's
    `messageHandlers`); default: the host of `bot_endpoint`.
    """
    kept = demo_state.read_state(state_path) if state_path is not None else {}
    emulator = Emulator(throttling=throttling)
    demo = build_demo_world(
        emulator,
        bot_app_id=bot_app_id,
        bot_app_password=bot_app_password,
        bot_tenant_id=bot_tenant_id,
        bot_endpoint=bot_endpoint,
        kept=kept,
    )
    demo_state.restore_installs(emulator, demo, kept)
    domains = list(link_domains) or extension_domains(bot_endpoint)
    async with run_emulator(host=host, port=port, emulator=emulator) as running:
        if domains:
            running.driver.compose.register_extension(demo.bot, domains=domains)
        notes = on_config(services_config(running, demo)) if on_config is not None else ()
        print(describe(running, demo, state_path=state_path, notes=notes), flush=True)
        keeper = None
        if state_path is not None:
            keeper = asyncio.create_task(_keep_state(emulator, demo, state_path))
        try:
            if install and bot_endpoint:
                consent = [READ_CHANNEL_MESSAGES] if read_channel_messages else []
                await running.driver.install_bot(
                    demo.bot, demo.team, by=demo.alice, consent=consent
                )
                await running.driver.install_bot_personal(demo.bot, demo.alice)
            await running.serve_forever()
        finally:
            if keeper is not None:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            if state_path is not None:
                demo_state.write_state(state_path, demo_state.snapshot(emulator, demo))


async def _keep_state(emulator: Emulator, demo: Scene, path: Path) -> None:
    """Write the state file now, then whenever the world's ids or installs change."""
    written: dict[str, Any] | None = None
    seen = -1
    while True:
        if emulator.world.version != seen:
            seen = emulator.world.version
            state = demo_state.snapshot(emulator, demo)
            if state != written:
                demo_state.write_state(path, state)
                written = state
        await asyncio.sleep(0.5)


def stop_on_sigterm_as_on_ctrl_c() -> None:
    """Make SIGTERM (`kill`, a service manager) stop the emulator the way Ctrl-C does: uvicorn
    shuts down, then hands the signal back, which now ends `serve` with KeyboardInterrupt (the
    command exits 0) instead of killing the process by the signal. Call from the main thread."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def parser() -> argparse.ArgumentParser:
    """Command-line options of `python -m teams_emulator`."""
    p = argparse.ArgumentParser(
        prog="python -m teams_emulator", description="Microsoft Teams emulator for bot testing."
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    p.add_argument("--bot-endpoint", help="the bot's messaging endpoint URL")
    p.add_argument("--bot-app-id", help="the bot's app id (default: a new GUID)")
    p.add_argument("--bot-app-password", help="the bot's client secret (default: generated)")
    p.add_argument("--bot-tenant-id", help="the tenant id (default: a new GUID)")
    p.add_argument("--install", action="store_true", help="install the bot at start")
    p.add_argument(
        "--read-channel-messages",
        action="store_true",
        help="with --install: the team owner grants the RSC consent ChannelMessage.Read.Group "
        "(the bot hears every channel message, not only @mentions)",
    )
    p.add_argument(
        "--state",
        type=Path,
        help="keep the world's ids and installs in this JSON file between runs",
    )
    p.add_argument(
        "--link-domain",
        action="append",
        default=[],
        help="a host whose links the app's message extension unfolds (repeatable; default: the "
        "bot endpoint's host)",
    )
    p.add_argument("--no-throttling", action="store_true", help="turn Teams' rate limits off")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m teams_emulator`."""
    args = parser().parse_args(argv)
    if args.read_channel_messages and not args.install:
        parser().error("--read-channel-messages goes with --install (it is the owner's consent)")
    try:
        demo_state.read_state(args.state) if args.state is not None else None
    except demo_state.StateFileError as exc:
        parser().error(str(exc))
    stop_on_sigterm_as_on_ctrl_c()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                host=args.host,
                port=args.port,
                bot_endpoint=args.bot_endpoint,
                bot_app_id=args.bot_app_id,
                bot_app_password=args.bot_app_password,
                bot_tenant_id=args.bot_tenant_id,
                install=args.install,
                read_channel_messages=args.read_channel_messages,
                throttling=not args.no_throttling,
                state_path=args.state,
                link_domains=args.link_domain,
            )
        )
    return 0
