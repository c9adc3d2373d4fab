"""Teams links as their owners review them: a user sees and revokes the Teams users signed in
as them; a team admin sees and revokes the Teams users signed in as the team's members (in the
organizations linked to the team) and the organizations linked to the team.

A revoked Teams user is signed out at once: the bot looks the link up on every message. Each
Teams sign-in has an opaque `id` (a digest of tenant and Teams user id, which hold `:` and are
long) for the API, the pages and the CLI to name it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from codestream.domain.ids import is_id
from codestream.domain.models import Team, User
from codestream.domain.msteams import UserLink
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.access import require_admin
from codestream.domain.services.accounts import find_by_key
from codestream.errors import NotFound

_ID_LENGTH = 24


def link_id(tenant_id: str, teams_user_id: str) -> str:
    """The opaque id of a Teams sign-in."""
    digest = hashlib.sha256(f"{tenant_id}\x00{teams_user_id}".encode()).hexdigest()
    return digest[:_ID_LENGTH]


@dataclass(frozen=True)
class TeamsSignIn:
    """A Teams user signed in as a CodeStream user. `teams_user_name` is the name Teams last
    showed in the bot's personal chat with them ("" if they never wrote there)."""

    id: str
    tenant_id: str
    teams_user_id: str
    teams_user_name: str
    user: User
    created_at: int


@dataclass(frozen=True)
class LinkedTenant:
    """A Microsoft organization linked to a CodeStream team, and who linked it (None: an
    account that is gone)."""

    tenant_id: str
    linked_by: User | None
    created_at: int


@dataclass(frozen=True)
class TeamLinks:
    """What a team admin reviews."""

    team: Team
    sign_ins: list[TeamsSignIn]
    tenants: list[LinkedTenant]


async def my_sign_ins(uow: UnitOfWork, user: User) -> list[TeamsSignIn]:
    """The Teams users signed in as this user."""
    return await _describe(uow, await uow.msteams.list_user_links_of_users([user.id]), [user])


async def revoke_my_sign_in(uow: UnitOfWork, user: User, sign_in_id: str) -> TeamsSignIn:
    """Sign one of the user's Teams sign-ins out."""
    return await _revoke(uow, await my_sign_ins(uow, user), sign_in_id)


async def sign_ins_of(uow: UnitOfWork, email_or_username: str) -> tuple[User, list[TeamsSignIn]]:
    """A user's Teams sign-ins, on the server operator's authority (the admin CLI)."""
    user = await find_by_key(uow, email_or_username)
    if user is None:
        raise NotFound(f"no user {email_or_username.strip()!r:.80}")
    return user, await my_sign_ins(uow, user)


async def team_links(uow: UnitOfWork, actor: User, team_id: str) -> TeamLinks:
    """The team's Teams sign-ins and linked organizations, for its admins."""
    return await _team_links(uow, await require_admin(uow, team_id, actor))


async def team_links_as_operator(uow: UnitOfWork, team_id: str) -> TeamLinks:
    """`team_links` on the server operator's authority."""
    team = await uow.teams.get(team_id) if is_id(team_id) else None
    if team is None or team.deactivated:
        raise NotFound(f"team {team_id!r:.40} not found")
    return await _team_links(uow, team)


async def revoke_team_sign_in(
    uow: UnitOfWork, actor: User | None, team_id: str, sign_in_id: str
) -> TeamsSignIn:
    """Sign out one of the Teams users signed in as a member (actor None: the operator)."""
    links = await _links_for(uow, actor, team_id)
    return await _revoke(uow, links.sign_ins, sign_in_id)


async def revoke_team_tenant(
    uow: UnitOfWork, actor: User | None, team_id: str, tenant_id: str, now: int
) -> LinkedTenant:
    """Unlink an organization from the team; the team's channels there are disconnected
    (actor None: the operator)."""
    links = await _links_for(uow, actor, team_id)
    tenant = next((t for t in links.tenants if t.tenant_id == tenant_id), None)
    if tenant is None:
        raise NotFound(f"organization {tenant_id!r:.64} is not linked to this team")
    await uow.msteams.delete_tenant_link(tenant_id, links.team.id)
    await uow.msteams.disconnect_channels(now=now, tenant_id=tenant_id, team_ids=[links.team.id])
    return tenant


async def _links_for(uow: UnitOfWork, actor: User | None, team_id: str) -> TeamLinks:
    if actor is None:
        return await team_links_as_operator(uow, team_id)
    return await team_links(uow, actor, team_id)


async def _team_links(uow: UnitOfWork, team: Team) -> TeamLinks:
    tenant_links = await uow.msteams.list_tenant_links_of_team(team.id)
    tenant_ids = {link.tenant_id for link in tenant_links}
    member_ids = [m.user_id for m in await uow.teams.list_members(team.id)]
    users = await uow.users.get_many(
        list({*member_ids, *(link.linked_by for link in tenant_links)})
    )
    links = [
        link
        for link in await uow.msteams.list_user_links_of_users(member_ids)
        if link.tenant_id in tenant_ids
    ]
    by_id = {user.id: user for user in users}
    tenants = [
        LinkedTenant(link.tenant_id, by_id.get(link.linked_by), link.created_at)
        for link in tenant_links
    ]
    return TeamLinks(team, await _describe(uow, links, users), tenants)


async def _describe(uow: UnitOfWork, links: list[UserLink], users: list[User]) -> list[TeamsSignIn]:
    by_id = {user.id: user for user in users}
    found = []
    for link in links:
        user = by_id.get(link.user_id)
        if user is None:
            continue
        chat = await uow.msteams.find_personal_chat(link.tenant_id, link.teams_user_id)
        found.append(
            TeamsSignIn(
                id=link_id(link.tenant_id, link.teams_user_id),
                tenant_id=link.tenant_id,
                teams_user_id=link.teams_user_id,
                teams_user_name=chat.user_name if chat is not None else "",
                user=user,
                created_at=link.created_at,
            )
        )
    return found


async def _revoke(uow: UnitOfWork, sign_ins: list[TeamsSignIn], sign_in_id: str) -> TeamsSignIn:
    found = next((s for s in sign_ins if s.id == sign_in_id), None)
    if found is None:
        raise NotFound(f"Teams sign-in {sign_in_id!r:.40} not found")
    await uow.msteams.delete_user_link(found.tenant_id, found.teams_user_id)
    return found
