"""The bot's commands: what each does inside the turn, and the card it answers with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from codestream.bot import cards, texts
from codestream.bot.incoming import Command, Incoming
from codestream.domain.models import Team, User
from codestream.domain.services import Services
from codestream.domain.services import msteams_channels as channels
from codestream.domain.services import msteams_installs as installs
from codestream.domain.services import msteams_links as links
from codestream.domain.services.msteams_installs import TeamInfo
from codestream.domain.services.msteams_signin import looks_like_code
from codestream.domain.services.msteams_turns import Turn

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
class Context:
    """One command's inputs; `team_info` is the team as the connector described it (for
    `connect`, looked up before the turn so no transaction waits on Teams)."""

    incoming: Incoming
    command: Command
    services: Services
    options: BotOptions
    team_info: TeamInfo | None = None


Handler = Callable[[Context, Turn], Awaitable[Card]]

ALIASES = {
    **dict.fromkeys(
        ("help", "welcome", "start", "init", "initialize", "ok", "go", "getstarted"), "help"
    ),
    "signin": "signin",
    "login": "signin",
    "signout": "signout",
    "logout": "signout",
    "connect": "connect",
    "disconnect": "disconnect",
    "disconnectall": "disconnectall",
    "status": "status",
    "debug": "debug",
    "uninstall": "uninstall",
    "signincode": "signincode",
}
THREAD_COMMANDS = frozenset(ALIASES.values()) - {"signincode"}
"""In a shared codemark's thread only a command's own name is a command (`@CodeStream status`);
anything else, aliases such as `ok` included, is a reply to the codemark."""
PERSONAL_ONLY = frozenset({"signin", "signout", "signincode"})
CHANNEL_ONLY = frozenset({"connect", "disconnect", "disconnectall"})


def canonical(command: Command) -> str | None:
    """The command a word names, or None."""
    return ALIASES.get(command.name)


async def dispatch(ctx: Context, turn: Turn) -> Card:
    """Run the command in the turn; the card to answer with."""
    name = canonical(ctx.command)
    incoming = ctx.incoming
    if name is None:
        if not ctx.command.typed:
            return cards.help_card(personal=incoming.personal)
        if incoming.personal and looks_like_code(ctx.command.typed):
            return await _signin_code(
                replace(ctx, command=Command("signincode", "", ctx.command.typed)), turn
            )
        return cards.unknown_card(ctx.command.typed)
    if name in PERSONAL_ONLY and not incoming.personal:
        return cards.text_card(texts.PERSONAL_ONLY.format(command=_shown(name)))
    if name in CHANNEL_ONLY and not incoming.in_channel:
        return cards.text_card(texts.CHANNEL_ONLY.format(command=name))
    return await HANDLERS[name](ctx, turn)


def _shown(name: str) -> str:
    return "signin" if name == "signincode" else name


async def _help(ctx: Context, _turn: Turn) -> Card:
    return cards.help_card(personal=ctx.incoming.personal)


async def _signin(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    if incoming.user_id is None:
        return cards.help_card(personal=True)
    state = await ctx.services.signin.start_signin(
        turn,
        tenant_id=incoming.tenant_id,
        teams_user_id=incoming.user_id,
        aad_object_id=incoming.aad_object_id,
        conversation_id=incoming.conversation_id,
    )
    return cards.signin_card(f"{ctx.options.signin_page}?state={quote(state, safe='')}")


async def _signin_code(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    code = ctx.command.code or ""
    redeemed = None
    if incoming.user_id is not None and code:
        redeemed = await ctx.services.signin.redeem_code(
            turn, code, tenant_id=incoming.tenant_id, teams_user_id=incoming.user_id
        )
    if redeemed is None:
        return cards.text_card(texts.CODE_INVALID, cards.submit(texts.BUTTON_SIGNIN, "signin"))
    return cards.signed_in_card(redeemed.user.email, [t.name for t in redeemed.teams])


async def _signout(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    if incoming.user_id is None or not await links.unlink_user(
        turn.uow, incoming.tenant_id, incoming.user_id
    ):
        return cards.text_card(texts.NOT_SIGNED_IN, cards.submit(texts.BUTTON_SIGNIN, "signin"))
    return cards.text_card(texts.SIGNED_OUT)


async def _signed_in(ctx: Context, turn: Turn) -> User | None:
    if ctx.incoming.user_id is None:
        return None
    return await links.linked_user(turn.uow, ctx.incoming.tenant_id, ctx.incoming.user_id)


def _need_signin(command: str) -> Card:
    return cards.text_card(texts.NEED_SIGNIN.format(command=command))


async def _connect(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    user = await _signed_in(ctx, turn)
    if user is None:
        return _need_signin("connect")
    teams = await links.linked_teams_of(turn.uow, incoming.tenant_id, user)
    if not teams:
        return cards.text_card(texts.NO_LINKED_TEAMS.format(command="connect"))
    channel_id = incoming.channel_id
    if channel_id is None or ctx.team_info is None:
        return cards.text_card(texts.UNKNOWN_CHANNEL)
    await installs.install_team(turn.uow, ctx.team_info, turn.now)
    channel = await turn.uow.msteams.get_channel(channel_id)
    if channel is None:
        await installs.channel_changed(turn.uow, ctx.team_info, channel_id, None, turn.now)
    elif channel.deleted:
        await installs.channel_changed(turn.uow, ctx.team_info, channel_id, channel.name, turn.now)
    added = await channels.connect(
        turn.uow, channel_id=channel_id, user=user, teams=teams, now=turn.now
    )
    return cards.connected_card([t.name for t in teams], already=not added)


async def _my_teams(turn: Turn, user: User) -> list[Team]:
    return [t for t in await turn.uow.teams.list_for_user(user.id) if not t.deactivated]


async def _disconnect(ctx: Context, turn: Turn) -> Card:
    user = await _signed_in(ctx, turn)
    if user is None:
        return _need_signin("disconnect")
    channel_id = ctx.incoming.channel_id
    assert channel_id is not None  # in_channel
    ended = await channels.disconnect(turn.uow, channel_id, await _my_teams(turn, user), turn.now)
    return cards.text_card(texts.DISCONNECTED if ended else texts.NOT_CONNECTED)


async def _disconnect_all(ctx: Context, turn: Turn) -> Card:
    user = await _signed_in(ctx, turn)
    if user is None:
        return _need_signin("disconnectall")
    team_id = ctx.incoming.team_id
    assert team_id is not None  # in_channel
    ended = await channels.disconnect_all(turn.uow, team_id, await _my_teams(turn, user), turn.now)
    return cards.text_card(texts.DISCONNECTED_ALL.format(count=ended))


async def _status(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    user = await _signed_in(ctx, turn)
    if user is None:
        facts = [(texts.STATUS_SIGNED_IN_AS, texts.STATUS_NOT_SIGNED_IN)]
        return cards.facts_card(texts.STATUS_TITLE, facts, [texts.NOT_SIGNED_IN])
    facts = [(texts.STATUS_SIGNED_IN_AS, user.email)]
    teams = await links.linked_teams_of(turn.uow, incoming.tenant_id, user)
    here: set[str] = set()
    if incoming.in_channel and incoming.channel_id:
        here = await channels.connected_team_ids(turn.uow, incoming.channel_id)
    for team in teams:
        if incoming.in_channel:
            state = texts.STATUS_CONNECTED if team.id in here else texts.STATUS_NOT_CONNECTED
        else:
            state = texts.STATUS_LINKED
        facts.append((cards.plain(team.name, 80), state))
    return cards.facts_card(texts.STATUS_TITLE, facts, [] if teams else [texts.STATUS_UNKNOWN])


async def _debug(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    user = await _signed_in(ctx, turn)
    facts = [
        ("Tenant id", incoming.tenant_id),
        ("Teams user id", incoming.user_id or "unknown"),
        ("CodeStream user", f"{user.email} ({user.id})" if user else "not signed in"),
    ]
    if user is not None:
        for team in await links.linked_teams_of(turn.uow, incoming.tenant_id, user):
            count = len(await channels.connected_channels(turn.uow, team.id, incoming.tenant_id))
            facts.append(
                (
                    f"Linked team {cards.plain(team.name, 80)}",
                    f"{team.id}, {count} connected channel(s)",
                )
            )
    else:
        linked = await links.tenant_teams(turn.uow, incoming.tenant_id)
        facts.append(("Linked CodeStream teams", str(len(linked))))
    if incoming.in_channel and incoming.channel_id:
        here = await channels.connected_team_ids(turn.uow, incoming.channel_id)
        facts.append(("This channel connected to", f"{len(here)} team(s)"))
    facts += [("API", ctx.options.public_url), ("Bot app id", ctx.options.bot_app_id)]
    return cards.facts_card(texts.DEBUG_TITLE, facts)


async def _uninstall(ctx: Context, turn: Turn) -> Card:
    user = await _signed_in(ctx, turn)
    if user is None:
        return _need_signin("uninstall")
    teams = await links.unlink_tenant(turn.uow, ctx.incoming.tenant_id, user, turn.now)
    if not teams:
        return cards.text_card(texts.UNINSTALL_NOTHING)
    names = ", ".join(cards.plain(t.name, 80) for t in teams)
    return cards.text_card(texts.UNINSTALLED.format(teams=names))


HANDLERS: dict[str, Handler] = {
    "help": _help,
    "signin": _signin,
    "signincode": _signin_code,
    "signout": _signout,
    "connect": _connect,
    "disconnect": _disconnect,
    "disconnectall": _disconnect_all,
    "status": _status,
    "debug": _debug,
    "uninstall": _uninstall,
}
