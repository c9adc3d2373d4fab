"""Request and response models: the API contract, separate from the domain entities."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from codestream.domain.models import Codemark, Marker, Membership, Post, Repo, Team, User

Id = Annotated[str, Field(min_length=1, max_length=64, description="An object id")]


class Model(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class ErrorDetail(Model):
    """One problem with the input."""

    field: str = Field(description="Where: a dotted path such as `markers.0.lineStart`")
    problem: str


class ErrorBody(Model):
    """What went wrong."""

    code: str = Field(description="Stable and machine-readable, e.g. `not_a_member`")
    message: str = Field(description="For people")
    field: str | None = Field(default=None, description="The input field at fault, if one is")
    details: list[ErrorDetail] | None = Field(
        default=None, description="Every problem found, for input that fails validation"
    )


class ErrorOut(Model):
    """Every error answer: `{"error": {"code", "message"}}`."""

    error: ErrorBody


class SignUp(Model):
    email: Annotated[str, Field(max_length=254)]
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    full_name: Annotated[str, Field(max_length=200)] = ""
    username: Annotated[str | None, Field(max_length=40)] = None


class LogIn(Model):
    email: Annotated[str, Field(max_length=254)]
    password: Annotated[str, Field(max_length=1024)]


class NewToken(Model):
    name: Annotated[str, Field(min_length=1, max_length=200)] = "api"


class UserOut(Model):
    id: str
    email: str
    username: str
    full_name: str
    created_at: int

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            username=user.username,
            full_name=user.full_name,
            created_at=user.created_at,
        )


class LoginOut(Model):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    user: UserOut


class TokenOut(Model):
    id: str
    name: str
    created_at: int
    expires_at: int | None
    last_used_at: int | None
    revoked: bool


class CreatedToken(TokenOut):
    access_token: str


class NewTeam(Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class TeamOut(Model):
    id: str
    name: str
    creator_id: str
    created_at: int

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        return cls(
            id=team.id, name=team.name, creator_id=team.creator_id, created_at=team.created_at
        )


class NewMember(Model):
    user: Annotated[str, Field(min_length=1, max_length=254, description="Email or username")]
    admin: bool = False


class MemberOut(Model):
    user: UserOut
    admin: bool
    joined_at: int

    @classmethod
    def of(cls, membership: Membership, user: User) -> MemberOut:
        return cls(
            user=UserOut.of(user), admin=membership.is_admin, joined_at=membership.created_at
        )


class NewRepo(Model):
    remotes: Annotated[
        list[Annotated[str, Field(max_length=1000)]], Field(min_length=1, max_length=20)
    ]
    name: Annotated[str | None, Field(max_length=200)] = None


class RepoOut(Model):
    id: str
    team_id: str
    name: str
    remotes: list[str]
    normalized_url: str
    created_at: int

    @classmethod
    def of(cls, repo: Repo) -> RepoOut:
        return cls(
            id=repo.id,
            team_id=repo.team_id,
            name=repo.name,
            remotes=list(repo.remotes),
            normalized_url=repo.normalized_url,
            created_at=repo.created_at,
        )


CodemarkTypeName = Literal["comment", "question", "issue", "bookmark"]
CodemarkStatusName = Literal["open", "closed"]


class NewMarkerIn(Model):
    file: Annotated[str, Field(min_length=1, max_length=1024)]
    line_start: Annotated[int, Field(ge=1, le=10_000_000)]
    line_end: Annotated[int, Field(ge=1, le=10_000_000)]
    column_start: Annotated[int | None, Field(ge=0, le=100_000)] = None
    column_end: Annotated[int | None, Field(ge=0, le=100_000)] = None
    code: Annotated[str, Field(max_length=100_000)] = ""
    repo_id: Id | None = None
    remotes: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=20)] = []
    commit_sha: Annotated[str | None, Field(max_length=64)] = None
    branch: Annotated[str | None, Field(max_length=255)] = None
    language: Annotated[str | None, Field(max_length=40)] = None


class NewCodemarkIn(Model):
    team_id: Id
    type: CodemarkTypeName = "comment"
    title: Annotated[str, Field(max_length=500)] = ""
    text: Annotated[str, Field(max_length=50_000)] = ""
    assignees: Annotated[list[Id], Field(max_length=20)] = []
    tags: Annotated[list[Annotated[str, Field(max_length=50)]], Field(max_length=20)] = []
    markers: Annotated[list[NewMarkerIn], Field(max_length=10)] = []
    shares: Annotated[
        list[ShareAtCreate],
        Field(max_length=20, description="Teams channels to share the new codemark to"),
    ] = []


class CodemarkPatch(Model):
    title: Annotated[str | None, Field(max_length=500)] = None
    text: Annotated[str | None, Field(max_length=50_000)] = None
    status: CodemarkStatusName | None = None
    assignees: Annotated[list[Id] | None, Field(max_length=20)] = None
    tags: Annotated[list[Annotated[str, Field(max_length=50)]] | None, Field(max_length=20)] = None


class MarkerOut(Model):
    id: str
    file: str
    line_start: int
    line_end: int
    column_start: int | None
    column_end: int | None
    code: str
    repo_id: str | None
    commit_sha: str | None
    branch: str | None
    language: str | None
    remote_code_url: str | None

    @classmethod
    def of(cls, marker: Marker) -> MarkerOut:
        return cls(
            id=marker.id,
            file=marker.file,
            line_start=marker.lines.start,
            line_end=marker.lines.end,
            column_start=marker.lines.start_column,
            column_end=marker.lines.end_column,
            code=marker.code,
            repo_id=marker.repo_id,
            commit_sha=marker.commit_sha,
            branch=marker.branch,
            language=marker.language,
            remote_code_url=marker.remote_code_url,
        )


class CodemarkOut(Model):
    id: str
    team_id: str
    creator_id: str
    type: CodemarkTypeName
    title: str
    text: str
    status: CodemarkStatusName
    origin: str
    assignees: list[str]
    tags: list[str]
    markers: list[MarkerOut]
    num_replies: int
    permalink: str
    created_at: int
    modified_at: int
    shared_to: list[SharedToOut] = Field(
        default=[], description="Where the codemark was shared, with each delivery's status"
    )

    @classmethod
    def of(cls, codemark: Codemark, public_url: str) -> CodemarkOut:
        return cls(
            id=codemark.id,
            team_id=codemark.team_id,
            creator_id=codemark.creator_id,
            type=codemark.type.value,
            title=codemark.title,
            text=codemark.text,
            status=codemark.status.value,
            origin=codemark.origin.value,
            assignees=list(codemark.assignees),
            tags=list(codemark.tags),
            markers=[MarkerOut.of(m) for m in codemark.markers],
            num_replies=codemark.num_replies,
            permalink=codemark.permalink(public_url),
            created_at=codemark.created_at,
            modified_at=codemark.modified_at,
        )


class CodemarkPage(Model):
    items: list[CodemarkOut]
    next_cursor: str | None


class NewReply(Model):
    text: Annotated[str, Field(min_length=1, max_length=50_000)]


class ReplyOut(Model):
    id: str
    codemark_id: str
    creator_id: str
    text: str
    origin: str
    created_at: int

    @classmethod
    def of(cls, post: Post) -> ReplyOut:
        return cls(
            id=post.id,
            codemark_id=post.codemark_id,
            creator_id=post.creator_id,
            text=post.text,
            origin=post.origin.value,
            created_at=post.created_at,
        )


# --- Shares (sharedTo) ---

ProviderName = Literal["msteams"]
ChannelId = Annotated[
    str, Field(min_length=1, max_length=255, description="A Teams channel id (`19:…`)")
]
DeliveryStatusName = Literal["queued", "sending", "retrying", "sent", "failed"]


class NewShares(Model):
    provider: ProviderName = Field(description="Where to share; only `msteams` for now")
    channel_ids: Annotated[list[ChannelId], Field(min_length=1, max_length=20)]


class ShareAtCreate(Model):
    provider: ProviderName
    channel_id: ChannelId


class SharedToOut(Model):
    """One share, in the original's `sharedTo` shape, with its delivery status."""

    id: str
    provider_id: ProviderName
    tenant_id: str
    team_id: str = Field(description="The Teams team's id")
    team_name: str
    channel_id: str
    channel_name: str
    post_id: str | None = Field(description="The Teams message id, once sent")
    url: str | None = Field(description="A link to the message in Teams, once sent")
    created_at: int
    created_by: str
    status: DeliveryStatusName
    attempts: int
    next_attempt_at: int | None = Field(description="When the next try is due (queued, retrying)")
    last_error: str | None = Field(description="Why the last try failed (retrying, failed)")
    sent_at: int | None


class ShareTargetOut(Model):
    """A Teams channel connected to the team, that codemarks can be shared to."""

    channel_id: str
    channel_name: str
    team_id: str = Field(description="The Teams team's id")
    team_name: str
    tenant_id: str
    name: str = Field(description="`team name/channel name`, as the CLI's --channel takes it")
