"""Running the emulator by hand: `python -m teams_emulator` (and `codestream emulator`).

Builds a small demo world (tenant, users, a team with two channels), registers the bot given on the
command line, optionally installs it, prints what an admin must configure, and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections.abc import Sequence

from teams_emulator.emulator import Emulator
from teams_emulator.scene import Scene, scene
from teams_emulator.server import RunningEmulator, run_emulator

DEFAULT_PORT = 3979


def build_demo_world(
    emulator: Emulator,
    *,
    bot_app_id: str | None = None,
    bot_app_password: str | None = None,
    bot_tenant_id: str | None = None,
    bot_endpoint: str | None = None,
    bot_name: str = "CodeStream",
) -> Scene:
    """Contoso with three users, an Engineering team (General + Releases), and the bot app."""
    return scene(
        emulator,
        tenant_id=bot_tenant_id,
        users=("Alice Smith", "Bob Jones", "Carol Diaz"),
        bot_name=bot_name,
        bot_endpoint=bot_endpoint,
        bot_app_id=bot_app_id,
        bot_secret=bot_app_password,
    )


def describe(running: RunningEmulator, demo: Scene) -> str:
    """The URLs and settings an admin needs, as text (with a config snippet)."""
    bot = demo.bot
    block = running.msteams_block(bot, token_issuer=True)
    config = {"integrations": {"msteams": {"microsoft.com": block}}}
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
    throttling: bool = True,
) -> None:
    """Serve the emulator with the demo world until interrupted."""
    emulator = Emulator(throttling=throttling)
    demo = build_demo_world(
        emulator,
        bot_app_id=bot_app_id,
        bot_app_password=bot_app_password,
        bot_tenant_id=bot_tenant_id,
        bot_endpoint=bot_endpoint,
    )
    async with run_emulator(host=host, port=port, emulator=emulator) as running:
        print(describe(running, demo), flush=True)
        if install and bot_endpoint:
            await running.driver.install_bot(demo.bot, demo.team, by=demo.alice)
            await running.driver.install_bot_personal(demo.bot, demo.alice)
        await running.serve_forever()


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
    p.add_argument("--no-throttling", action="store_true", help="turn Teams' rate limits off")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m teams_emulator`."""
    args = parser().parse_args(argv)
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
                throttling=not args.no_throttling,
            )
        )
    return 0
