"""Sharing codemarks into Teams channels: validate the targets, record the shares, and enqueue
their cards in the same transaction; report each share's delivery status.

The card is rendered by the `TeamsMessages` port (the bot builds Adaptive Cards); the domain only
knows that it gets a message activity back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from codestream.domain import rules
from codestream.domain.clock import Clock
from codestream.domain.ids import new_id
from codestream.domain.messages import (
    MAX_REFRESH_USERS,
    Activity,
    CodemarkCardData,
    LastReply,
    TeamsMessages,
)
from codestream.domain.models import Codemark, Repo, User
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.access import require_member, visible_codemark
from codestream.domain.shares import (
    CARD_DELETED,
    Share,
    ShareDelivery,
    ShareTarget,
    message_id_of,
)
from codestream.errors import InvalidInput, NotFound, ServiceUnavailable

PROVIDERS = ("msteams",)
MAX_CHANNELS = 20
"""Channels per share request."""
MAX_CHANNEL_ID = 255
SHARE_KIND = "codemark_share"
DEFAULT_DELIVERY_DEADLINE_MS = 24 * 60 * 60 * 1000
"""How long the outbox keeps retrying a card before it reports it failed."""
TEAMS_WEB = "https://teams.microsoft.com"


@dataclass(frozen=True)
class SharedTo:
    """A share with its delivery status: queued, sending, retrying (next attempt, last error),
    sent (message id, link), failed (reason) or card_deleted (the card was deleted in Teams;
    it gets no more updates)."""

    share: Share
    status: str
    attempts: int = 0
    next_attempt_at: int | None = None
    last_error: str | None = None
    sent_at: int | None = None
    message_id: str | None = None
    url: str | None = None


class ShareService:
    """Share codemarks to connected Teams channels, and tell how the delivery is going."""

    def __init__(
        self,
        clock: Clock,
        *,
        messages: TeamsMessages | None = None,
        public_url: str = "",
        delivery_deadline_ms: int = DEFAULT_DELIVERY_DEADLINE_MS,
    ) -> None:
        self._clock = clock
        self._messages = messages
        self._public_url = public_url.rstrip("/")
        self._deadline_ms = delivery_deadline_ms

    async def list_targets(self, uow: UnitOfWork, actor: User, team_id: str) -> list[ShareTarget]:
        """The Teams channels the actor's team has connected, by team and channel name."""
        await require_member(uow, team_id, actor)
        return await uow.shares.list_targets(team_id)

    async def check_targets(
        self,
        uow: UnitOfWork,
        actor: User,
        team_id: str,
        provider: str,
        channel_ids: Sequence[str],
    ) -> list[ShareTarget]:
        """The targets the ids name, or the error `share` would raise; changes nothing."""
        wanted = check_request(provider, channel_ids)
        await require_member(uow, team_id, actor)
        return await _targets(uow, team_id, wanted)

    async def share(
        self,
        uow: UnitOfWork,
        actor: User,
        codemark_id: str,
        channel_ids: Sequence[str],
        *,
        provider: str = "msteams",
        team_id: str | None = None,
    ) -> list[SharedTo]:
        """Record a share per channel and enqueue its card, in the caller's unit of work.
        With `team_id`, a codemark of another team is NotFound."""
        wanted = check_request(provider, channel_ids)
        if self._messages is None:
            raise ServiceUnavailable("sharing is not set up on this server (no card renderer)")
        now = self._clock()
        codemark = await visible_codemark(uow, actor, codemark_id)
        if team_id is not None and codemark.team_id != team_id:
            raise NotFound(f"codemark {codemark_id!r} not found in team {team_id!r}")
        targets = await _targets(uow, codemark.team_id, wanted)
        activities: dict[str, Activity] = {}  # one card per tenant: its users refresh it
        for target in targets:
            if target.tenant_id not in activities:
                data = await self.card_data(uow, codemark, tenant_id=target.tenant_id)
                activities[target.tenant_id] = self._messages.codemark(data)
        shared: list[SharedTo] = []
        # Ids sorted so that listings (by time, then id) keep the order of the request.
        for share_id, target in zip(sorted(new_id(now) for _ in targets), targets, strict=True):
            share = Share(
                id=share_id,
                codemark_id=codemark.id,
                team_id=codemark.team_id,
                provider=provider,
                tenant_id=target.tenant_id,
                msteams_team_id=target.msteams_team_id,
                team_name=target.team_name,
                channel_id=target.channel_id,
                channel_name=target.channel_name,
                created_by=actor.id,
                created_at=now,
            )
            await uow.shares.add(share)
            item = await uow.outbox.enqueue(
                NewOutboxItem(
                    kind=SHARE_KIND,
                    tenant_id=target.tenant_id,
                    service_url=target.service_url,
                    conversation_id=target.channel_id,
                    operation=Operation.CREATE_CONVERSATION,
                    payload=activities[target.tenant_id],
                    share_id=share.id,
                ),
                now=now,
                deadline_at=now + self._deadline_ms,
            )
            shared.append(SharedTo(share, item.status.value, next_attempt_at=item.next_attempt_at))
        return shared

    async def list_shares(self, uow: UnitOfWork, actor: User, codemark_id: str) -> list[SharedTo]:
        """A codemark's shares, oldest first, each with its delivery status."""
        codemark = await visible_codemark(uow, actor, codemark_id)
        shares = await uow.shares.list_for_codemark(codemark.id)
        return await _with_status(uow, shares)

    async def shares_by_codemark(
        self, uow: UnitOfWork, actor: User, team_id: str, codemark_ids: Sequence[str]
    ) -> dict[str, list[SharedTo]]:
        """The shares of several codemarks of one team (for listings), by codemark id."""
        await require_member(uow, team_id, actor)
        shares = [
            s
            for s in await uow.shares.list_for_codemarks(list(codemark_ids))
            if s.team_id == team_id
        ]
        found: dict[str, list[SharedTo]] = {cid: [] for cid in codemark_ids}
        for item in await _with_status(uow, shares):
            found.setdefault(item.share.codemark_id, []).append(item)
        return found

    async def card_data(
        self, uow: UnitOfWork, codemark: Codemark, *, tenant_id: str | None = None
    ) -> CodemarkCardData:
        """What the codemark's card shows, read in the caller's unit of work; with `tenant_id`
        (where the card is), the Teams users there whom Teams refreshes it for: the linked
        members of the codemark's team, the newest links first, at most MAX_REFRESH_USERS."""
        author = await uow.users.get(codemark.creator_id)
        people = {u.id: u for u in await uow.users.get_many(list(codemark.assignees))}
        repos: dict[str, Repo] = {}
        for marker in codemark.markers:
            if marker.repo_id is not None and marker.repo_id not in repos:
                repo = await uow.repos.get(marker.repo_id)
                if repo is not None:
                    repos[repo.id] = repo
        refresh: tuple[str, ...] = ()
        if tenant_id is not None:
            links = await uow.msteams.list_team_user_links(
                tenant_id, codemark.team_id, limit=MAX_REFRESH_USERS
            )
            refresh = tuple(link.teams_user_id for link in links)
        last_reply = None
        if codemark.num_replies > 0:
            post = await uow.posts.last_for_codemark(codemark.id)
            if post is not None:
                replier = await uow.users.get(post.creator_id)
                last_reply = LastReply(author=replier, text=post.text, origin=post.origin)
        return CodemarkCardData(
            codemark=codemark,
            author=author,
            assignees=tuple(people[a] for a in codemark.assignees if a in people),
            repos=repos,
            permalink=codemark.permalink(self._public_url),
            refresh_user_ids=refresh,
            reply_count=codemark.num_replies,
            last_reply=last_reply,
        )


