"""Fixtures for the share tests: the API world of tests/api plus connected Teams channels."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.api import Api
from support.connected_channels import ConnectedChannel, connect_channel
from support.world import World, build_world


@dataclass
class ShareWorld:
    """Team A (Alice, Bob) has two connected channels; team B (Carol) has one of its own."""

    world: World
    engine: AsyncEngine
    channel: ConnectedChannel
    general: ConnectedChannel
    other_channel: ConnectedChannel


@pytest.fixture
async def sw(api: Api, engine: AsyncEngine) -> ShareWorld:
    """The API world with channels connected through the bot's tables."""
    world = await build_world(api)
    channel = await connect_channel(
        engine, team_id=world.team["id"], user_id=world.alice.id, channel_name="Code review"
    )
    general = await connect_channel(
        engine,
        team_id=world.team["id"],
        user_id=world.alice.id,
        channel_name=None,
        msteams_team_id=channel.msteams_team_id,
    )
    other = await connect_channel(
        engine,
        team_id=world.other_team["id"],
        user_id=world.carol.id,
        team_name="Finance",
        channel_name="Ledger",
    )
    return ShareWorld(world, engine, channel, general, other)


from tests.shares.card_world import cards  # noqa: E402, F401  (the fixture, for the card update tests)
from tests.shares.delivery_flow import flow  # noqa: E402, F401  (the fixture, for every test here)
