"""Replies written in CodeStream, posted into the Teams threads the codemark's cards started.

`post_to_threads` runs inside the unit of work that adds the reply, so the reply and its messages
to Teams commit together (or not at all), and the delivery worker sends them like any other
outbox row: paced, retried, in order within each thread. A thread is the one a share's card
started (its connector id, `<channel>;messageid=<root>`), in a channel that is still connected;
a share whose card hasn't reached Teams yet has no thread, and is skipped: when its card gets
there, `post_replies_since_share` (the delivery worker's hook) posts the replies it missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from codestream.domain.clock import Clock
from codestream.domain.messages import ReplyCardData
from codestream.domain.models import Codemark, Post, User
from codestream.domain.msteams import split_thread
from codestream.domain.outbox import NewOutboxItem, Operation, OutboxItem
from codestream.domain.ports import UnitOfWork
from codestream.domain.shares import Share, ShareDelivery, ShareTarget

REPLY_KIND = "codemark_reply"


class ReplyRenderer(Protocol):
    """Builds the message activity for a reply (`TeamsMessages.reply`)."""

    def __call__(self, data: ReplyCardData) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReplyThreads:
    """How replies reach Teams: the renderer, the public URL for links, the delivery deadline."""

    render: ReplyRenderer
    public_url: str
    deadline_ms: int


async def shared_card_thread(uow: UnitOfWork, tenant_id: str, thread_id: str) -> Share | None:
    """The share whose card started this thread, or None (any other thread)."""
    if split_thread(thread_id)[1] is None:
        return None
    return await uow.shares.find_by_thread(tenant_id, thread_id)


@dataclass(frozen=True)
class SentCard:
    """A share whose card is in Teams: the thread it started, its message, where to call."""

    share: Share
    thread_id: str
    message_id: str
    service_url: str


@dataclass(frozen=True)
class CodemarkCards:
    """A codemark's cards in connected channels: those in Teams, and those still on their way;
    with what they were read from (every share, oldest first, its card's delivery, the team's
    connected channels), from which `shares.shared_to_all` tells each share's status."""

    sent: list[SentCard]
    waiting: list[Share]
    shares: list[Share] = field(default_factory=list)
    deliveries: dict[str, ShareDelivery] = field(default_factory=dict)
    targets: list[ShareTarget] = field(default_factory=list)


async def codemark_cards(uow: UnitOfWork, codemark: Codemark) -> CodemarkCards:
    """The codemark's cards in channels still connected, read under the lock that orders this
    transaction with the marking of a card as sent: a card being marked sent right now is waited
    for and then seen with its thread, or its marking waits for this transaction and then sees
    what it changed (the delivery worker's hook, `CardSentHook`)."""
    shares = await uow.shares.list_for_codemark(codemark.id)
    if not shares:
        return CodemarkCards([], [])
    deliveries = await uow.shares.deliveries([share.id for share in shares], lock=True)
    targets = await uow.shares.list_targets(codemark.team_id)
    connected = {t.channel_id: t for t in targets}
    sent: list[SentCard] = []
    waiting: list[Share] = []
    for share in shares:
        delivery = deliveries.get(share.id)
        target = connected.get(share.channel_id)
        if delivery is None or target is None:
            continue
        if delivery.status != "sent":
            waiting.append(share)
            continue
        thread = delivery.result_id
        message_id = split_thread(thread)[1] if thread is not None else None
        if thread is not None and message_id is not None:
            sent.append(SentCard(share, thread, message_id, target.service_url))
    return CodemarkCards(sent, waiting, shares, deliveries, targets)


async def post_to_threads(
    uow: UnitOfWork,
    threads: ReplyThreads,
    codemark: Codemark,
    post: Post,
    author: User,
    now: int,
    *,
    written_in: str | None = None,
) -> None:
    """Queue the reply for every thread of the codemark's sent cards (once per thread), except
    `written_in`, the thread a reply from Teams was written in."""
    # A card marked sent meanwhile finds this reply (`post_replies_since_share`).
    cards = await codemark_cards(uow, codemark)
    activity: dict[str, Any] | None = None
    queued: set[str] = {written_in} if written_in is not None else set()
    for card in cards.sent:
        if card.thread_id in queued:
            continue
        if activity is None:
            permalink = codemark.permalink(threads.public_url)
            activity = threads.render(ReplyCardData(codemark, post, author, permalink))
        await _enqueue(
            uow, threads, card.share.tenant_id, card.service_url, card.thread_id, activity, now
        )
        queued.add(card.thread_id)


async def post_replies_since_share(
    uow: UnitOfWork,
    threads: ReplyThreads,
    share: Share,
    *,
    thread_id: str,
    service_url: str,
    now: int,
) -> int:
    """The share's card has just started `thread_id` in Teams: queue into it the replies written
    since the share was made, which found no thread then (the card may have waited for Teams for
    hours); how many. Runs in the unit of work that marks the card sent."""
    codemark = await uow.codemarks.get(share.codemark_id)
    if codemark is None:
        return 0
    replies = await uow.posts.list_for_codemark(codemark.id)
    since = [post for post in replies if post.created_at >= share.created_at]
    if not since:
        return 0
    authors = {u.id: u for u in await uow.users.get_many(sorted({p.creator_id for p in since}))}
    permalink = codemark.permalink(threads.public_url)
    count = 0
    for post in since:
        author = authors.get(post.creator_id)
        if author is None:
            continue
        activity = threads.render(ReplyCardData(codemark, post, author, permalink))
        await _enqueue(uow, threads, share.tenant_id, service_url, thread_id, activity, now)
        count += 1
    return count


class CardRefresher(Protocol):
    """Brings a card that just reached Teams up to date (`CardUpdates.card_sent`)."""

    async def card_sent(
        self,
        uow: UnitOfWork,
        share: Share,
        *,
        thread_id: str,
        service_url: str,
        sent: dict[str, Any],
        now: int,
    ) -> None: ...


@dataclass(frozen=True)
class CardSentHook:
    """The delivery worker's `on_sent`: when a share's card has started its thread, queue into it
    the replies written meanwhile (`post_replies_since_share`) and, with `cards`, an update if
    the codemark changed since the card was rendered; other rows are left alone."""

    threads: ReplyThreads
    clock: Clock
    cards: CardRefresher | None = None

    async def __call__(self, uow: UnitOfWork, item: OutboxItem, result: Any) -> None:
        """Called in the transaction that marks `item` sent, with the connector's answer."""
        if item.share_id is None or not isinstance(result, dict) or result.get("id") is None:
            return
        thread = str(result["id"])
        if split_thread(thread)[1] is None:
            return
        share = await uow.shares.get(item.share_id)
        if share is None:
            return
        now = self.clock()
        await post_replies_since_share(
            uow, self.threads, share, thread_id=thread, service_url=item.service_url, now=now
        )
        if self.cards is not None:
            await self.cards.card_sent(
                uow,
                share,
                thread_id=thread,
                service_url=item.service_url,
                sent=item.payload,
                now=now,
            )


async def _enqueue(
    uow: UnitOfWork,
    threads: ReplyThreads,
    tenant_id: str,
    service_url: str,
    thread: str,
    activity: dict[str, Any],
    now: int,
) -> None:
    await uow.outbox.enqueue(
        NewOutboxItem(
            kind=REPLY_KIND,
            tenant_id=tenant_id,
            service_url=service_url,
            conversation_id=thread,
            operation=Operation.SEND,
            payload=activity,
        ),
        now=now,
        deadline_at=now + threads.deadline_ms,
    )
