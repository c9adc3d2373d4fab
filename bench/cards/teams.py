"""The Teams of bench/cards in a process of its own, as Microsoft's service is remote to ours.

`python bench/cards/teams.py --bot-endpoint URL` serves the Teams emulator (enforcing Teams'
limits) with Ada's team of 20 channels, prints one JSON line (its base URL, the bot's config
block, the channel ids), then serves until SIGTERM. Besides the emulator's own routes (its
transcript at `/_emulator/transcript`, times from `time.time()` taken after the call is handled)
it answers two for the bench:

* `POST /_bench/install`: installs the bot in the team (a conversationUpdate to our app);
* `GET /_bench/cards?after=T&text=A&text=B&timeout=S`: waits here, cheaply, until every
  channel's card was stored at or after wall time T and shows every text, then answers each
  card's id and `updated` (wall time the emulator stored it); `done` false on timeout.

`start_teams` starts it from the bench, and `Teams` is the bench's handle on it over HTTP;
`LocalTeams` is the same handle on an emulator in this process (what the routes above use, and
the one-process layout).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from codestream.teams.cards import CONTENT_TYPE
from teams_emulator import Emulator, Message, RunningEmulator, Scene, scene

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import listening_socket, pin

CHANNELS = 20


def _card(emulator: Emulator, channel_id: str) -> Message | None:
    conversation = emulator.world.conversations[channel_id]
    roots = [m for m in conversation.messages.values() if m.from_bot and m.thread_root == m.id]
    return roots[0] if roots else None


def _shows(message: Message, texts: Sequence[str]) -> bool:
    shown = " ".join(
        json.dumps(a.get("content"))
        for a in message.attachments
        if a.get("contentType") == CONTENT_TYPE
    )
    return all(text in shown for text in texts)


class LocalTeams:
    """The emulator of this process, as the scenarios see Teams (`scenarios.TeamsView`); its
    waits poll the emulator's memory every `step` seconds."""

    def __init__(self, running: RunningEmulator, cast: Scene, step: float = 0.002) -> None:
        self.running, self.cast, self.step = running, cast, step
        self.channels = [c.id for c in cast.channels]

    async def install(self) -> None:
        """Install the bot in the team, as its owner does in Teams."""
        await self.running.driver.install_bot(self.cast.bot, self.cast.team, by=self.cast.alice)

    async def calls(self, route: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """The transcript (bot to Teams and back), oldest first."""
        found = self.running.emulator.transcript.query(route=route, since=since)
        return [e.to_json() for e in found]

    def _ready(self, after: float, texts: Sequence[str]) -> list[Message] | None:
        cards = [_card(self.running.emulator, c) for c in self.channels]
        if all(
            m is not None and (m.updated or m.timestamp) >= after and _shows(m, texts)
            for m in cards
        ):
            return [m for m in cards if m is not None]
        return None

    async def cards(self, after: float, *texts: str, wait: float = 30) -> dict[str, Any]:
        """Wait until every card was stored after `after` and shows every text."""
        deadline = time.monotonic() + wait
        ready = self._ready(after, texts)
        while ready is None and time.monotonic() < deadline:
            await asyncio.sleep(self.step)
            ready = self._ready(after, texts)
        cards = ready or [
            m for m in (_card(self.running.emulator, c) for c in self.channels) if m is not None
        ]
        return {
            "done": ready is not None,
            "cards": [{"id": m.id, "updated": m.updated or m.timestamp} for m in cards],
        }


class BenchRoutes:
    """The two `/_bench/` routes over the emulator and its cast."""

    def __init__(self, teams: LocalTeams) -> None:
        self.teams = teams

    async def install(self, request: Request) -> Response:
        """Install the bot in the team, as its owner does in Teams."""
        await self.teams.install()
        return JSONResponse({"installed": True})

    async def cards(self, request: Request) -> Response:
        """Wait until every card was stored after `after` and shows every `text`."""
        params = request.query_params
        found = await self.teams.cards(
            float(params.get("after", "0")),
            *params.getlist("text"),
            wait=float(params.get("timeout", "30")),
        )
        return JSONResponse(found)


async def serve(bot_endpoint: str) -> None:
    """Serve the emulator and the bench routes until the server is told to stop."""
    emulator = Emulator(transcript_limit=1_000_000)
    sock = listening_socket()
    emulator.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    running = RunningEmulator.of(emulator)
    cast = scene(
        emulator,
        users=["Ada"],
        channels=[f"ch{i}" for i in range(CHANNELS)],
        bot_endpoint=bot_endpoint,
    )
    routes = BenchRoutes(LocalTeams(running, cast))
    bench = Starlette(
        routes=[
            Route("/_bench/install", routes.install, methods=["POST"]),
            Route("/_bench/cards", routes.cards, methods=["GET"]),
        ]
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_bench/"):
            await bench(scope, receive, send)
        else:
            await running.app(scope, receive, send)

    print(
        json.dumps(
            {
                "baseUrl": emulator.base_url,
                "msteams": running.msteams_block(cast.bot),
                "channels": [c.id for c in cast.channels],
            }
        ),
        flush=True,
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    try:
        await uvicorn.Server(config).serve(sockets=[sock])
    finally:
        await running.driver.aclose()


class Teams:
    """The emulator process, seen over HTTP."""

    def __init__(self, http: httpx.AsyncClient, channels: list[str]) -> None:
        self.http, self.channels = http, channels

    async def install(self) -> None:
        """Install the bot in the team (`POST /_bench/install`)."""
        answer = await self.http.post("/_bench/install")
        assert answer.status_code == 200, answer.text

    async def calls(self, route: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """Its transcript (bot to Teams and back), oldest first."""
        params: dict[str, Any] = {"since": since}
        if route:
            params["route"] = route
        answer = await self.http.get("/_emulator/transcript", params=params)
        return list(answer.json()["exchanges"])

    async def cards(self, after: float, *texts: str, wait: float = 30) -> dict[str, Any]:
        """Waits (there) until every card was stored after `after` showing `texts`."""
        answer = await self.http.get(
            "/_bench/cards",
            params={"after": after, "text": list(texts), "timeout": wait},
            timeout=wait + 10,
        )
        return dict(answer.json())


def start_teams(bot_endpoint: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The emulator's process (CPU 1) and what it printed: base URL, config block, channels."""
    command = [*pin(1), sys.executable, __file__, "--bot-endpoint", bot_endpoint]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


async def until_up(client: httpx.AsyncClient, path: str, process: subprocess.Popen[str]) -> None:
    """Wait until `process` answers `path` (it fails when the process exits)."""
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            await client.get(path)
            return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{process.args!r} did not start")


def main() -> None:
    """Entry point: `python bench/cards/teams.py --bot-endpoint URL`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bot-endpoint", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.bot_endpoint))


if __name__ == "__main__":
    main()
