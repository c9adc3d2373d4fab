"""A self-signed certificate and an HTTPS uvicorn in a thread, for the doctor's trust check."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

from support.servers import free_port
from teams_emulator import RunningEmulator, run_emulator

T = TypeVar("T")


@contextmanager
def serve_tls(
    app: ASGIApp, certfile: Path, keyfile: Path, port: int | None = None
) -> Iterator[int]:
    """Serve `app` over HTTPS on 127.0.0.1 in a thread; yields the port."""
    bound = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=bound,
            log_level="warning",
            ssl_certfile=str(certfile),
            ssl_keyfile=str(keyfile),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("TLS test server did not start")
        time.sleep(0.02)
    try:
        yield bound
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class ThreadedEmulator:
    """A running emulator whose event loop lives in another thread."""

    emu: RunningEmulator
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine (e.g. a driver call) on the emulator's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)


@contextmanager
def emulator_in_thread() -> Iterator[ThreadedEmulator]:
    """The Teams emulator on its own event loop in a thread, so in-process CLI calls can block."""
    ready = threading.Event()
    box: dict[str, object] = {}

    async def body() -> None:
        stop = asyncio.Event()
        async with run_emulator() as emu:
            box.update(emu=emu, loop=asyncio.get_running_loop(), stop=stop)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=lambda: asyncio.run(body()), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("emulator did not start")
    emu = box["emu"]
    assert isinstance(emu, RunningEmulator)
    loop, stop = box["loop"], box["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
    try:
        yield ThreadedEmulator(emu, loop)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=15)
