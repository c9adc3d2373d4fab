"""What the core needs from the outside world, as Protocols. Storage implements them."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

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
from codestream.domain.outbox import NewOutboxItem, OutboxItem
from codestream.domain.shares import Share


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


class TeamRepository(Protocol):
    """Teams and their memberships."""

    async def add(self, team: Team) -> None: ...
    async def get(self, team_id: str) -> Team | None: ...
    async def update(self, team: Team) -> None: ...
    async def list_for_user(self, user_id: str) -> list[Team]: ...
    async def add_member(self, membership: Membership) -> None: ...
    async def get_membership(self, team_id: str, user_id: str) -> Membership | None: ...
    async def list_members(self, team_id: str) -> list[Membership]: ...


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
    async def get(self, codemark_id: str) -> Codemark | None: ...
    async def update(self, codemark: Codemark) -> None: ...
    async def list(self, query: CodemarkQuery) -> list[Codemark]: ...


class PostRepository(Protocol):
    """Replies on codemarks."""

    async def add(self, post: Post) -> None: ...
    async def get(self, post_id: str) -> Post | None: ...
    async def list_for_codemark(self, codemark_id: str) -> list[Post]: ...
    async def update(self, post: Post) -> None: ...


class MsTeamsRepository(Protocol):
    """Teams state: tenants, installed teams and channels, personal chats, links, connections,
    sign-in grants. (Methods are added as the bot needs them.)"""


class InboundActivityLog(Protocol):
    """Activity keys already handled, shared by every server process."""

    async def first_time(self, key: str, now: int) -> bool:
        """Record the key; True if it was new, False if some process recorded it before."""
        ...


class OutboxRepository(Protocol):
    """The durable outbox. (Claiming and completing are added by the delivery worker.)"""

    async def enqueue(self, item: NewOutboxItem, *, now: int, deadline_at: int) -> OutboxItem:
        """Store a message to send; it is durable when the unit of work commits."""
        ...


class ShareRepository(Protocol):
    """Codemark shares (sharedTo)."""

    async def add(self, share: Share) -> None: ...
    async def list_for_codemark(self, codemark_id: str) -> list[Share]: ...


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

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work."""

    def __call__(self) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords (argon2 outside the core)."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
