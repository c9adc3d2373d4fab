"""What the core needs from the outside world, as Protocols. Storage implements them."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from codestream.domain.models import (
    AccessToken,
    Codemark,
    CodemarkStatus,
    CodemarkType,
    Membership,
    Post,
    Repo,
    Team,
    User,
)
from codestream.domain.msteams import InboundActivityLog, MsTeamsRepository
from codestream.domain.notifications import NotificationRepository
from codestream.domain.outbox import DeliveryStatus, NewOutboxItem, Operation, OutboxItem
from codestream.domain.search import CodemarkSearch
from codestream.domain.shares import Share, ShareDelivery, ShareTarget


@dataclass(frozen=True)
class CodemarkQuery:
    """Filters for listing a team's codemarks, newest first; `before` is an id cursor."""

    team_id: str
    type: CodemarkType | None = None
    status: CodemarkStatus | None = None
    tag: str | None = None
    assignee_id: str | None = None
    creator_id: str | None = None
    repo_id: str | None = None
    file: str | None = None
    before: str | None = None
    limit: int = 50


class UserRepository(Protocol):
    """Users by id, email and username."""

    async def add(self, user: User) -> None: ...
    async def get(self, user_id: str) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def get_by_username(self, username: str) -> User | None: ...
    async def get_many(self, user_ids: list[str]) -> list[User]: ...
    async def list(self, *, limit: int, after: str | None = None) -> list[User]: ...
    async def update(self, user: User) -> None: ...


class TokenRepository(Protocol):
    """Access tokens, looked up by the hash of their value."""

    async def add(self, token: AccessToken) -> None: ...
    async def get_by_hash(self, token_hash: str) -> AccessToken | None: ...
    async def list_for_user(self, user_id: str) -> list[AccessToken]: ...
    async def update(self, token: AccessToken) -> None: ...
    async def revoke_all(self, user_id: str, *, keep_hash: str | None = None) -> int:
        """Revoke every unrevoked token of a user but the one whose hash is `keep_hash`; how
        many were revoked."""
        ...


class TeamRepository(Protocol):
    """Teams and their memberships."""

    async def add(self, team: Team) -> None: ...
    async def get(self, team_id: str) -> Team | None: ...
    async def update(self, team: Team) -> None: ...
    async def list_for_user(self, user_id: str) -> list[Team]: ...
    async def add_member(self, membership: Membership) -> None: ...
    async def get_membership(self, team_id: str, user_id: str) -> Membership | None: ...
    async def list_members(self, team_id: str) -> list[Membership]: ...
    async def remove_member(self, team_id: str, user_id: str) -> bool:
        """Take a user out of a team; True if they were in it."""
        ...


class RepoRepository(Protocol):
    """A team's code repositories."""

    async def add(self, repo: Repo) -> None: ...
    async def get(self, repo_id: str) -> Repo | None: ...
    async def find_by_normalized_url(self, team_id: str, normalized_url: str) -> Repo | None: ...
    async def list_for_team(self, team_id: str) -> list[Repo]: ...
    async def update(self, repo: Repo) -> None: ...


class CodemarkRepository(Protocol):
    """Codemarks with their markers, stored and loaded together."""

    async def add(self, codemark: Codemark) -> None: ...
    async def get(self, codemark_id: str, *, for_update: bool = False) -> Codemark | None:
        """The codemark; `for_update` locks its row until the unit of work ends (PostgreSQL;
        a SQLite writer holds the whole database already)."""
        ...

    async def update(self, codemark: Codemark) -> None: ...
    async def list(self, query: CodemarkQuery) -> list[Codemark]: ...
    async def search(self, query: CodemarkSearch) -> builtins.list[Codemark]:
        """A page of the live codemarks of `query.team_ids` having every word, newest first
        (the engine's full-text index; see `domain/search.py`)."""
        ...


