"""Bot fixtures: our app and the Teams emulator, talking to each other over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from support.bots import BotWorld, start_bot_world
from support.databases import sqlite_copy


@pytest.fixture
async def bot_world(database_url: str) -> AsyncIterator[BotWorld]:
    """Our app served on a real port, the emulator on another, the bot installed in a team."""
    async with start_bot_world(database_url) as world:
        yield world


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database, not parametrized by backend.

    For tests of request verification and the endpoint's HTTP behaviour: they never reach the
    database, so running them on PostgreSQL too would double their time and test nothing more.
    """
    return sqlite_copy(_sqlite_template, tmp_path)


@pytest.fixture
async def auth_world(sqlite_url: str) -> AsyncIterator[BotWorld]:
    """Like `bot_world`, on SQLite only and without the startup migration (see `sqlite_url`)."""
    async with start_bot_world(sqlite_url, migrate=False) as world:
        yield world
