"""The bot's commands, each declared once with all it needs: its name and aliases, where it may
run, whether the sender must be signed in, and a lookup in Teams before the turn.

A command handler runs inside the turn and returns the card to answer with. Checks that apply
to many commands (where a command may run, who must be signed in) are middleware, written once
(`MIDDLEWARE`), not a prologue in each handler. A new command is one `@command(...)` function
(the declaration and `Context` are in `command_registry.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import quote

from codestream.bot import cards, texts
from codestream.bot.command_registry import (
    COMMANDS,
    BotOptions,
    Card,
    CommandSpec,
    Context,
    LookedUp,
    Where,
    Who,
    command,
    is_thread_command,
    prepare,
    spec_of,
)
from codestream.bot.incoming import Command, Incoming
from codestream.bot.lifecycle import describe_team, team_from_event
from codestream.bot.members import describe_sender
from codestream.domain.models import Team, User
from codestream.domain.services import msteams_channels as channels
from codestream.domain.services import msteams_installs as installs
from codestream.domain.services import msteams_links as links
from codestream.domain.services.msteams_signin_tokens import looks_like_code
from codestream.domain.services.msteams_turns import Turn
from codestream.teams.connector import ConnectorClient

__all__ = [
    "MIDDLEWARE",
    "BotOptions",
    "Card",
    "Context",
    "Who",
    "command",
    "dispatch",
    "is_thread_command",
    "names_command",
    "prepare",
]

# -- middleware ------------------------------------------------------------------------------
Next = Callable[[Context], Awaitable[Card]]
Middleware = Callable[[CommandSpec, Context, Turn, Next], Awaitable[Card]]


async def only_where_allowed(spec: CommandSpec, ctx: Context, _turn: Turn, then: Next) -> Card:
    """Refuse a personal-only command outside the personal chat, a channel command outside
    a channel."""
    if spec.where is Where.PERSONAL and not ctx.incoming.personal:
        return cards.text_card(texts.PERSONAL_ONLY.format(command=spec.label))
    if spec.where is Where.CHANNEL and not ctx.incoming.in_channel:
        return cards.text_card(texts.CHANNEL_ONLY.format(command=spec.label))
    return await then(ctx)


async def sender_when_needed(spec: CommandSpec, ctx: Context, turn: Turn, then: Next) -> Card:
    """Look up the sender's CodeStream user for commands that need it; ask a sender who isn't
    signed in to sign in first where the command requires it."""
    if spec.who is Who.ANYONE:
        return await then(ctx)
    user_id = ctx.incoming.user_id
    user = (
        await links.linked_user(turn.uow, ctx.incoming.tenant_id, user_id)
        if user_id is not None
        else None
    )
    if user is None and spec.who in (Who.SIGNED_IN, Who.ADMIN):
        return cards.text_card(texts.NEED_SIGNIN.format(command=spec.label))
    return await then(replace(ctx, user=user))


async def admins_only(spec: CommandSpec, ctx: Context, turn: Turn, then: Next) -> Card:
    """Refuse a `Who.ADMIN` command to a sender who administers none of their CodeStream teams
    linked to this organization; hand the command the teams they do administer."""
    if spec.who is not Who.ADMIN:
        return await then(ctx)
    user = _user(ctx)
    admin_teams: list[Team] = []
    other_teams: list[Team] = []
    linked = await links.linked_teams_of(turn.uow, ctx.incoming.tenant_id, user)
    if not linked:
        return cards.text_card(texts.NOTHING_LINKED)
    for team in linked:
        membership = await turn.uow.teams.get_membership(team.id, user.id)
        (admin_teams if membership is not None and membership.is_admin else other_teams).append(
            team
        )
    if not admin_teams:
        return cards.text_card(texts.ADMIN_ONLY.format(command=spec.label))
    return await then(replace(ctx, admin_teams=tuple(admin_teams), other_teams=tuple(other_teams)))


MIDDLEWARE: tuple[Middleware, ...] = (only_where_allowed, sender_when_needed, admins_only)


def names_command(command_: Command) -> bool:
    """Whether the word is one of the commands (a name or an alias)."""
    return spec_of(command_) is not None


async def dispatch(ctx: Context, turn: Turn) -> Card:
    """Run the message's command in the turn, through the middleware; the card to answer with."""
    spec = spec_of(ctx.command)
    if spec is None:
        typed = ctx.command.typed
        if not typed:
            return cards.help_card(personal=ctx.incoming.personal)
        if not (ctx.incoming.personal and looks_like_code(typed)):
            return cards.unknown_card(typed)
        spec = COMMANDS["signincode"]
        ctx = replace(ctx, command=Command("signincode", "", typed))

    async def run(index: int, current: Context) -> Card:
        if index == len(MIDDLEWARE):
            return await spec.handler(current, turn)
        return await MIDDLEWARE[index](spec, current, turn, lambda c: run(index + 1, c))

    return await run(0, ctx)


# -- the commands ----------------------------------------------------------------------------
@command("help", aliases=("welcome", "start", "init", "initialize", "ok", "go", "getstarted"))
async def _help(ctx: Context, _turn: Turn) -> Card:
    return cards.help_card(personal=ctx.incoming.personal)


async def _describe_sender(incoming: Incoming, connector: ConnectorClient | None) -> LookedUp:
    if not incoming.personal:
        return LookedUp()
    return LookedUp(profile=await describe_sender(incoming, connector))


@command("signin", aliases=("login",), where=Where.PERSONAL, before_turn=_describe_sender)
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
        profile=ctx.profile,
    )
    return cards.signin_card(f"{ctx.options.signin_page}?state={quote(state, safe='')}")


