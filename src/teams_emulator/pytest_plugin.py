"""Pytest fixtures for tests that need Teams: `pytest_plugins = ["teams_emulator.pytest_plugin"]`.

`emulator` serves a fresh emulator on a free loopback port for one test and yields the
`RunningEmulator` (URLs, `.emulator`, `.driver`). For a test-controlled clock, use
`run_emulator(clock=ManualClock(...))` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from teams_emulator.server import RunningEmulator, run_emulator


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    """A Teams emulator served on 127.0.0.1 for the duration of one test."""
    async with run_emulator() as running:
        yield running
