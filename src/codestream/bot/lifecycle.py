"""Lifecycle events: the bot added to or removed from a team or a personal chat, channels
created, renamed, deleted or restored, teams renamed or deleted. Each updates what we know (and
so where codemarks can go); installs get a welcome card.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

from codestream.bot import cards
from codestream.bot.incoming import Incoming, clean_id, clean_text
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.services import Services
from codestream.domain.services import msteams_installs as installs
from codestream.domain.services.msteams_installs import ChatInfo, TeamInfo
from codestream.domain.services.msteams_turns import BOT_REPLY, Turn
from codestream.teams.connector import ConnectorClient, ConnectorError

log = logging.getLogger("codestream.bot")

LOOKUP_TIMEOUT = 3.0
"""Seconds we wait for Teams to describe a team before going on with what the event says."""

CHANNEL_EVENTS = frozenset({"channelCreated", "channelRenamed", "channelRestored"})
TEAM_GONE_EVENTS = frozenset({"teamDeleted", "teamHardDeleted"})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Event:
    """What a lifecycle activity means for us."""

    kind: str
    """`added`, `removed`, `channel`, `channel_deleted`, `team_renamed`, `team_gone`, or ``."""
    channel_id: str | None = None
    channel_name: str | None = None


def classify(incoming: Incoming) -> Event:
    """Read an installationUpdate or conversationUpdate."""
    activity = incoming.activity
    extra = activity.raw
    if activity.type == "installationUpdate":
        action = extra.get("action")
        if action in ("add", "add-upgrade"):
            return Event("added")
        if action == "remove":
            return Event("removed")
        return Event("")
    bot = incoming.bot_id
    for field, kind in (("membersAdded", "added"), ("membersRemoved", "removed")):
        members = extra.get(field)
        if (
            bot
            and isinstance(members, list)
            and any(_dict(member).get("id") == bot for member in members)
        ):
            return Event(kind)
    data = _dict(activity.channel_data)
    event_type = data.get("eventType")
    channel = _dict(data.get("channel"))
    channel_id = clean_id(channel.get("id"))
    name = clean_text(channel.get("name")) or None
    if event_type in CHANNEL_EVENTS and channel_id:
        return Event("channel", channel_id, name)
    if event_type == "channelDeleted" and channel_id:
        return Event("channel_deleted", channel_id, name)
    if event_type == "teamRenamed":
        return Event("team_renamed")
    if event_type in TEAM_GONE_EVENTS:
        return Event("team_gone")
    return Event("")


def team_from_event(incoming: Incoming) -> TeamInfo | None:
    """The team as the activity's channelData describes it."""
    if incoming.team_id is None:
        return None
    team = _dict(_dict(incoming.activity.channel_data).get("team"))
    return TeamInfo(
        team_id=incoming.team_id,
        tenant_id=incoming.tenant_id,
        service_url=incoming.service_url,
        name=clean_text(team.get("name")) or None,
        aad_group_id=clean_id(team.get("aadGroupId"), 64),
    )


async def describe_team(connector: ConnectorClient | None, info: TeamInfo) -> TeamInfo:
    """The team with its name and channels from the connector, when it answers in time."""
    if connector is None:
        return info
    details: Any
    listing: Any
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT):
            details, listing = await asyncio.gather(
                connector.get_team_details(info.service_url, info.team_id),
                connector.get_team_channels(info.service_url, info.team_id),
                return_exceptions=True,
            )
    except TimeoutError:
        log.warning(
            "Teams did not describe team %.80s in time; using the event's data", info.team_id
        )
        return info
    for result in (details, listing):
        if isinstance(result, ConnectorError):
            log.warning("could not look up a team in Teams: %s", result)
        elif isinstance(result, BaseException):
            raise result
    name = clean_text(_dict(details).get("name")) or info.name
    found: list[tuple[str, str | None]] = []
    for entry in _dict(listing).get("conversations") or []:
        channel_id = clean_id(_dict(entry).get("id"))
        if channel_id is not None:
            found.append((channel_id, clean_text(_dict(entry).get("name")) or None))
    return replace(info, name=name, channels=tuple(found) if found else info.channels)


def chat_of(incoming: Incoming) -> ChatInfo | None:
    """The personal chat an activity came from."""
    if not incoming.personal or incoming.user_id is None:
        return None
    return ChatInfo(
        chat_id=incoming.conversation_id,
        tenant_id=incoming.tenant_id,
        teams_user_id=incoming.user_id,
        user_name=incoming.user_name,
        service_url=incoming.service_url,
        aad_object_id=incoming.aad_object_id,
    )


class Lifecycle:
    """Handles lifecycle activities in one turn each."""

    def __init__(self, services: Services, connector: ConnectorClient | None) -> None:
        self._services = services
        self._connector = connector

    async def handle(self, incoming: Incoming, key: str | None) -> None:
        """Record what the event changes; welcome new installs."""
        event = classify(incoming)
        if not event.kind:
            await self._services.turns.run(key, _nothing)
            return
        if incoming.personal:
            await self._personal(incoming, key, event)
            return
        info = team_from_event(incoming)
        if info is None:
            await self._services.turns.run(key, _nothing)
            return
        if event.kind == "added" or (
            event.kind != "removed"
            and not await self._services.read(installs.is_known_team, info.team_id)
        ):
            info = await describe_team(self._connector, info)
        await self._services.turns.run(key, lambda turn: self._team(turn, incoming, info, event))

    async def _personal(self, incoming: Incoming, key: str | None, event: Event) -> None:
        chat = chat_of(incoming)

        async def work(turn: Turn) -> None:
            if chat is None or event.kind not in ("added", "removed"):
                return
            added = event.kind == "added"
            newly = await installs.record_personal_chat(turn.uow, chat, turn.now, installed=added)
            if newly:
                await turn.send(
                    NewOutboxItem(
                        kind=BOT_REPLY,
                        tenant_id=chat.tenant_id,
                        service_url=chat.service_url,
                        conversation_id=chat.chat_id,
                        operation=Operation.SEND,
                        payload=cards.message(cards.welcome_personal(chat.user_name)),
                    )
                )

        await self._services.turns.run(key, work)

    async def _team(self, turn: Turn, incoming: Incoming, info: TeamInfo, event: Event) -> None:
        if event.kind == "added":
            if await installs.install_team(turn.uow, info, turn.now):
                await turn.send(_team_welcome(incoming, info))
        elif event.kind in ("removed", "team_gone"):
            await installs.remove_team(turn.uow, info.team_id, turn.now)
        elif event.kind == "team_renamed":
            await installs.rename_team(turn.uow, info, turn.now)
        elif event.channel_id is not None:
            await installs.channel_changed(
                turn.uow,
                info,
                event.channel_id,
                event.channel_name,
                turn.now,
                deleted=event.kind == "channel_deleted",
            )


async def _nothing(_turn: Turn) -> None:
    return None


def _team_welcome(incoming: Incoming, info: TeamInfo) -> NewOutboxItem:
    """A new post with the welcome card in the channel chosen at install (else General)."""
    data = _dict(incoming.activity.channel_data)
    selected = clean_id(_dict(_dict(data.get("settings")).get("selectedChannel")).get("id"))
    channel_id = selected or incoming.channel_id or info.team_id
    return NewOutboxItem(
        kind=BOT_REPLY,
        tenant_id=info.tenant_id,
        service_url=info.service_url,
        conversation_id=channel_id,
        operation=Operation.CREATE_CONVERSATION,
        payload=cards.message(cards.welcome_team(info.name or "")),
    )
