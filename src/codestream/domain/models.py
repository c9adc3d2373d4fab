"""Entities and value objects. Times are integer milliseconds since the epoch (as the original)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class CodemarkType(StrEnum):
    """What a codemark is."""

    COMMENT = "comment"
    QUESTION = "question"
    ISSUE = "issue"
    BOOKMARK = "bookmark"


class CodemarkStatus(StrEnum):
    """Whether a codemark still needs attention."""

    OPEN = "open"
    CLOSED = "closed"


class Origin(StrEnum):
    """Where a codemark or reply was written."""

    IDE = "ide"
    WEB = "web"
    CLI = "cli"
    API = "api"
    TEAMS = "teams"


@dataclass(frozen=True)
class User:
    """A person with a CodeStream account."""

    id: str
    email: str
    username: str
    full_name: str
    password_hash: str
    created_at: int
    modified_at: int
    deactivated: bool = False


@dataclass(frozen=True)
class AccessToken:
    """A bearer token; only its SHA-256 is stored, the value is shown once at issue."""

    id: str
    user_id: str
    token_hash: str
    name: str
    created_at: int
    expires_at: int | None
    last_used_at: int | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Team:
    """A CodeStream team: the unit that owns codemarks and repos."""

    id: str
    name: str
    creator_id: str
    created_at: int
    modified_at: int
    deactivated: bool = False


@dataclass(frozen=True)
class Membership:
    """A user's place in a team."""

    team_id: str
    user_id: str
    is_admin: bool
    created_at: int


@dataclass(frozen=True)
class Repo:
    """A code repository known to a team, identified by its normalized remote URL."""

    id: str
    team_id: str
    name: str
    remotes: tuple[str, ...]
    normalized_url: str
    created_at: int
    modified_at: int
    deactivated: bool = False


@dataclass(frozen=True)
class LineRange:
    """Lines (1-based, inclusive) and optional columns of a marker."""

    start: int
    end: int
    start_column: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Marker:
    """Where a codemark points in the code, as it was when the codemark was made."""

    id: str
    codemark_id: str
    file: str
    lines: LineRange
    code: str
    repo_id: str | None = None
    commit_sha: str | None = None
    branch: str | None = None
    remote_code_url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Codemark:
    """A comment, question, issue or bookmark, attached to code by its markers."""

    id: str
    team_id: str
    creator_id: str
    type: CodemarkType
    title: str
    text: str
    status: CodemarkStatus
    origin: Origin
    created_at: int
    modified_at: int
    assignees: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    markers: tuple[Marker, ...] = ()
    num_replies: int = 0
    deactivated: bool = False

    def permalink(self, public_url: str) -> str:
        """The web page that shows this codemark."""
        return f"{public_url.rstrip('/')}/c/{self.id}"


@dataclass(frozen=True)
class Post:
    """A reply on a codemark."""

    id: str
    team_id: str
    codemark_id: str
    creator_id: str
    text: str
    origin: Origin
    created_at: int
    modified_at: int
    deactivated: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; `next_cursor` is None on the last page."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None
