"""Sign-in from Teams: the use cases, the signed `state` of the sign-in link, and the one-time
paste code.

The state is `base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload))`. The payload binds
the tenant, the Teams user (id and Entra object id), the personal chat, a random grant id (a stored
SignInGrant, which makes the link single use) and when it was issued; it is good for 10 minutes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from codestream.domain.clock import Clock
from codestream.domain.messages import TeamsMessages
from codestream.domain.models import Team, User
from codestream.domain.msteams import SignInGrant
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import msteams_links as links
from codestream.domain.services.msteams_turns import BOT_REPLY, REPLY_TTL_MS, Turn
from codestream.errors import CodeStreamError, InvalidInput, ServiceUnavailable

SIGNIN_TTL_MS = 10 * 60 * 1000
CODE_TTL_MS = 10 * 60 * 1000
MAX_STATE_LENGTH = 1500
_FUTURE_SKEW_MS = 60 * 1000
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_CODE_GROUPS = 3
_CODE_GROUP_LENGTH = 4


class SignInLinkInvalid(CodeStreamError):
    """The sign-in link was altered, is not ours, or doesn't match its grant."""

    code = "signin_link_invalid"
    http_status = 400


class SignInLinkExpired(CodeStreamError):
    """The sign-in link is too old, or was used already."""

    code = "signin_link_expired"
    http_status = 410


@dataclass(frozen=True)
class SignInState:
    """What a sign-in link is about."""

    tenant_id: str
    teams_user_id: str
    aad_object_id: str | None
    conversation_id: str
    grant_id: str
    issued_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, b"msteams-signin\x00" + payload.encode("ascii"), hashlib.sha256)
    return _b64(digest.digest())


def encode_state(key: bytes, state: SignInState) -> str:
    """The signed token for a sign-in link."""
    payload = _b64(
        json.dumps(
            {
                "v": 1,
                "tid": state.tenant_id,
                "uid": state.teams_user_id,
                "aad": state.aad_object_id,
                "cid": state.conversation_id,
                "gid": state.grant_id,
                "iat": state.issued_at,
            },
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_mac(key, payload)}"


def decode_state(key: bytes, token: str, *, now: int) -> SignInState:
    """Check a state token's signature, shape and age; raises SignInLinkInvalid/Expired."""
    invalid = SignInLinkInvalid(
        "This sign-in link is not valid. Run `signin` in your personal chat with the CodeStream "
        "bot to get a new one."
    )
    if not token or len(token) > MAX_STATE_LENGTH or not token.isascii() or token.count(".") != 1:
        raise invalid
    payload, signature = token.split(".")
    if not hmac.compare_digest(_mac(key, payload).encode(), signature.encode()):
        raise invalid
    try:
        data: Any = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        raise invalid from None
    if not isinstance(data, dict) or data.get("v") != 1:
        raise invalid
    strings = [data.get(name) for name in ("tid", "uid", "cid", "gid")]
    issued_at, aad = data.get("iat"), data.get("aad")
    if not all(isinstance(s, str) and s for s in strings) or type(issued_at) is not int:
        raise invalid
    if aad is not None and not isinstance(aad, str):
        raise invalid
    if issued_at > now + _FUTURE_SKEW_MS:
        raise invalid
    if now >= issued_at + SIGNIN_TTL_MS:
        raise SignInLinkExpired(
            "This sign-in link has expired (links work for 10 minutes). Run `signin` again in "
            "your personal chat with the CodeStream bot."
        )
    tenant_id, teams_user_id, conversation_id, grant_id = (str(s) for s in strings)
    return SignInState(tenant_id, teams_user_id, aad, conversation_id, grant_id, issued_at)


def new_grant_id() -> str:
    """A random, unguessable grant id."""
    return secrets.token_urlsafe(18)


def new_code() -> str:
    """A one-time code to paste in Teams: `XXXX-XXXX-XXXX`, 60 random bits."""
    groups = (
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LENGTH))
        for _ in range(_CODE_GROUPS)
    )
    return "-".join(groups)