def check_request(provider: str, channel_ids: Sequence[str]) -> list[str]:
    """The distinct channel ids of a share request, in order; InvalidInput naming the bad value."""
    if provider not in PROVIDERS:
        raise InvalidInput(
            f"provider: {provider!r:.40} is not supported; expected one of {', '.join(PROVIDERS)}",
            field="provider",
        )
    if not channel_ids:
        raise InvalidInput("channelIds: name at least one channel", field="channelIds")
    if len(channel_ids) > MAX_CHANNELS:
        raise InvalidInput(
            f"channelIds: at most {MAX_CHANNELS} channels at once, got {len(channel_ids)}",
            field="channelIds",
        )
    wanted: list[str] = []
    for index, channel_id in enumerate(channel_ids):
        where = f"channelIds.{index}"
        if not isinstance(channel_id, str) or not channel_id.strip():
            raise InvalidInput(f"{where}: a channel id may not be empty", field=where)
        if len(channel_id) > MAX_CHANNEL_ID:
            raise InvalidInput(
                f"{where}: a channel id has at most {MAX_CHANNEL_ID} characters", field=where
            )
        rules.storable(channel_id, field=where)
        if channel_id not in wanted:
            wanted.append(channel_id)
    return wanted


def message_link(share: Share, message_id: str, group_id: str | None = None) -> str:
    """The Teams deep link to a channel message (the "Copy link" form)."""
    query = {
        "tenantId": share.tenant_id,
        "groupId": group_id or "",
        "parentMessageId": message_id,
        "teamName": share.team_name,
        "channelName": share.channel_name,
        "createdTime": message_id,
    }
    if not group_id:
        del query["groupId"]
    path = f"/l/message/{quote(share.channel_id, safe='')}/{quote(message_id, safe='')}"
    return f"{TEAMS_WEB}{path}?{urlencode(query, quote_via=quote)}"