@command("signincode", where=Where.PERSONAL, in_threads=False, shown_as="signin")
async def _signin_code(ctx: Context, turn: Turn) -> Card:
    """A one-time code handed back by the Teams user who asked: pasted into the chat, or by
    Teams' authentication flow (`signin/verifyState`, which the router reads as this)."""
    incoming = ctx.incoming
    code = ctx.command.code or ""
    redeemed = None
    if incoming.user_id is not None and code:
        redeemed = await ctx.services.signin.redeem_code(
            turn,
            code,
            tenant_id=incoming.tenant_id,
            teams_user_id=incoming.user_id,
            aad_object_id=incoming.aad_object_id,
        )
    if redeemed is None:
        return cards.text_card(texts.CODE_INVALID, cards.submit(texts.BUTTON_SIGNIN, "signin"))
    return cards.signed_in_card(redeemed.user.email, [t.name for t in redeemed.teams])


@command("signout", aliases=("logout",), where=Where.PERSONAL)
async def _signout(ctx: Context, turn: Turn) -> Card:
    incoming = ctx.incoming
    if incoming.user_id is None or not await links.unlink_user(
        turn.uow, incoming.tenant_id, incoming.user_id
    ):
        return cards.text_card(texts.NOT_SIGNED_IN, cards.submit(texts.BUTTON_SIGNIN, "signin"))
    return cards.text_card(texts.SIGNED_OUT)


async def _describe_channel_team(incoming: Incoming, connector: ConnectorClient | None) -> LookedUp:
    info = team_from_event(incoming) if incoming.in_channel else None
    return LookedUp(team_info=await describe_team(connector, info) if info is not None else None)


@command("connect", where=Where.CHANNEL, who=Who.SIGNED_IN, before_turn=_describe_channel_team)
async def _connect(ctx: Context, turn: Turn) -> Card:
    incoming, user = ctx.incoming, _user(ctx)
    cs_teams = await links.linked_teams_of(turn.uow, incoming.tenant_id, user)
    if not cs_teams:
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
        turn.uow, channel_id=channel_id, user=user, teams=cs_teams, now=turn.now
    )
    return cards.connected_card([t.name for t in cs_teams], already=not added)


@command("disconnect", where=Where.CHANNEL, who=Who.SIGNED_IN)
async def _disconnect(ctx: Context, turn: Turn) -> Card:
    channel_id = ctx.incoming.channel_id
    assert channel_id is not None  # in_channel
    mine = await _cs_teams_of(turn, _user(ctx))
    ended = await channels.disconnect(turn.uow, channel_id, mine, turn.now)
    return cards.text_card(texts.DISCONNECTED if ended else texts.NOT_CONNECTED)


@command("disconnectall", where=Where.CHANNEL, who=Who.ADMIN)
async def _disconnect_all(ctx: Context, turn: Turn) -> Card:
    ms_team_id = ctx.incoming.team_id
    assert ms_team_id is not None  # in_channel
    ended = await channels.disconnect_all(turn.uow, ms_team_id, list(ctx.admin_teams), turn.now)
    return cards.text_card(texts.DISCONNECTED_ALL.format(count=ended) + _left_alone(ctx))


@command("status", who=Who.LOOKED_UP)
async def _status(ctx: Context, turn: Turn) -> Card:
    incoming, user = ctx.incoming, ctx.user
    if user is None:
        facts = [(texts.STATUS_SIGNED_IN_AS, texts.STATUS_NOT_SIGNED_IN)]
        return cards.facts_card(texts.STATUS_TITLE, facts, [texts.NOT_SIGNED_IN])
    facts = [(texts.STATUS_SIGNED_IN_AS, user.email)]
    cs_teams = await links.linked_teams_of(turn.uow, incoming.tenant_id, user)
    here: set[str] = set()
    if incoming.in_channel and incoming.channel_id:
        here = await channels.connected_team_ids(turn.uow, incoming.channel_id)
    for team in cs_teams:
        if incoming.in_channel:
            state = texts.STATUS_CONNECTED if team.id in here else texts.STATUS_NOT_CONNECTED
        else:
            state = texts.STATUS_LINKED
        facts.append((cards.plain(team.name, 80), state))
    return cards.facts_card(texts.STATUS_TITLE, facts, [] if cs_teams else [texts.STATUS_UNKNOWN])


@command("debug", who=Who.LOOKED_UP)
async def _debug(ctx: Context, turn: Turn) -> Card:
    incoming, user = ctx.incoming, ctx.user
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


@command("uninstall", who=Who.ADMIN)
async def _uninstall(ctx: Context, turn: Turn) -> Card:
    cs_teams = list(ctx.admin_teams)
    await links.unlink_tenant_teams(turn.uow, ctx.incoming.tenant_id, cs_teams, turn.now)
    names = ", ".join(cards.plain(t.name, 80) for t in cs_teams)
    return cards.text_card(texts.UNINSTALLED.format(teams=names) + _left_alone(ctx))


def _left_alone(ctx: Context) -> str:
    """A sentence naming the linked teams an admin-only command left alone, if any."""
    if not ctx.other_teams:
        return ""
    names = ", ".join(cards.plain(t.name, 80) for t in ctx.other_teams)
    return " " + texts.LEFT_ALONE.format(teams=names)


def _user(ctx: Context) -> User:
    """The signed-in sender of a `Who.SIGNED_IN` command (the middleware made sure)."""
    assert ctx.user is not None
    return ctx.user


async def _cs_teams_of(turn: Turn, user: User) -> list[Team]:
    """The user's active CodeStream teams."""
    return [t for t in await turn.uow.teams.list_for_user(user.id) if not t.deactivated]


# Commands declared in their own modules register on import.
from codestream.bot import notification_commands as _notification_commands  # noqa: E402

assert _notification_commands  # imported for its @command declarations