def normalize_code(text: str) -> str | None:
    """The code in a pasted text (any case, with or without dashes), or None if it is not one."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    if len(cleaned) != _CODE_GROUPS * _CODE_GROUP_LENGTH:
        return None
    if any(ch not in _CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def looks_like_code(text: str) -> bool:
    """Whether a chat message is a pasted code: exactly `XXXX-XXXX-XXXX`, any case."""
    parts = text.strip().split("-")
    return (
        len(parts) == _CODE_GROUPS
        and all(len(part) == _CODE_GROUP_LENGTH for part in parts)
        and normalize_code(text) is not None
    )


def hash_code(normalized: str) -> str:
    """The stored form of a code: its SHA-256, hex."""
    return hashlib.sha256(f"msteams-code\x00{normalized}".encode()).hexdigest()


LINK_USED = (
    "This sign-in link was used already. If you aren't signed in yet, run `signin` again in "
    "your personal chat with the CodeStream bot."
)


@dataclass(frozen=True)
class SignInView:
    """What the sign-in page shows: who is signing in from where, and the teams to pick from."""

    state: SignInState
    teams_user_name: str
    teams: list[Team]
    linked_team_ids: frozenset[str]
    signed_in_as: User | None


@dataclass(frozen=True)
class SignInResult:
    """A completed sign-in: the linked teams and the one-time code for clients that need it."""

    user: User
    teams: list[Team]
    code: str
    code_expires_at: int


@dataclass(frozen=True)
class CodeRedeemed:
    """A pasted code completed (or confirmed) a sign-in."""

    user: User
    teams: list[Team]


class SignInService:
    """Linking a Teams user to a CodeStream user: the link the bot hands out (`start_signin`,
    in a turn), the page that opens and completes it, and the pasted one-time code.
    `signing_key` signs the links (the config's `sharedSecrets.auth`); `messages` renders the
    confirmation sent to the personal chat."""

    def __init__(
        self, clock: Clock, signing_key: bytes, *, messages: TeamsMessages | None = None
    ) -> None:
        self._clock = clock
        self._key = signing_key
        self._messages = messages

    def __repr__(self) -> str:
        return "SignInService()"

    async def start_signin(
        self,
        turn: Turn,
        *,
        tenant_id: str,
        teams_user_id: str,
        aad_object_id: str | None,
        conversation_id: str,
    ) -> str:
        """Store a new grant in the turn; the signed state for the sign-in link."""
        grant = SignInGrant(
            id=new_grant_id(),
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            conversation_id=conversation_id,
            created_at=turn.now,
            expires_at=turn.now + SIGNIN_TTL_MS,
        )
        await turn.uow.msteams.add_grant(grant)
        state = SignInState(
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            aad_object_id=aad_object_id,
            conversation_id=conversation_id,
            grant_id=grant.id,
            issued_at=turn.now,
        )
        return encode_state(self._key, state)

    async def _grant_for(self, uow: UnitOfWork, state: SignInState, now: int) -> SignInGrant:
        grant = await uow.msteams.get_grant(state.grant_id)
        if grant is None or (grant.tenant_id, grant.teams_user_id, grant.conversation_id) != (
            state.tenant_id,
            state.teams_user_id,
            state.conversation_id,
        ):
            raise SignInLinkInvalid(
                "This sign-in link is not valid. Run `signin` in your personal chat with the "
                "CodeStream bot to get a new one."
            )
        if grant.used_at is not None:
            raise SignInLinkExpired(LINK_USED)
        if now >= grant.expires_at:
            raise SignInLinkExpired(
                "This sign-in link has expired (links work for 10 minutes). Run `signin` again "
                "in your personal chat with the CodeStream bot."
            )
        return grant

    def check_link(self, state_token: str) -> SignInState:
        """The link's state if its signature and age are good (nothing is read); raises
        SignInLinkInvalid/Expired. For the page, before it asks anyone to sign in."""
        return decode_state(self._key, state_token, now=self._clock())

    async def open_signin(self, uow: UnitOfWork, state_token: str, user: User) -> SignInView:
        """Check a sign-in link for the page; raises SignInLinkInvalid/Expired."""
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        await self._grant_for(uow, state, now)
        chat = await uow.msteams.get_personal_chat(state.conversation_id)
        teams = [t for t in await uow.teams.list_for_user(user.id) if not t.deactivated]
        tenant_links = await uow.msteams.list_tenant_links(state.tenant_id)
        current = await links.linked_user(uow, state.tenant_id, state.teams_user_id)
        return SignInView(
            state=state,
            teams_user_name=chat.user_name if chat else "",
            teams=sorted(teams, key=lambda t: (t.name.lower(), t.id)),
            linked_team_ids=frozenset(link.team_id for link in tenant_links),
            signed_in_as=current,
        )

    async def complete_signin(
        self, uow: UnitOfWork, state_token: str, user: User, team_ids: Sequence[str]
    ) -> SignInResult:
        """Link the Teams user to `user` and the tenant to the chosen teams, use up the link,
        and queue the confirmation (`TeamsMessages.signed_in`) in the personal chat; all or
        nothing (the caller's unit of work)."""
        if self._messages is None:
            raise ServiceUnavailable("Microsoft Teams is not set up on this server")
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        wanted = list(dict.fromkeys(team_ids))
        if not wanted:
            raise InvalidInput("Pick at least one CodeStream team to link.", field="team_id")
        grant = await self._grant_for(uow, state, now)
        mine = {t.id: t for t in await uow.teams.list_for_user(user.id) if not t.deactivated}
        if any(team_id not in mine for team_id in wanted):
            raise InvalidInput(
                "You can link only CodeStream teams you are a member of.", field="team_id"
            )
        chosen = [mine[team_id] for team_id in wanted]
        tenant = await uow.msteams.get_tenant(state.tenant_id)
        chat = await uow.msteams.get_personal_chat(state.conversation_id)
        if tenant is None or not await uow.msteams.claim_grant(grant.id, now):
            raise SignInLinkExpired(LINK_USED)
        code = new_code()
        normalized = normalize_code(code)
        assert normalized is not None
        await uow.msteams.update_grant(
            replace(
                grant,
                used_at=now,
                user_id=user.id,
                team_ids=tuple(t.id for t in chosen),
                code_hash=hash_code(normalized),
                expires_at=now + CODE_TTL_MS,
            )
        )
        await links.link(
            uow,
            tenant_id=state.tenant_id,
            teams_user_id=state.teams_user_id,
            aad_object_id=state.aad_object_id,
            user=user,
            team_ids=[t.id for t in chosen],
            now=now,
        )
        await uow.outbox.enqueue(
            NewOutboxItem(
                kind=BOT_REPLY,
                tenant_id=state.tenant_id,
                service_url=chat.service_url if chat else tenant.service_url,
                conversation_id=state.conversation_id,
                operation=Operation.SEND,
                payload=self._messages.signed_in(user, chosen),
            ),
            now=now,
            deadline_at=now + REPLY_TTL_MS,
        )
        return SignInResult(user=user, teams=chosen, code=code, code_expires_at=now + CODE_TTL_MS)

    async def redeem_code(
        self, turn: Turn, code_text: str, *, tenant_id: str, teams_user_id: str
    ) -> CodeRedeemed | None:
        """Complete a sign-in with a pasted one-time code, in the turn; None if the code is not
        valid for this Teams user (unknown, expired, used, or someone else's)."""
        normalized = normalize_code(code_text)
        if normalized is None:
            return None
        uow = turn.uow
        grant = await uow.msteams.get_grant_by_code(hash_code(normalized))
        if (
            grant is None
            or grant.user_id is None
            or (grant.tenant_id, grant.teams_user_id) != (tenant_id, teams_user_id)
            or turn.now >= grant.expires_at
        ):
            return None
        user = await uow.users.get(grant.user_id)
        if user is None or user.deactivated:
            return None
        mine = {t.id: t for t in await uow.teams.list_for_user(user.id) if not t.deactivated}
        teams = [mine[team_id] for team_id in grant.team_ids if team_id in mine]
        await links.link(
            uow,
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            aad_object_id=None,
            user=user,
            team_ids=[t.id for t in teams],
            now=turn.now,
        )
        await uow.msteams.update_grant(replace(grant, code_hash=None))
        return CodeRedeemed(user=user, teams=teams)
