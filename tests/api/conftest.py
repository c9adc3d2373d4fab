"""Fixtures for the REST API tests."""

from __future__ import annotations

import pytest

from support.api import Api
from support.world import World, build_world


@pytest.fixture
async def world(api: Api) -> World:
    """Two teams with members, a repo, codemarks and a reply (see `support.world`)."""
    return await build_world(api)