async def _targets(uow: UnitOfWork, team_id: str, channel_ids: list[str]) -> list[ShareTarget]:
    connected = {t.channel_id: t for t in await uow.shares.list_targets(team_id)}
    for channel_id in channel_ids:
        if channel_id not in connected:
            raise NotFound(
                f"channel {channel_id!r:.80} is not connected to this team; "
                "connect it by saying `@CodeStream connect` in that channel",
                code="channel_not_connected",
            )
    return [connected[c] for c in channel_ids]


async def _with_status(uow: UnitOfWork, shares: list[Share]) -> list[SharedTo]:
    deliveries = await uow.shares.deliveries([s.id for s in shares])
    targets: list[ShareTarget] = []
    for team_id in dict.fromkeys(s.team_id for s in shares):
        targets += await uow.shares.list_targets(team_id)
    return shared_to_all(shares, deliveries, targets)


async def codemark_shared_to(uow: UnitOfWork, codemark: Codemark) -> list[SharedTo]:
    """The codemark's shares, oldest first, each with its delivery status, read in the caller's
    unit of work (which has already checked the reader may see the codemark)."""
    shares = await uow.shares.list_for_codemark(codemark.id)
    return await _with_status(uow, [s for s in shares if s.team_id == codemark.team_id])


def shared_to_all(
    shares: Sequence[Share], deliveries: Mapping[str, ShareDelivery], targets: Sequence[ShareTarget]
) -> list[SharedTo]:
    """Each share with its delivery status, from what was read: its card's delivery (by share
    id) and the connected channels of its team (whose Microsoft 365 group goes into links)."""
    groups = {target.msteams_team_id: target.aad_group_id for target in targets}
    return [
        _shared_to(share, deliveries.get(share.id), groups.get(share.msteams_team_id))
        for share in shares
    ]


def _shared_to(share: Share, delivery: ShareDelivery | None, group_id: str | None) -> SharedTo:
    if delivery is None:
        # Recorded without an outbox row: only shares from before the outbox, or sent elsewhere.
        status = "sent" if share.message_id else "queued"
        return SharedTo(share, status, message_id=share.message_id, url=share.url)
    message_id = share.message_id
    if message_id is None and delivery.status == "sent":
        message_id = message_id_of(delivery.result_id)
    url = share.url
    if url is None and message_id is not None:
        url = message_link(share, message_id, group_id)
    if share.status == CARD_DELETED:
        return SharedTo(
            share,
            CARD_DELETED,
            attempts=delivery.attempts,
            sent_at=delivery.sent_at,
            message_id=message_id,
            url=url,
        )
    return SharedTo(
        share=share,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=(
            delivery.next_attempt_at if delivery.status in ("queued", "retrying") else None
        ),
        last_error=delivery.last_error if delivery.status in ("retrying", "failed") else None,
        sent_at=delivery.sent_at,
        message_id=message_id,
        url=url,
    )
