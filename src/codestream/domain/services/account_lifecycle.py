"""An account's life after sign-up: passwords changed, reset and set with a one-time link,
accounts created by admins, deactivation, members removed from teams, signing out everywhere.

Whatever changes who may act as a user ends the ways they are signed in (`end_sign_ins`): their
access tokens (web sessions are tokens too) and their Teams sign-ins (UserLinks), so a stolen
session, or a Teams identity someone else linked to the account, stops working at once.

A set-password link carries `base64url(JSON {v, uid, exp}) "." base64url(HMAC-SHA256)`, the MAC
under `sharedSecrets.auth` over the payload and the user's stored password hash. Setting a
password changes that hash, so a link works once, and a newer reset ends older links; nothing
is stored for it. It is good for `PASSWORD_LINK_TTL_MS`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from typing import Any

from codestream.domain.clock import Clock
from codestream.domain.ids import is_id
from codestream.domain.models import Membership, Team, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.access import require_admin, require_admin_of_every_team
from codestream.domain.services.accounts import (
    AccountService,
    NewAccount,
    find_by_key,
    hash_token,
    unusable_password_hash,
)
from codestream.errors import (
    CodeStreamError,
    Conflict,
    NotAuthenticated,
    NotFound,
    ServiceUnavailable,
)

PASSWORD_LINK_TTL_MS = 72 * 3600 * 1000
SET_PASSWORD_PATH = "/web/set-password"
_MAX_LINK_TOKEN = 400


class PasswordLinkInvalid(CodeStreamError):
    """A set-password link that is altered, expired, used, or for a deactivated account."""

    code = "password_link_invalid"
    http_status = 400


@dataclass(frozen=True)
class SignInsEnded:
    """How many ways of being signed in a change ended."""

    tokens: int
    msteams_links: int

    def describe(self) -> str:
        """For people: what was ended."""
        return (
            f"{self.tokens} session(s) and access token(s) and {self.msteams_links} "
            "Teams sign-in(s) were ended."
        )


@dataclass(frozen=True)
class PasswordLink:
    """A one-time link to set a password; show it once, to the person it is for."""

    url: str
    expires_at: int


@dataclass(frozen=True)
class Invitation:
    """A person an admin added by email: a new account with its set-password link, or an
    existing account (`link` None) made a member."""

    user: User
    membership: Membership
    link: PasswordLink | None

    @property
    def created(self) -> bool:
        """Whether the account is new."""
        return self.link is not None


async def end_sign_ins(
    uow: UnitOfWork, user_id: str, *, keep_token: str | None = None
) -> SignInsEnded:
    """Revoke the user's access tokens (but `keep_token`, the caller's own) and sign every Teams
    user linked to them out."""
    keep = hash_token(keep_token) if keep_token else None
    tokens = await uow.tokens.revoke_all(user_id, keep_hash=keep)
    links = await uow.msteams.delete_user_links_of_user(user_id)
    return SignInsEnded(tokens, links)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class AccountLifecycle:
    """The use cases above; each takes the unit of work it runs in. Passwords arrive hashed
    (`AccountService.hash_new_password`, outside any transaction)."""

    def __init__(
        self, accounts: AccountService, clock: Clock, *, signing_key: bytes, public_url: str
    ) -> None:
        self._accounts = accounts
        self._clock = clock
        self._key = signing_key
        self._public_url = public_url.rstrip("/")

    # -- passwords ------------------------------------------------------------------------------
    async def change_password(
        self, uow: UnitOfWork, user: User, new_hash: str, *, keep_token: str | None
    ) -> SignInsEnded:
        """Store the user's new password (their current one checked by the caller against
        `user`, as loaded then) and end every other session, token and Teams sign-in."""
        current = await uow.users.get(user.id)
        if current is None or current.deactivated:
            raise NotAuthenticated("the access token is not valid", code="bad_token")
        if current.password_hash != user.password_hash:
            raise Conflict("your password was changed meanwhile; try again", code="changed")
        await self._store_password(uow, current, new_hash)
        return await end_sign_ins(uow, user.id, keep_token=keep_token)

    async def find_as_operator(self, uow: UnitOfWork, email_or_username: str) -> User:
        """A user by email or username, deactivated ones too (the operator's commands)."""
        return await _any_user(uow, email_or_username)

    async def set_password_as_operator(
        self, uow: UnitOfWork, email_or_username: str, new_hash: str
    ) -> tuple[User, SignInsEnded]:
        """Set anyone's password on the server operator's authority (the admin CLI)."""
        user = await _any_user(uow, email_or_username)
        await self._store_password(uow, user, new_hash)
        return user, await end_sign_ins(uow, user.id)

    async def reset_password(
        self, uow: UnitOfWork, actor: User, team_id: str, user_id: str
    ) -> tuple[User, PasswordLink, SignInsEnded]:
        """A team admin resets a member's password: the old one stops working, every session,
        token and Teams sign-in ends, and the admin gets a set-password link to pass on."""
        _, target = await _member(uow, actor, team_id, user_id)
        await require_admin_of_every_team(uow, actor, target, action="reset the password of")
        target = await self._store_password(uow, target, unusable_password_hash())
        ended = await end_sign_ins(uow, target.id)
        return target, self.password_link(target), ended

    def password_link(self, user: User) -> PasswordLink:
        """A one-time link for the user to set their password."""
        expires_at = self._clock() + PASSWORD_LINK_TTL_MS
        payload = _b64(
            json.dumps({"v": 1, "uid": user.id, "exp": expires_at}, separators=(",", ":")).encode()
        )
        token = f"{payload}.{self._link_mac(payload, user.password_hash)}"
        return PasswordLink(f"{self._public_url}{SET_PASSWORD_PATH}?token={token}", expires_at)

    async def user_of_password_link(self, uow: UnitOfWork, token: str) -> User:
        """The user a set-password link is for; PasswordLinkInvalid if it can't be used."""
        invalid = PasswordLinkInvalid(
            "This set-password link can't be used: it was changed, has expired, or was used "
            "already. Ask a team admin for a new one."
        )
        if not token or len(token) > _MAX_LINK_TOKEN or not token.isascii():
            raise invalid
        payload, _, mac = token.partition(".")
        try:
            data: Any = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, binascii.Error):
            raise invalid from None
        if not isinstance(data, dict) or data.get("v") != 1:
            raise invalid
        user_id, expires_at = data.get("uid"), data.get("exp")
        if not isinstance(user_id, str) or not is_id(user_id) or type(expires_at) is not int:
            raise invalid
        user = await uow.users.get(user_id)
        if user is None or user.deactivated or expires_at <= self._clock():
            raise invalid
        expected = self._link_mac(payload, user.password_hash)
        if not hmac.compare_digest(expected.encode(), mac.encode()):
            raise invalid
        return user

    async def set_password_with_link(
        self, uow: UnitOfWork, token: str, new_hash: str
    ) -> tuple[User, SignInsEnded]:
        """Set the password a link is for (which ends the link) and every sign-in of the user."""
        user = await self.user_of_password_link(uow, token)
        user = await self._store_password(uow, user, new_hash)
        return user, await end_sign_ins(uow, user.id)

    # -- deactivation and signing out -----------------------------------------------------------
    async def deactivate(
        self, uow: UnitOfWork, actor: User, user_id: str
    ) -> tuple[User, SignInsEnded]:
        """An admin of every team the user is in deactivates them."""
        target = await uow.users.get(user_id) if is_id(user_id) else None
        if target is None or target.deactivated:
            raise NotFound(f"user {user_id!r:.40} not found")
        if target.id == actor.id:
            raise Conflict(
                "you can't deactivate yourself; ask another admin or the server operator",
                code="self_deactivation",
            )
        await require_admin_of_every_team(uow, actor, target, action="deactivate")
        return await self._deactivate(uow, target)

    async def deactivate_as_operator(
        self, uow: UnitOfWork, email_or_username: str
    ) -> tuple[User, SignInsEnded]:
        """Deactivate a user on the server operator's authority."""
        user = await _any_user(uow, email_or_username)
        if user.deactivated:
            raise Conflict(f"{user.email} is already deactivated", code="already_deactivated")
        return await self._deactivate(uow, user)

    async def reactivate_as_operator(self, uow: UnitOfWork, email_or_username: str) -> User:
        """Let a deactivated user log in again (with their password; their old tokens and Teams
        sign-ins stay ended)."""
        user = await _any_user(uow, email_or_username)
        if not user.deactivated:
            raise Conflict(f"{user.email} is not deactivated", code="not_deactivated")
        user = replace(user, deactivated=False, modified_at=self._clock())
        await uow.users.update(user)
        return user

    async def sign_out_everywhere(self, uow: UnitOfWork, user: User) -> SignInsEnded:
        """Revoke every token of the user (the one in use too) and end their Teams sign-ins."""
        return await end_sign_ins(uow, user.id)

    async def sign_out_everywhere_as_operator(
        self, uow: UnitOfWork, email_or_username: str
    ) -> tuple[User, SignInsEnded]:
        """`sign_out_everywhere` on the server operator's authority."""
        user = await _any_user(uow, email_or_username)
        return user, await end_sign_ins(uow, user.id)

    # -- members --------------------------------------------------------------------------------
    async def remove_member(self, uow: UnitOfWork, actor: User, team_id: str, user_id: str) -> User:
        """A team admin takes a member out of the team; the team keeps at least one admin."""
        team, target = await _member(uow, actor, team_id, user_id)
        await _remove(uow, team, target)
        return target

    async def remove_member_as_operator(
        self, uow: UnitOfWork, team_id: str, email_or_username: str
    ) -> User:
        """`remove_member` on the server operator's authority."""
        team = await _team(uow, team_id)
        user = await _any_user(uow, email_or_username)
        if await uow.teams.get_membership(team.id, user.id) is None:
            raise NotFound(f"{user.email} is not a member of team {team.name!r}")
        await _remove(uow, team, user)
        return user

    async def invite(
        self, uow: UnitOfWork, actor: User, team_id: str, new: NewAccount, *, admin: bool = False
    ) -> Invitation:
        """A team admin adds a person by email: an existing account becomes a member; otherwise
        a new account is made, with no password until its set-password link is used."""
        await require_admin(uow, team_id, actor)
        return await self._invite(uow, team_id, new, admin=admin)

    async def create_as_operator(
        self, uow: UnitOfWork, team_id: str | None, new: NewAccount, *, admin: bool = False
    ) -> User:
        """A new account, in a team if one is given (the admin CLI)."""
        if team_id is not None:
            await _team(uow, team_id)
        user = await self._accounts.sign_up(uow, new)
        if team_id is not None:
            membership = Membership(
                team_id=team_id, user_id=user.id, is_admin=admin, created_at=self._clock()
            )
            await uow.teams.add_member(membership)
        return user

    async def invite_as_operator(
        self, uow: UnitOfWork, team_id: str | None, new: NewAccount, *, admin: bool = False
    ) -> tuple[User, PasswordLink]:
        """`create_as_operator` for an account without a password, and its set-password link."""
        user = await self.create_as_operator(uow, team_id, new, admin=admin)
        return user, self.password_link(user)

    # -- helpers --------------------------------------------------------------------------------
    async def _invite(
        self, uow: UnitOfWork, team_id: str, new: NewAccount, *, admin: bool
    ) -> Invitation:
        user = await uow.users.get_by_email(new.email)
        link = None
        if user is None:
            user = await self._accounts.sign_up(uow, new)
            link = self.password_link(user)
        elif user.deactivated:
            raise Conflict(
                f"{new.email}'s account is deactivated; the server operator can reactivate it",
                code="deactivated",
            )
        elif await uow.teams.get_membership(team_id, user.id) is not None:
            raise Conflict(f"{user.email} is already a member", code="already_member")
        membership = Membership(
            team_id=team_id, user_id=user.id, is_admin=admin, created_at=self._clock()
        )
        await uow.teams.add_member(membership)
        return Invitation(user, membership, link)

    async def _store_password(self, uow: UnitOfWork, user: User, password_hash: str) -> User:
        updated = replace(user, password_hash=password_hash, modified_at=self._clock())
        await uow.users.update(updated)
        return updated

    async def _deactivate(self, uow: UnitOfWork, user: User) -> tuple[User, SignInsEnded]:
        user = replace(user, deactivated=True, modified_at=self._clock())
        await uow.users.update(user)
        return user, await end_sign_ins(uow, user.id)

    def _link_mac(self, payload: str, password_hash: str) -> str:
        if not self._key:
            raise ServiceUnavailable(
                "set-password links need sharedSecrets.auth in the services config"
            )
        message = b"set-password\x00" + payload.encode() + b"\x00" + password_hash.encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())


