"""What the domain asks the bot to put into Teams, and the one port through which it asks.

The domain decides when a message goes to Teams and to which conversation; the bot (which knows
Adaptive Cards) decides what it looks like. Each kind of message is one method of
`TeamsMessages`: a new kind (a notification, say) is one more method here and one in the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from codestream.domain.models import Codemark, CodemarkStatus, Origin, Post, Repo, User

MAX_REFRESH_USERS = 60
"""Teams refreshes a card automatically for at most this many listed users."""

Activity = dict[str, Any]
"""A message activity as the Bot Connector takes it (type `message`, with attachments)."""


@dataclass(frozen=True)
class LastReply:
    """The newest reply on a codemark, as its card shows it."""

    author: User | None
    text: str
    origin: Origin


@dataclass(frozen=True)
class CodemarkCardData:
    """What a codemark's card shows: the codemark, the people and repos it names, and how the
    discussion stands (reply count, the last reply).

    `refresh_user_ids`: the Teams users (ids as Teams sends them in `from.id`) for whom Teams
    refreshes the card on its own, so each sees the actions that apply to them; at most
    `MAX_REFRESH_USERS`, the others refresh it by hand.
    """

    codemark: Codemark
    author: User | None
    assignees: tuple[User, ...]
    repos: Mapping[str, Repo]
    permalink: str
    refresh_user_ids: tuple[str, ...] = ()
    reply_count: int = 0
    last_reply: LastReply | None = None


@dataclass(frozen=True)
class ReplyCardData:
    """What a reply's message in Teams shows."""

    codemark: Codemark
    post: Post
    author: User
    permalink: str


@dataclass(frozen=True)
class StatusLineData:
    """A codemark's status was changed by `actor`: one line in each of its cards' threads."""

    codemark: Codemark
    actor: User
    status: CodemarkStatus


@dataclass(frozen=True)
class TeamsLinkNotice:
    """A new Teams identity was linked to `user`: told to the user's older linked chats."""

    user: User
    teams_email: str
    teams_name: str
    organization: str
    linked_at: int
    account_url: str
    """Where the user sees and revokes their Teams links."""


@dataclass(frozen=True)
class NotificationData:
    """One personal notification: a headline ("3 new replies on 'Rounding loses cents'"), the
    codemark it is mostly about (its compact card), and the other codemarks the bundle
    touches (title and permalink)."""

    headline: str
    card: CodemarkCardData
    others: tuple[tuple[str, str], ...] = ()


class TeamsMessages(Protocol):
    """Renders the message activities the domain sends to Teams."""

    def codemark(self, data: CodemarkCardData) -> Activity:
        """A codemark's card, shared into a channel."""
        ...

    def reply(self, data: ReplyCardData) -> Activity:
        """A reply, posted into the thread of a card of its codemark."""
        ...

    def status_line(self, data: StatusLineData) -> Activity:
        """The short line ("Ada resolved this") posted into a card's thread on a status change."""
        ...

    def teams_linked(self, notice: TeamsLinkNotice) -> Activity:
        """The notice to a user's older linked Teams chat that a new Teams account was linked."""
        ...

    def notification(self, data: NotificationData) -> Activity:
        """A personal notification: the headline and the codemark's compact card, with a
        "Mute this codemark" button."""
        ...
