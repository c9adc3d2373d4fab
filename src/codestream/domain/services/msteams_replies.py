"""Replies written in Teams under a shared codemark's card, added to the codemark.

Functions here work inside the caller's unit of work (a bot turn), so the reply and the record of
the activity that carried it commit together: a re-sent activity adds nothing. The reply is also
posted into the codemark's other cards' threads (another channel it was shared to), as a reply
written in CodeStream would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from codestream.domain.models import Origin, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import msteams_links as links
from codestream.domain.services.card_updates import CardUpdates
from codestream.domain.services.codemarks import record_reply
from codestream.domain.services.notifications import CodemarkEvent, Notifications
from codestream.domain.services.reply_threads import ReplyThreads, post_to_threads
from codestream.domain.shares import Share
from codestream.errors import InvalidInput, NotFound


class Outcome(Enum):
    """What became of a reply written in Teams."""

    ADDED = "added"
    NOT_SIGNED_IN = "not_signed_in"
    NO_ACCESS = "no_access"
    UNSTORABLE = "unstorable"


@dataclass(frozen=True)
class ThreadReply:
    """The outcome, and the CodeStream user the reply was (or would have been) added as."""

    outcome: Outcome
    user: User | None = None


async def add_reply_from_teams(
    uow: UnitOfWork,
    share: Share,
    *,
    tenant_id: str,
    thread_id: str,
    teams_user_id: str | None,
    text: str,
    now: int,
    threads: ReplyThreads | None = None,
    cards: CardUpdates | None = None,
    notifications: Notifications | None = None,
) -> ThreadReply:
    """Add `text`, written in the thread `thread_id`, as a reply on the shared codemark, by the
    CodeStream user the Teams user signed in as, queue it for the codemark's other threads
    (with `threads`), update its cards' reply count and last reply (with `cards`) and tell the
    people it concerns (with `notifications`); why not, when it can't be added."""
    user = None
    if teams_user_id is not None:
        user = await links.linked_user(uow, tenant_id, teams_user_id)
    if user is None:
        return ThreadReply(Outcome.NOT_SIGNED_IN)
    try:
        codemark, post = await record_reply(uow, user, share.codemark_id, text, Origin.TEAMS, now)
    except NotFound:
        return ThreadReply(Outcome.NO_ACCESS, user=user)
    except InvalidInput:
        return ThreadReply(Outcome.UNSTORABLE, user=user)
    if threads is not None:
        await post_to_threads(uow, threads, codemark, post, user, now, written_in=thread_id)
    if cards is not None:
        await cards.codemark_changed(uow, codemark, now)
    if notifications is not None:
        await notifications.codemark_event(
            uow, CodemarkEvent(codemark, user, now, text=post.text, post=post)
        )
    return ThreadReply(Outcome.ADDED, user)
