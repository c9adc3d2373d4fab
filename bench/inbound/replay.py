"""CPU per activity, in process: our app's ASGI callable driven directly, no sockets, no load tool.

Starts the emulator world (`world.py`) in its own process for the keys, builds the app the way
`servers/serve_ours.py` does, and replays the benchmark's activity (unique ids) through the ASGI
interface: first one at a time, then `--concurrency` at once. Prints microseconds of CPU per
activity for each, which is what to look at when changing the bot's hot path; `--profile FILE`
writes a cProfile of the concurrent phase.

Usage: python bench/inbound/replay.py [--count 3000] [--concurrency 32] [--serial N]
       [--database-url URL] [--acknowledge] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "servers"))

from serve_ours import build_config  # noqa: E402

from codestream.bot.handler import AcknowledgingHandler  # noqa: E402
from codestream.web.app import create_app  # noqa: E402
from codestream.web.bot_endpoint import PATH  # noqa: E402


async def post(app: Any, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """One POST through the ASGI interface; the status code."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


class GcTimer:
    """Wall time spent in the garbage collector, and collections per generation (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1


async def replay(args: argparse.Namespace, world: dict[str, Any]) -> None:
    """Run both phases and print the table."""
    config = build_config(world, args.database_url, in_process_worker=False)
    app = create_app(
        config,
        bot_handler=AcknowledgingHandler() if args.acknowledge else None,
        freeze_startup_objects=True,  # as `codestream serve` does
    )
    template = world["body_template"]
    placeholder = world["id_placeholder"]
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {world['token']}".encode()),
    ]
    counter = 0

    def body() -> bytes:
        nonlocal counter
        counter += 1
        return template.replace(placeholder, f"replay-{counter}").encode()

    async with app.router.lifespan_context(app):
        for _ in range(50):  # warm-up: keys fetched, statements cached
            assert await post(app, headers, body()) == 200
        serial_count = max(1, args.count // 4 if args.serial is None else args.serial)
        start = time.process_time()
        for _ in range(serial_count):
            status = await post(app, headers, body())
            assert status == 200, status
        serial = (time.process_time() - start) / serial_count

        profiler = cProfile.Profile() if args.profile else None
        collector = GcTimer()
        gc.callbacks.append(collector)
        start, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        done = 0
        while done < args.count:
            statuses = await asyncio.gather(
                *(post(app, headers, body()) for _ in range(args.concurrency))
            )
            assert set(statuses) == {200}, statuses
            done += args.concurrency
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        concurrent = (time.process_time() - start) / done
        wall_each = (time.perf_counter() - wall) / done
        gc.callbacks.remove(collector)
    print(f"{'phase':<28}{'CPU us/activity':>16}{'wall us/activity':>18}")
    print(f"{'one at a time':<28}{serial * 1e6:>16.0f}")
    print(f"{f'{args.concurrency} at once':<28}{concurrent * 1e6:>16.0f}{wall_each * 1e6:>18.0f}")
    print(
        f"garbage collector, concurrent phase: {collector.seconds / done * 1e6:.1f} us/activity"
        f" (collections per generation: {collector.collections})"
    )


def main() -> None:
    """Start the world, replay, stop the world."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--serial", type=int, default=None, help="activities one at a time first (count/4)"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--acknowledge",
        action="store_true",
        help="the endpoint alone: a handler that stores nothing (AcknowledgingHandler)",
    )
    parser.add_argument("--profile", default=None, help="write a cProfile of the concurrent phase")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="replay-")
    if args.database_url is None:
        args.database_url = f"sqlite:///{tmp}/replay.db"
    world_proc = subprocess.Popen(
        [sys.executable, str(HERE / "world.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert world_proc.stdout is not None
        world = json.loads(world_proc.stdout.readline())
        asyncio.run(replay(args, world))
    finally:
        world_proc.terminate()
        world_proc.wait(10)


if __name__ == "__main__":
    main()
