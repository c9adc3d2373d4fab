"""The server side of the emulator benchmark: one process, one world, no throttling.

Prints one JSON line (URLs, a valid bearer token, ids) on stdout once it listens, then serves until
killed. `--app hello` serves a bare ASGI hello-world instead (the baseline).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

from teams_emulator import Emulator, create_app, scene

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import listening_socket


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest ASGI app: the ceiling the emulator is compared with."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"id":"1"}'})


def build(port: int, transcript: bool) -> tuple[Any, dict[str, str]]:
    """The emulator app with a tenant, a team, an installed bot and a token for it."""
    emulator = Emulator(base_url=f"http://127.0.0.1:{port}", throttling=False)
    emulator.transcript.enabled = transcript
    cast = scene(
        emulator,
        tenant="Bench",
        users=["Bench User"],
        team="Bench",
        channels=(),
        bot_name="BenchBot",
    )
    tenant, team, bot = cast.tenant, cast.team, cast.bot
    team.installed_bots.add(bot.app_id)
    info = {
        "base_url": emulator.base_url,
        "service_url": emulator.service_url(tenant),
        "conversation_id": team.general.id,
        "token": emulator.access_tokens.issue(bot.app_id, tenant.id),
    }
    return create_app(emulator), info


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", choices=["emulator", "hello"], default="emulator")
    parser.add_argument("--no-transcript", action="store_true")
    args = parser.parse_args()
    sock = listening_socket()
    port = sock.getsockname()[1]
    if args.app == "hello":
        app: Any = hello
        info = {"base_url": f"http://127.0.0.1:{port}"}
    else:
        app, info = build(port, transcript=not args.no_transcript)
    print(json.dumps(info), flush=True)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", loop="uvloop", http="httptools"
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
