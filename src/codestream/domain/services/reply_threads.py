"""Replies written in CodeStream, posted into the Teams threads the codemark's cards started.

`post_to_threads` runs inside the unit of work that adds the reply, so the reply and its messages
to Teams commit together (or not at all), and the delivery worker sends them like any other
outbox row: paced, retried, in order within each thread. A thread is the one a share's card
started (its connector id, `<channel>;messageid=<root>`), in a channel that is still connected;
a share whose card hasn't reached Teams yet has no thread, and is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from codestream.domain.models import Codemark, Post, User
from codestream.domain.msteams import split_thread
from codestream.domain.outbox import NewOutboxItem, Operation
from codestream.domain.ports import UnitOfWork

REPLY_KIND = "codemark_reply"


@dataclass(frozen=True)
class ReplyCardData:
    """What a reply's message in Teams shows."""

    codemark: Codemark
    post: Post
    author: User
    permalink: str


class ReplyRenderer(Protocol):
    """Builds the message activity for a reply (the bot renders an Adaptive Card)."""

    def __call__(self, data: ReplyCardData) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReplyThreads:
    """How replies reach Teams: the renderer, the public URL for links, the delivery deadline."""

    render: ReplyRenderer
    public_url: str
    deadline_ms: int


async def post_to_threads(
    uow: UnitOfWork,
    threads: ReplyThreads,
    codemark: Codemark,
    post: Post,
    author: User,
    now: int,
) -> None:
    """Queue the reply for every thread of the codemark's sent cards (once per thread)."""
    shares = await uow.shares.list_for_codemark(codemark.id)
    if not shares:
        return
    deliveries = await uow.shares.deliveries([share.id for share in shares])
    connected = {t.channel_id: t for t in await uow.shares.list_targets(codemark.team_id)}
    activity: dict[str, Any] | None = None
    queued: set[str] = set()
    for share in shares:
        delivery = deliveries.get(share.id)
        target = connected.get(share.channel_id)
        if delivery is None or target is None or delivery.status != "sent":
            continue
        thread = delivery.result_id
        if thread is None or split_thread(thread)[1] is None or thread in queued:
            continue
        if activity is None:
            permalink = codemark.permalink(threads.public_url)
            activity = threads.render(ReplyCardData(codemark, post, author, permalink))
        await uow.outbox.enqueue(
            NewOutboxItem(
                kind=REPLY_KIND,
                tenant_id=share.tenant_id,
                service_url=target.service_url,
                conversation_id=thread,
                operation=Operation.SEND,
                payload=activity,
            ),
            now=now,
            deadline_at=now + threads.deadline_ms,
        )
        queued.add(thread)
