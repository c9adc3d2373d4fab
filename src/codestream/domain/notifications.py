"""Personal notifications in Teams: what concerns a person, their settings, and the storage port.

An event (an assignment, an @mention, a reply) becomes one pending row per person it concerns;
the pending rows of one person are bundled into one message when the oldest is due
(`notifications.bundleSeconds` after it), and at most `notifications.maxPerHour` messages reach
a person per hour (the rest wait and are folded into the next one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class NotificationKind(StrEnum):
    """Why a person hears about an event; one switch each in their settings."""

    ASSIGNED = "assigned"
    """A codemark was assigned to them."""
    MENTIONED = "mentioned"
    """`@username` in a codemark's text or a reply."""
    REPLY_MINE = "replies"
    """A reply on a codemark they created."""
    REPLY_JOINED = "repliesJoined"
    """A reply on a codemark they replied to."""


PRIORITY: tuple[NotificationKind, ...] = (
    NotificationKind.ASSIGNED,
    NotificationKind.MENTIONED,
    NotificationKind.REPLY_MINE,
    NotificationKind.REPLY_JOINED,
)
"""When one event concerns a person in several ways, the first of these is the one kept."""


@dataclass(frozen=True)
class NotificationSettings:
    """What a person wants to hear. Defaults: assignments, mentions and replies to their own
    codemarks on; replies to codemarks they only replied to off.

    `muted_until`: nothing reaches them before then (ms). `unreachable_since`: Teams answered
    403/404 (they left the organization, or removed the app); set back to None when they talk
    to the bot again.
    """

    user_id: str
    assigned: bool = True
    mentioned: bool = True
    replies: bool = True
    replies_joined: bool = False
    muted_until: int | None = None
    unreachable_since: int | None = None
    created_at: int = 0
    modified_at: int = 0

    def wants(self, kind: NotificationKind) -> bool:
        """Whether the switch for `kind` is on."""
        return {
            NotificationKind.ASSIGNED: self.assigned,
            NotificationKind.MENTIONED: self.mentioned,
            NotificationKind.REPLY_MINE: self.replies,
            NotificationKind.REPLY_JOINED: self.replies_joined,
        }[kind]

    def muted_at(self, now: int) -> bool:
        """Whether a mute holds at `now`."""
        return self.muted_until is not None and self.muted_until > now


@dataclass(frozen=True)
class NewPendingNotification:
    """An event for one person, waiting to be bundled into a message."""

    user_id: str
    codemark_id: str
    kind: NotificationKind
    actor_id: str
    created_at: int
    due_at: int
    post_id: str | None = None


@dataclass(frozen=True)
class PendingNotification(NewPendingNotification):
    """A stored pending event (with its id)."""

    id: int = 0


class NotificationRepository(Protocol):
    """Settings, muted codemarks, pending events and the log of messages sent per person."""

    async def lock_flush(self) -> None:
        """Wait for, then hold until the unit of work ends, the right to bundle pending events,
        so two processes never bundle the same rows."""
        ...

    async def get_settings(self, user_id: str) -> NotificationSettings | None:
        """A person's settings, None when they never changed any (the defaults apply)."""
        ...

    async def save_settings(self, settings: NotificationSettings) -> None:
        """Insert or replace a person's settings."""
        ...

    async def muted_codemarks(self, user_id: str) -> set[str]:
        """The codemarks a person muted."""
        ...

    async def mute_codemark(self, user_id: str, codemark_id: str, now: int) -> None:
        """Mute one codemark for a person (again is the same)."""
        ...

    async def unmute_codemark(self, user_id: str, codemark_id: str) -> bool:
        """Unmute one codemark; True if it was muted."""
        ...

    async def add_pending(self, items: Sequence[NewPendingNotification]) -> None:
        """Store pending events."""
        ...

    async def due_users(self, *, now: int, limit: int) -> list[str]:
        """People whose oldest pending event is due at `now`, most overdue first."""
        ...

    async def pending_of(self, user_id: str) -> list[PendingNotification]:
        """A person's pending events, oldest first."""
        ...

    async def delete_pending(self, ids: Sequence[int]) -> None:
        """Forget pending events (sent in a message, or dropped)."""
        ...

    async def postpone(self, user_id: str, *, until: int) -> None:
        """Make a person's pending events due no sooner than `until`."""
        ...

    async def log_message(self, user_id: str, *, at: int) -> None:
        """Record that a message went to a person (for the hourly limit)."""
        ...

    async def message_times(self, user_id: str, *, since: int) -> list[int]:
        """When messages went to a person after `since`, oldest first."""
        ...

    async def prune_messages(self, *, before: int) -> int:
        """Forget the log of messages older than `before`; how many went."""
        ...