class PostRepository(Protocol):
    """Replies on codemarks."""

    async def add(self, post: Post) -> None: ...
    async def get(self, post_id: str) -> Post | None: ...
    async def list_for_codemark(self, codemark_id: str) -> list[Post]: ...
    async def update(self, post: Post) -> None: ...
    async def last_for_codemark(self, codemark_id: str) -> Post | None:
        """The newest reply on a codemark (its card shows it), or None."""
        ...


class OutboxRepository(Protocol):
    """The durable outbox: a queue of messages to Teams, in order per conversation.

    Claiming happens in one unit of work: `due_heads`, `lock_tenants` (the organizations whose
    heads this worker paces now), then `claim` and `postpone` (the delivery worker paces by its
    send log in between); completing in another.
    """

    async def enqueue(self, item: NewOutboxItem, *, now: int, deadline_at: int) -> OutboxItem:
        """Store a message to send; it is durable when the unit of work commits."""
        ...

    async def enqueue_many(self, items: Sequence[tuple[NewOutboxItem, int]], *, now: int) -> None:
        """Store messages to send, in this order, each with its deadline (`enqueue` in bulk)."""
        ...

    async def enqueue_latest(
        self, items: Sequence[NewOutboxItem], *, now: int, deadline_at: int
    ) -> None:
        """Coalesce, for each item (one per conversation): if a row of its kind and operation
        waits in its conversation (queued or retrying: no worker holds it), that row takes the
        item's payload and `deadline_at`; otherwise the item is enqueued. Two callers for one
        conversation must be serialized by the caller's transaction (a lock on the rows they
        both change)."""
        ...

    async def refresh_waiting(
        self, share_id: str, operation: Operation, payload: dict[str, Any], *, now: int
    ) -> int:
        """The share's rows of this operation that no worker holds yet (queued or retrying)
        take `payload`; how many."""
        ...

    async def get(self, item_id: int) -> OutboxItem | None:
        """One item by id."""
        ...

    async def list_for_share(self, share_id: str) -> list[OutboxItem]:
        """A share's deliveries, oldest first (its status for the API and pages)."""
        ...

    async def lock_tenants(self, tenant_ids: Sequence[str]) -> set[str]:
        """Take the claim locks of these organizations (tenants) that no other claimer holds,
        until this unit of work ends; the ones taken. Pacing reads and writes the send log of
        a tenant's keys only under its lock; claims for other tenants go on meanwhile."""
        ...

    async def due_heads(self, *, now: int, limit: int, ahead_ms: int = 0) -> list[OutboxItem]:
        """Due rows that are first unsent in their conversation (queued/retrying whose time has
        come, or, for a first attempt, comes within `ahead_ms`, or sending with an expired
        lease), soonest first; locked against other claimers."""
        ...

    async def claim(
        self,
        item_ids: Sequence[int],
        *,
        worker_id: str,
        now: int,
        lease_until: int,
        ahead_ms: int = 0,
    ) -> list[OutboxItem]:
        """Mark due rows (`due_heads`' sense) as sending under this worker's lease; the rows
        this call claimed."""
        ...

    async def renew(
        self, item_ids: Sequence[int], *, worker_id: str, now: int, lease_until: int
    ) -> list[int]:
        """Extend the lease on the rows this worker still holds as sending; their ids."""
        ...

    async def postpone(self, item_ids: Sequence[int], *, until: int, now: int) -> None:
        """Move unclaimed rows' next attempt later (pacing): no attempt is counted."""
        ...

    async def prune_finished(self, *, before: int, limit: int) -> int:
        """Delete up to `limit` delivered or failed rows last changed before `before` (oldest
        first); how many went."""
        ...

    async def mark_sent(
        self, item_id: int, *, result_id: str | None, now: int, worker_id: str | None = None
    ) -> OutboxItem | None:
        """Record delivery (attempt counted): the row as now sent; None if it was already sent
        or failed, or (with `worker_id`) that worker no longer holds it."""
        ...

    async def mark_many_sent(
        self, results: Mapping[int, str | None], *, now: int, worker_id: str | None = None
    ) -> list[OutboxItem]:
        """`mark_sent` for several rows at once (row id: result id), in one statement; the rows
        now sent, by id (those no longer on their way, as for mark_sent, are not among them)."""
        ...

    async def mark_retrying(
        self,
        item_id: int,
        *,
        next_attempt_at: int,
        error: str,
        now: int,
        worker_id: str | None = None,
    ) -> OutboxItem | None:
        """An attempt failed and will be retried at `next_attempt_at`; None as for mark_sent."""
        ...

    async def mark_failed(
        self, item_id: int, *, error: str, now: int, worker_id: str | None = None
    ) -> OutboxItem | None:
        """An attempt failed for good: the row as now failed; None as for mark_sent."""
        ...

    async def release(self, worker_id: str, *, now: int) -> int:
        """Give back every row this worker holds as sending (shutdown): queued or retrying again,
        due now, no attempt counted. How many rows."""
        ...

    async def next_due_at(self, *, ahead_ms: int = 0) -> int | None:
        """When the soonest head-of-conversation row becomes claimable, if any is pending
        (`ahead_ms`: a first attempt becomes claimable that much before its time)."""
        ...

    async def depth(self) -> dict[DeliveryStatus, int]:
        """Row counts by status."""
        ...

    async def oldest_pending_at(self) -> int | None:
        """created_at of the oldest row not yet sent or failed (delivery lag)."""
        ...


