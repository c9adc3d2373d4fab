"""Microsoft Teams use cases: one bot turn as one unit of work, sign-in, and the channel list.

A *turn* records the inbound activity's key, the state it changes and the replies it queues in one
transaction: an activity we acknowledged never loses its reply, and a re-sent one changes nothing.
Turns run and commit in groups (`msteams_turns`). The state and link functions live in
`msteams_installs`, `msteams_links` and `msteams_channels`; the sign-in token format in
`msteams_signin`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from codestream.domain.clock import Clock
from codestream.domain.models import Team, User
from codestream.domain.msteams import MsTeamsChannel, MsTeamsTeam, PersonalChat, SignInGrant
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.ports import UnitOfWork, UnitOfWorkFactory
from codestream.domain.services import msteams_links as links
from codestream.domain.services.access import require_member
from codestream.domain.services.msteams_channels import ConnectedChannel, connected_channels
from codestream.domain.services.msteams_signin import (
    CODE_TTL_MS,
    SIGNIN_TTL_MS,
    SignInLinkExpired,
    SignInLinkInvalid,
    SignInState,
    decode_state,
    encode_state,
    hash_code,
    new_code,
    new_grant_id,
    normalize_code,
)
from codestream.domain.services.msteams_turns import REPLY_TTL_MS, Duplicate, Turn, TurnGroups
from codestream.domain.services.reply_threads import ReplyThreads, shared_card_thread
from codestream.domain.shares import Share
from codestream.errors import Conflict, InvalidInput

R = TypeVar("R")

BOT_REPLY = "bot_reply"


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


ActivityBuilder = Callable[[User, list[Team]], dict[str, Any]]
"""Builds the proactive confirmation activity for a completed sign-in."""


class MsTeamsService:
    """Teams use cases. `signing_key` signs sign-in links (the config's `sharedSecrets.auth`);
    `turns_in_flight` is how many bot-turn transactions may be open at once (`TurnGroups`)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        signing_key: bytes,
        *,
        turns_in_flight: int = 1,
        reply_threads: ReplyThreads | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._key = signing_key
        self.reply_threads = reply_threads
        """Where replies written in one card's thread are copied (the codemark's other threads)."""
        self._turns = TurnGroups(uow, clock, in_flight=turns_in_flight)

    def __repr__(self) -> str:
        return "MsTeamsService()"

    def now(self) -> int:
        """The service's clock, in milliseconds."""
        return self._clock()

    async def once(self, key: str | None, work: Callable[[Turn], Awaitable[R]]) -> R | Duplicate:
        """Run `work` as one turn that also records `key`; DUPLICATE if it was seen. Concurrent
        turns commit together (`msteams_turns`); this returns once the turn is durable.

        Nothing is stored when `work` raises, the key included, so a retry runs it again.
        """
        return await self._turns.run(key, work)

    async def get_team(self, team_id: str) -> MsTeamsTeam | None:
        """A Teams team we know of."""
        async with self._uow() as uow:
            return await uow.msteams.get_team(team_id)

    async def get_channel(self, channel_id: str) -> MsTeamsChannel | None:
        """A channel we know of."""
        async with self._uow() as uow:
            return await uow.msteams.get_channel(channel_id)

    async def shared_card_thread(self, tenant_id: str, thread_id: str) -> Share | None:
        """The share whose card started this channel thread, or None."""
        async with self._uow() as uow:
            return await shared_card_thread(uow, tenant_id, thread_id)

    # -- sign-in ------------------------------------------------------------------------------
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
            raise SignInLinkExpired(
                "This sign-in link was used already. If you aren't signed in yet, run `signin` "
                "again in your personal chat with the CodeStream bot."
            )
        if now >= grant.expires_at:
            raise SignInLinkExpired(
                "This sign-in link has expired (links work for 10 minutes). Run `signin` again "
                "in your personal chat with the CodeStream bot."
            )
        return grant

    async def open_signin(self, state_token: str, user: User) -> SignInView:
        """Check a sign-in link for the page; raises SignInLinkInvalid/Expired."""
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        async with self._uow() as uow:
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
        self,
        state_token: str,
        user: User,
        team_ids: Sequence[str],
        confirmation: ActivityBuilder,
    ) -> SignInResult:
        """Link the Teams user to `user` and the tenant to the chosen teams, use up the link,
        and queue `confirmation` in the personal chat; all or nothing."""
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        wanted = list(dict.fromkeys(team_ids))
        if not wanted:
            raise InvalidInput("Pick at least one CodeStream team to link.", field="team_id")
        async with self._uow() as uow:
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
                raise SignInLinkExpired(
                    "This sign-in link was used already. If you aren't signed in yet, run "
                    "`signin` again in your personal chat with the CodeStream bot."
                )
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
                    payload=confirmation(user, chosen),
                ),
                now=now,
                deadline_at=now + REPLY_TTL_MS,
            )
            await uow.commit()
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

    # -- the share API ------------------------------------------------------------------------
    async def list_conversations(
        self, actor: User, team_id: str, tenant_id: str | None = None
    ) -> list[ConnectedChannel]:
        """The channels a team shares into, for a member; Conflict if it isn't linked to Teams."""
        async with self._uow() as uow:
            team, _ = await require_member(uow, team_id, actor)
            tenants = {
                link.tenant_id for link in await uow.msteams.list_tenant_links_of_team(team.id)
            }
            if not tenants or (tenant_id and tenant_id not in tenants):
                where = "this Microsoft Teams organization" if tenant_id else "Microsoft Teams"
                raise Conflict(
                    f"team {team.name!r} is not linked to {where}. In Teams, send `signin` to the "
                    "CodeStream bot in your personal chat, sign in and pick this team; then "
                    "mention the bot with `connect` in a channel.",
                    code="msteams_not_linked",
                )
            return await connected_channels(uow, team.id, tenant_id)

    async def personal_chat(self, chat_id: str) -> PersonalChat | None:
        """A personal chat we know of."""
        async with self._uow() as uow:
            return await uow.msteams.get_personal_chat(chat_id)
