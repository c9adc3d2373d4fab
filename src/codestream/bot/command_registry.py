"""How a bot command is declared: `@command(name, aliases, where, who, before_turn, in_threads)`
registers a `CommandSpec` in `COMMANDS`; `Context` is what a handler gets. The commands
themselves, the middleware and the dispatcher are in `commands.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from codestream.bot.incoming import Command, Incoming
from codestream.domain.models import Team, User
from codestream.domain.msteams import TeamsProfile
from codestream.domain.services import Services
from codestream.domain.services.msteams_installs import TeamInfo
from codestream.domain.services.msteams_turns import Turn
from codestream.teams.connector import ConnectorClient

Card = dict[str, Any]


@dataclass(frozen=True)
class BotOptions:
    """What the commands need to know about this server (nothing secret)."""

    public_url: str
    bot_app_id: str

    @property
    def signin_page(self) -> str:
        """The sign-in page's URL."""
        return f"{self.public_url.rstrip('/')}/web/msteams/signin"


@dataclass(frozen=True)
class LookedUp:
    """What a command's lookup found in Teams before the turn: the channel's team, the
    sender's profile (email, sign-in name)."""

    team_info: TeamInfo | None = None
    profile: TeamsProfile | None = None


@dataclass(frozen=True)
class Context:
    """One command's inputs. `team_info` and `profile` are what the command's lookup found in
    Teams before the turn (so no transaction waits on Teams); `user` the sender's CodeStream
    user, for commands that ask for it (`Who`)."""

    incoming: Incoming
    command: Command
    services: Services
    options: BotOptions
    team_info: TeamInfo | None = None
    user: User | None = None
    profile: TeamsProfile | None = None
    admin_teams: tuple[Team, ...] = ()
    other_teams: tuple[Team, ...] = ()


class Where(Enum):
    """Where a command may run."""

    ANYWHERE = "anywhere"
    PERSONAL = "personal"
    CHANNEL = "channel"


class Who(Enum):
    """What a command needs to know about its sender."""

    ANYONE = "anyone"
    """Nothing: the user is not looked up."""
    LOOKED_UP = "looked up"
    """The sender's CodeStream user, if linked (`ctx.user` may be None)."""
    SIGNED_IN = "signed in"
    """A linked user; others are told to sign in first."""
    ADMIN = "admin"
    """A linked user who is an admin of at least one of their CodeStream teams linked to this
    organization (`ctx.admin_teams`; `ctx.other_teams` are the linked ones they don't
    administer); others are refused, and nothing changes. For commands that change a whole
    team's links."""


Handler = Callable[[Context, Turn], Awaitable[Card]]
Lookup = Callable[[Incoming, ConnectorClient | None], Awaitable[LookedUp]]


@dataclass(frozen=True)
class CommandSpec:
    """A command as declared: see `command`."""

    name: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    where: Where = Where.ANYWHERE
    who: Who = Who.ANYONE
    before_turn: Lookup | None = None
    in_threads: bool = True
    shown_as: str | None = None

    @property
    def label(self) -> str:
        """The name the user is told to type."""
        return self.shown_as or self.name


COMMANDS: dict[str, CommandSpec] = {}
"""Every command, by its name and each alias."""


def command(
    name: str,
    *,
    aliases: Sequence[str] = (),
    where: Where = Where.ANYWHERE,
    who: Who = Who.ANYONE,
    before_turn: Lookup | None = None,
    in_threads: bool = True,
    shown_as: str | None = None,
) -> Callable[[Handler], Handler]:
    """Declare a command. `in_threads`: in a shared codemark's thread, `@CodeStream <name>` is
    this command (anything else there is a reply to the codemark); `shown_as`: the name to
    type, where it differs."""

    def register(handler: Handler) -> Handler:
        spec = CommandSpec(
            name, handler, tuple(aliases), where, who, before_turn, in_threads, shown_as
        )
        for word in (name, *aliases):
            assert word not in COMMANDS, f"command word {word!r} declared twice"
            COMMANDS[word] = spec
        return handler

    return register


def spec_of(command_: Command) -> CommandSpec | None:
    """The command a word names, or None."""
    return COMMANDS.get(command_.name)


def is_thread_command(command_: Command) -> bool:
    """In a shared codemark's thread only a command's own name is a command
    (`@CodeStream status`); anything else, aliases such as `ok` included, is a reply."""
    spec = spec_of(command_)
    return spec is not None and spec.in_threads and command_.name == spec.name


async def prepare(
    incoming: Incoming, command_: Command, connector: ConnectorClient | None
) -> LookedUp:
    """Run the command's lookup in Teams, if it declares one (before the turn)."""
    spec = spec_of(command_)
    if spec is None or spec.before_turn is None:
        return LookedUp()
    return await spec.before_turn(incoming, connector)
