"""Sign-in from Teams: the link the bot hands out, the page that records the choice, and the
one-time code that completes it.

The page never links anyone: whoever opens it only picks teams and gets a one-time code. The link
is made when that code comes back from the Teams user who asked (the same tenant and Teams user
as the grant): handed back by Teams' authentication flow (a `signin/verifyState` invoke) or
pasted into the personal chat. Both end in `redeem_code`. The first link of a Microsoft
organization to a CodeStream team needs an admin of that team. When a new Teams identity is
linked to a CodeStream user who already has one, the older one's personal chat is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from codestream.domain.clock import Clock
from codestream.domain.messages import TeamsLinkNotice, TeamsMessages
from codestream.domain.models import Team, User
from codestream.domain.msteams import SignInGrant, TeamsProfile, organization_label
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import msteams_links as links
from codestream.domain.services.msteams_signin_tokens import (
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
from codestream.domain.services.msteams_turns import Turn
from codestream.errors import InvalidInput, ServiceUnavailable

ACCOUNT_PAGE = "/web/account"
"""Where a CodeStream user sees and revokes their Teams links."""

LINK_INVALID = (
    "This sign-in link is not valid. Run `signin` in your personal chat with the CodeStream "
    "bot to get a new one."
)
LINK_EXPIRED = (
    "This sign-in link has expired (links work for 10 minutes). Run `signin` again in your "
    "personal chat with the CodeStream bot."
)
LINK_USED = (
    "This sign-in link was used already. If you aren't signed in yet, run `signin` again in "
    "your personal chat with the CodeStream bot."
)
FIRST_LINK_NEEDS_ADMIN = (
    "Not linked to this Microsoft organization yet: only an admin of this team can link it."
)


@dataclass(frozen=True)
class TeamChoice:
    """A CodeStream team on the sign-in page: whether the user may pick it, and if not, why."""

    team: Team
    linked: bool
    """Already linked to this Microsoft organization."""
    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class SignInView:
    """What the sign-in page shows: which Teams account from which organization asks to be
    linked, and the teams to pick from."""

    state: SignInState
    teams_user_name: str
    teams_user_email: str
    organization: str
    choices: list[TeamChoice]
    signed_in_as: User | None
    organization_domain: str = ""
    """The organization's domain when known ('' if not: then `organization` names its id)."""


@dataclass(frozen=True)
class PendingSignIn:
    """A choice recorded on the page: nothing is linked until `code` comes back from Teams."""

    user: User
    teams: list[Team]
    code: str
    code_expires_at: int
    teams_user_name: str
    teams_user_email: str
    organization: str


@dataclass(frozen=True)
class CodeRedeemed:
    """A code handed back by its Teams user completed the sign-in."""

    user: User
    teams: list[Team]


async def team_choices(uow: UnitOfWork, tenant_id: str, user: User) -> list[TeamChoice]:
    """The user's active CodeStream teams, by name, each allowed if it is linked to the tenant
    already or the user is one of its admins."""
    linked = {link.team_id for link in await uow.msteams.list_tenant_links(tenant_id)}
    choices = []
    for team in await uow.teams.list_for_user(user.id):
        if team.deactivated:
            continue
        membership = await uow.teams.get_membership(team.id, user.id)
        admin = membership is not None and membership.is_admin
        allowed = team.id in linked or admin
        reason = "" if allowed else FIRST_LINK_NEEDS_ADMIN
        choices.append(TeamChoice(team, team.id in linked, allowed, reason))
    return sorted(choices, key=lambda c: (c.team.name.lower(), c.team.id))


def _organization(grant: SignInGrant) -> str:
    return organization_label(grant.tenant_domain, grant.tenant_id)


async def _organization_domain(uow: UnitOfWork, grant: SignInGrant) -> str:
    """The organization's domain: as Teams gave it for this sign-in, else the one the tenant was
    first linked under; '' when neither is known."""
    if grant.tenant_domain:
        return grant.tenant_domain
    tenant = await uow.msteams.get_tenant(grant.tenant_id)
    return tenant.domain if tenant is not None and tenant.domain else ""