async def _any_user(uow: UnitOfWork, email_or_username: str) -> User:
    """A user by email or username, deactivated ones too (the operator's commands)."""
    user = await find_by_key(uow, email_or_username)
    if user is None:
        raise NotFound(f"no user {email_or_username.strip()!r:.80}")
    return user


async def _team(uow: UnitOfWork, team_id: str) -> Team:
    team = await uow.teams.get(team_id) if is_id(team_id) else None
    if team is None or team.deactivated:
        raise NotFound(f"team {team_id!r:.40} not found")
    return team


async def _member(uow: UnitOfWork, actor: User, team_id: str, user_id: str) -> tuple[Team, User]:
    """The team, if the actor administers it, and a member of it; PermissionDenied for
    others, NotFound for a user who isn't in the team."""
    team = await require_admin(uow, team_id, actor)
    member = await uow.users.get(user_id) if is_id(user_id) else None
    if member is None or await uow.teams.get_membership(team_id, member.id) is None:
        raise NotFound(f"user {user_id!r:.40} is not a member of team {team.name!r}")
    return team, member


async def _remove(uow: UnitOfWork, team: Team, user: User) -> None:
    """Take the user out of the team, unless they are its last active admin."""
    memberships = await uow.teams.list_members(team.id)
    admins = [m.user_id for m in memberships if m.is_admin and m.user_id != user.id]
    active = [u for u in await uow.users.get_many(admins) if not u.deactivated]
    leaving = next((m for m in memberships if m.user_id == user.id), None)
    if leaving is not None and leaving.is_admin and not active:
        raise Conflict(
            f"team {team.name!r} must keep at least one admin: {user.email} is its last one. "
            "Add another admin first.",
            code="last_admin",
        )
    await uow.teams.remove_member(team.id, user.id)