class ShareRepository(Protocol):
    """Codemark shares (sharedTo), each holding where its card is in Teams once it is sent."""

    async def add(self, share: Share) -> None: ...
    async def get(self, share_id: str) -> Share | None: ...
    async def list_for_codemark(self, codemark_id: str) -> list[Share]: ...
    async def list_for_codemarks(self, codemark_ids: list[str]) -> list[Share]:
        """Shares of several codemarks, oldest first."""
        ...

    async def list_targets(self, team_id: str) -> list[ShareTarget]:
        """The Teams channels connected to a CodeStream team, where the bot still is."""
        ...

    async def find_by_thread(self, tenant_id: str, thread_id: str) -> Share | None:
        """The share whose card started a channel thread (`<channel>;messageid=<root>`, as the
        connector answered when the card was posted), or None."""
        ...

    async def mark_card_deleted(self, tenant_id: str, thread_id: str) -> Share | None:
        """The card that started this thread is gone from Teams: its share says so (status
        `card_deleted`) and gets no more updates. The share, or None if none started it."""
        ...

    async def record_delivery(self, card: OutboxItem) -> None:
        """Keep on its share how the card's outbox row finished (sent, with its thread and
        message id, or failed), so the share reports it once the outbox row is pruned."""
        ...

    async def deliveries(
        self, share_ids: list[str], *, lock: bool = False
    ) -> dict[str, ShareDelivery]:
        """Where each share's card is, by share id: its latest outbox row, else what the share
        kept when that row finished (absent: nothing enqueued); `lock`: until the transaction
        ends, no other may change those outbox rows (marking one sent waits, and is waited
        for)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: repositories that share it, committed on `commit()`.

    Leaving the `async with` block without a commit rolls everything back.
    """

    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def teams(self) -> TeamRepository: ...
    @property
    def repos(self) -> RepoRepository: ...
    @property
    def codemarks(self) -> CodemarkRepository: ...
    @property
    def posts(self) -> PostRepository: ...
    @property
    def msteams(self) -> MsTeamsRepository: ...
    @property
    def inbound(self) -> InboundActivityLog: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def shares(self) -> ShareRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work; a `read_only` one may only read, and waits for no writer."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords (argon2 outside the core). Both take a third of a second of
    CPU: the implementation runs them off the event loop, a bounded number at once, and raises
    ServerBusy when too many are waiting."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str, password: str) -> bool: ...


class CommonPasswords(Protocol):
    """A list of common and breached passwords (a library's, outside the core)."""

    def contains(self, password: str) -> bool: ...
