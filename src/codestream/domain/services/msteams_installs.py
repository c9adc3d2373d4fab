"""Where the bot is: tenants, teams, channels and personal chats, kept from Teams' events.

Functions here work inside the caller's unit of work, so what they change commits together with
the inbound activity's key and the bot's replies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from codestream.domain.msteams import MsTeamsChannel, MsTeamsTeam, MsTeamsTenant, PersonalChat
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.notifications import reachable_again


@dataclass(frozen=True)
class TeamInfo:
    """What we know of a Teams team from an event and, when it answered, the connector.

    `channels` lists `(id, name)` with None for General's name; None when it is unknown.
    """

    team_id: str
    tenant_id: str
    service_url: str
    name: str | None = None
    aad_group_id: str | None = None
    channels: tuple[tuple[str, str | None], ...] | None = None


@dataclass(frozen=True)
class ChatInfo:
    """A personal chat as an activity shows it."""

    chat_id: str
    tenant_id: str
    teams_user_id: str
    user_name: str
    service_url: str
    aad_object_id: str | None = None


async def record_tenant(uow: UnitOfWork, tenant_id: str, service_url: str, now: int) -> None:
    """Remember a tenant and its latest serviceUrl (written only when something changed)."""
    tenant = await uow.msteams.get_tenant(tenant_id)
    if tenant is None:
        await uow.msteams.save_tenant(MsTeamsTenant(tenant_id, service_url, now, now))
    elif tenant.service_url != service_url:
        await uow.msteams.save_tenant(replace(tenant, service_url=service_url, modified_at=now))


async def is_known_team(uow: UnitOfWork, team_id: str) -> bool:
    """Whether we know of the Teams team (the bot was installed in it at some point)."""
    return await uow.msteams.get_team(team_id) is not None


async def install_team(uow: UnitOfWork, info: TeamInfo, now: int) -> bool:
    """Record the bot as installed in a team, with its channels; True if it was not before."""
    await record_tenant(uow, info.tenant_id, info.service_url, now)
    existing = await uow.msteams.get_team(info.team_id)
    newly = existing is None or not existing.bot_installed
    await _save_team(uow, info, existing, now, installed=True)
    await _save_channels(uow, info, now)
    return newly


async def ensure_team(uow: UnitOfWork, info: TeamInfo, now: int) -> MsTeamsTeam:
    """The team's record, created (as installed) if an event names a team we never saw."""
    existing = await uow.msteams.get_team(info.team_id)
    if existing is not None and info.name is None and info.channels is None:
        return existing
    await record_tenant(uow, info.tenant_id, info.service_url, now)
    team = await _save_team(
        uow, info, existing, now, installed=existing.bot_installed if existing else True
    )
    await _save_channels(uow, info, now)
    return team


async def _save_team(
    uow: UnitOfWork, info: TeamInfo, existing: MsTeamsTeam | None, now: int, *, installed: bool
) -> MsTeamsTeam:
    name = info.name or (existing.name if existing else "")
    team = MsTeamsTeam(
        id=info.team_id,
        tenant_id=info.tenant_id,
        name=name,
        service_url=info.service_url,
        bot_installed=installed,
        created_at=existing.created_at if existing else now,
        modified_at=now,
        aad_group_id=info.aad_group_id or (existing.aad_group_id if existing else None),
    )
    if team != existing:
        await uow.msteams.save_team(team)
    return team


async def _save_channels(uow: UnitOfWork, info: TeamInfo, now: int) -> None:
    known = {c.id: c for c in await uow.msteams.list_channels(info.team_id)}
    listed = info.channels
    if listed is None:
        listed = () if info.team_id in known else ((info.team_id, None),)
    for channel_id, name in listed:
        await _save_channel(uow, known.get(channel_id), info, channel_id, name, now)


async def _save_channel(
    uow: UnitOfWork,
    existing: MsTeamsChannel | None,
    info: TeamInfo,
    channel_id: str,
    name: str | None,
    now: int,
    *,
    deleted: bool = False,
) -> None:
    if channel_id == info.team_id:
        name = None  # General: Teams localizes its name
    channel = MsTeamsChannel(
        id=channel_id,
        team_id=info.team_id,
        tenant_id=info.tenant_id,
        name=name,
        deleted=deleted,
        created_at=existing.created_at if existing else now,
        modified_at=now,
    )
    if existing is None or (existing.name, existing.deleted) != (name, deleted):
        await uow.msteams.save_channel(channel)


async def remove_team(uow: UnitOfWork, team_id: str, now: int) -> bool:
    """The bot left a team (or the team was deleted): its channels stop receiving codemarks."""
    team = await uow.msteams.get_team(team_id)
    if team is None:
        return False
    if team.bot_installed:
        await uow.msteams.save_team(replace(team, bot_installed=False, modified_at=now))
    await uow.msteams.disconnect_channels(now=now, msteams_team_id=team_id)
    return True


async def rename_team(uow: UnitOfWork, info: TeamInfo, now: int) -> None:
    """A team got a new name."""
    await ensure_team(uow, info, now)


async def channel_changed(
    uow: UnitOfWork,
    info: TeamInfo,
    channel_id: str,
    name: str | None,
    now: int,
    *,
    deleted: bool = False,
) -> None:
    """A channel was created, renamed, deleted or restored; a deleted one is disconnected."""
    await ensure_team(uow, replace(info, name=None, channels=None), now)
    existing = await uow.msteams.get_channel(channel_id)
    if name is None and existing is not None and channel_id != info.team_id:
        name = existing.name
    await _save_channel(uow, existing, info, channel_id, name, now, deleted=deleted)
    if deleted:
        await uow.msteams.disconnect_channels(now=now, channel_id=channel_id)


async def record_personal_chat(
    uow: UnitOfWork, info: ChatInfo, now: int, *, installed: bool | None = None
) -> bool:
    """Remember a personal chat (the reference for proactive messages); True if the bot was
    newly installed in it. `installed=None` keeps the installed flag (a message: True if new)."""
    await record_tenant(uow, info.tenant_id, info.service_url, now)
    existing = await uow.msteams.get_personal_chat(info.chat_id)
    was_installed = existing is not None and existing.bot_installed
    now_installed = (was_installed or existing is None) if installed is None else installed
    chat = PersonalChat(
        id=info.chat_id,
        tenant_id=info.tenant_id,
        teams_user_id=info.teams_user_id,
        user_name=info.user_name or (existing.user_name if existing else ""),
        service_url=info.service_url,
        bot_installed=now_installed,
        created_at=existing.created_at if existing else now,
        modified_at=existing.modified_at if existing else now,
        aad_object_id=info.aad_object_id or (existing.aad_object_id if existing else None),
    )
    if chat != existing:
        await uow.msteams.save_personal_chat(replace(chat, modified_at=now))
    if now_installed:  # they talk to the bot: notifications reach them again
        await reachable_again(uow, info.tenant_id, info.teams_user_id, now)
    return now_installed and not was_installed