class SignInService:
    """Linking a Teams user to a CodeStream user. `signing_key` signs the links (the config's
    `sharedSecrets.auth`); `messages` renders what is sent to Teams; `public_url` is where the
    account page is (named in the notice to an older linked chat)."""

    def __init__(
        self,
        clock: Clock,
        signing_key: bytes,
        *,
        messages: TeamsMessages | None = None,
        public_url: str = "",
    ) -> None:
        self._clock = clock
        self._key = signing_key
        self._messages = messages
        self._account_url = public_url.rstrip("/") + ACCOUNT_PAGE

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
        profile: TeamsProfile | None = None,
    ) -> str:
        """Store a new grant in the turn, with what Teams said about the user (`profile`); the
        signed state for the sign-in link."""
        profile = profile or TeamsProfile()
        grant = SignInGrant(
            id=new_grant_id(),
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            conversation_id=conversation_id,
            created_at=turn.now,
            expires_at=turn.now + SIGNIN_TTL_MS,
            teams_user_email=profile.shown_email or None,
            teams_user_name=profile.name or None,
            tenant_domain=profile.domain or None,
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
            raise SignInLinkInvalid(LINK_INVALID)
        if grant.used_at is not None:
            raise SignInLinkExpired(LINK_USED)
        if now >= grant.expires_at:
            raise SignInLinkExpired(LINK_EXPIRED)
        return grant

    async def check_link_unused(self, uow: UnitOfWork, state_token: str) -> SignInState:
        """The link's state if its signature and age are good and its grant is ours, unexpired
        and not used yet (read only); raises SignInLinkInvalid/Expired. For the page, before it
        asks anyone for a password."""
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        await self._grant_for(uow, state, now)
        return state

    async def open_signin(self, uow: UnitOfWork, state_token: str, user: User) -> SignInView:
        """Check a sign-in link for the page; raises SignInLinkInvalid/Expired."""
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        grant = await self._grant_for(uow, state, now)
        chat = await uow.msteams.get_personal_chat(state.conversation_id)
        domain = await _organization_domain(uow, grant)
        return SignInView(
            state=state,
            teams_user_name=grant.teams_user_name or (chat.user_name if chat else ""),
            teams_user_email=grant.teams_user_email or "",
            organization=organization_label(domain, grant.tenant_id),
            choices=await team_choices(uow, state.tenant_id, user),
            signed_in_as=await links.linked_user(uow, state.tenant_id, state.teams_user_id),
            organization_domain=domain,
        )

    async def record_choice(
        self, uow: UnitOfWork, state_token: str, user: User, team_ids: Sequence[str]
    ) -> PendingSignIn:
        """Record who signed in on the page and the teams they picked, use up the link, and
        issue the one-time code; nothing is linked (see `redeem_code`). InvalidInput for no
        pick, a team the user isn't in, or a first link the user may not make."""
        if self._messages is None:
            raise ServiceUnavailable("Microsoft Teams is not set up on this server")
        now = self._clock()
        state = decode_state(self._key, state_token, now=now)
        wanted = list(dict.fromkeys(team_ids))
        if not wanted:
            raise InvalidInput("Pick at least one CodeStream team to link.", field="team_id")
        grant = await self._grant_for(uow, state, now)
        choices = {c.team.id: c for c in await team_choices(uow, state.tenant_id, user)}
        if any(team_id not in choices for team_id in wanted):
            raise InvalidInput(
                "You can link only CodeStream teams you are a member of.", field="team_id"
            )
        refused = [choices[t].team.name for t in wanted if not choices[t].allowed]
        if refused:
            raise InvalidInput(
                f"Only an admin of {', '.join(refused)} can link it to this Microsoft "
                "organization for the first time. Pick a team that is linked already, or ask "
                "an admin of that team to sign in.",
                field="team_id",
            )
        if not await uow.msteams.claim_grant(grant.id, now):
            raise SignInLinkExpired(LINK_USED)
        code = new_code()
        normalized = normalize_code(code)
        assert normalized is not None
        chosen = [choices[t].team for t in wanted]
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
        return PendingSignIn(
            user=user,
            teams=chosen,
            code=code,
            code_expires_at=now + CODE_TTL_MS,
            teams_user_name=grant.teams_user_name or "",
            teams_user_email=grant.teams_user_email or "",
            organization=organization_label(
                await _organization_domain(uow, grant), grant.tenant_id
            ),
        )

    async def redeem_code(
        self,
        turn: Turn,
        code_text: str,
        *,
        tenant_id: str,
        teams_user_id: str,
        aad_object_id: str | None = None,
    ) -> CodeRedeemed | None:
        """Complete a sign-in with a one-time code handed back by a Teams user, in the turn:
        link the Teams user and the tenant, label the tenant, and tell the user's older linked
        chats. None if the code is not valid for this Teams user (unknown, expired, used, or
        issued to someone else): then nothing changes."""
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
        choices = {c.team.id: c for c in await team_choices(uow, tenant_id, user)}
        teams = [choices[t].team for t in grant.team_ids if t in choices and choices[t].allowed]
        previous = await uow.msteams.get_user_link(tenant_id, teams_user_id)
        others = [
            link
            for link in await uow.msteams.list_user_links_of(user.id)
            if (link.tenant_id, link.teams_user_id) != (tenant_id, teams_user_id)
        ]
        await links.link(
            uow,
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            aad_object_id=aad_object_id,
            user=user,
            team_ids=[t.id for t in teams],
            now=turn.now,
        )
        await uow.msteams.update_grant(replace(grant, code_hash=None))
        tenant = await uow.msteams.get_tenant(tenant_id)
        if tenant is not None and not tenant.domain and grant.tenant_domain:
            await uow.msteams.save_tenant(replace(tenant, domain=grant.tenant_domain))
        if previous is None or previous.user_id != user.id:
            identities = [(other.tenant_id, other.teams_user_id) for other in others]
            await self._tell_older_chats(turn, user, grant, identities)
        return CodeRedeemed(user=user, teams=teams)

    async def _tell_older_chats(
        self, turn: Turn, user: User, grant: SignInGrant, identities: list[tuple[str, str]]
    ) -> None:
        """Queue the notice of a new link into the personal chat of each older linked identity."""
        if self._messages is None or not identities:
            return
        notice = self._messages.teams_linked(
            TeamsLinkNotice(
                user=user,
                teams_email=grant.teams_user_email or "",
                teams_name=grant.teams_user_name or "",
                organization=_organization(grant),
                linked_at=turn.now,
                account_url=self._account_url,
            )
        )
        for tenant_id, teams_user_id in dict.fromkeys(identities):  # one chat per identity
            await turn.send_to_personal_chat(tenant_id, teams_user_id, notice)
