"""Fixtures for the server-rendered pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import Config
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from pages.helpers import Site


@pytest.fixture
async def site(config: Config, engine: AsyncEngine) -> AsyncIterator[Site]:
    """The app over https (in-process), with API helpers on `site.api`."""
    app = create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )
    site = Site(httpx.ASGITransport(app=app))
    try:
        yield site
    finally:
        await site.close()
