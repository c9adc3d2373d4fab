"""`scene`: the cast most tests and benchmarks start from, made in one call.

A tenant (Contoso), its users (Alice Smith and Bob Jones), a team (Engineering) with its channels
(Releases), and the bot app (CodeStream), registered but not installed: installing is something the
bot hears about, so callers do it through the driver when they need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from teams_emulator.emulator import Emulator
from teams_emulator.entities import BotApp, Channel, Team, Tenant, User


@dataclass
class Scene:
    """What `scene` made."""

    tenant: Tenant
    users: list[User]
    team: Team
    channels: list[Channel]
    bot: BotApp

    @property
    def alice(self) -> User:
        """The first user (the team's owner)."""
        return self.users[0]

    @property
    def bob(self) -> User:
        """The second user."""
        return self.users[1]

    @property
    def channel(self) -> Channel:
        """The first channel made, or General when none was."""
        return self.channels[0] if self.channels else self.team.general


def scene(
    emulator: Emulator,
    *,
    tenant: str = "Contoso",
    tenant_id: str | None = None,
    users: Sequence[str] = ("Alice Smith", "Bob Jones"),
    team: str = "Engineering",
    channels: Sequence[str] = ("Releases",),
    bot: BotApp | None = None,
    bot_name: str = "CodeStream",
    bot_endpoint: str | None = None,
    bot_app_id: str | None = None,
    bot_secret: str | None = None,
    multi_tenant: bool = False,
) -> Scene:
    """A tenant, its users, a team of all of them with `channels`, and a bot app.

    The bot is `bot` if given (e.g. one multi-tenant bot in several scenes), else a new one homed
    in the tenant (none with `multi_tenant`: a legacy multi-tenant bot).
    """
    world = emulator.world
    made = world.add_tenant(tenant, tenant_id=tenant_id)
    people = [world.add_user(made, name) for name in users]
    group = world.add_team(made, team, people)
    rooms = [world.add_channel(group, name) for name in channels]
    if bot is None:
        bot = emulator.add_bot(
            app_id=bot_app_id,
            secret=bot_secret,
            name=bot_name,
            tenant=None if multi_tenant else made,
            endpoint=bot_endpoint,
        )
    return Scene(made, people, group, rooms, bot)
