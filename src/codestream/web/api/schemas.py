"""Request and response models: the API contract, separate from the domain entities."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from codestream.domain.models import Codemark, Marker, Membership, Post, User

Id = Annotated[str, Field(min_length=1, max_length=64, description="An object id")]


class Model(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    @classmethod
    def of(cls, *sources: object, **given: Any) -> Self:
        """The model of domain objects: each field from `given`, else from the first source
        with an attribute of the field's name. One mapper, so a field list is written once."""
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            if name in given:
                values[name] = given[name]
                continue
            for source in sources:
                if hasattr(source, name):
                    values[name] = getattr(source, name)
                    break
        return cls(**values)


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
    # The password policy (length, common passwords) answers with `weak_password`.
    password: Annotated[str, Field(max_length=1024)]
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


class NewMember(Model):
    user: Annotated[str, Field(min_length=1, max_length=254, description="Email or username")]
    admin: bool = False


class MemberOut(Model):
    user: UserOut
    admin: bool
    joined_at: int

    @classmethod
    def of_membership(cls, membership: Membership, user: User) -> MemberOut:
        """A member as the API shows it."""
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
    def of_marker(cls, marker: Marker) -> MarkerOut:
        """A marker as the API shows it: its line range spelled out."""
        lines = marker.lines
        return cls.of(
            marker,
            line_start=lines.start,
            line_end=lines.end,
            column_start=lines.start_column,
            column_end=lines.end_column,
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
    def of_codemark(cls, codemark: Codemark, public_url: str) -> CodemarkOut:
        """A codemark as the API shows it, with its permalink on `public_url`."""
        return cls.of(
            codemark,
            type=codemark.type.value,
            status=codemark.status.value,
            origin=codemark.origin.value,
            markers=[MarkerOut.of_marker(m) for m in codemark.markers],
            permalink=codemark.permalink(public_url),
            shared_to=[],
        )


class CodemarkPage(Model):
    items: list[CodemarkOut]
    next_cursor: str | None


ClientOriginName = Literal["api", "cli", "ide"]


class NewReply(Model):
    text: Annotated[str, Field(min_length=1, max_length=50_000)]
    origin: ClientOriginName = Field(
        "api",
        description="Where the reply was written, shown with it: `api` (default), `cli` (the "
        "`codestream` command) or `ide`. Replies from the web page and Microsoft Teams get `web` "
        "and `teams` from the server.",
    )


class ReplyOut(Model):
    id: str
    codemark_id: str
    creator_id: str
    text: str
    origin: str
    created_at: int

    @classmethod
    def of_post(cls, post: Post) -> ReplyOut:
        """A reply as the API shows it."""
        return cls.of(post, origin=post.origin.value)


# --- Shares (sharedTo) ---

ProviderName = Literal["msteams"]
ChannelId = Annotated[
    str, Field(min_length=1, max_length=255, description="A Teams channel id (`19:…`)")
]
DeliveryStatusName = Literal["queued", "sending", "retrying", "sent", "failed", "card_deleted"]
"""Where a share's card is: on its way, in Teams, failed, or deleted in Teams (no more updates)."""


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
    organization: str = Field(
        description="The Microsoft organization: its domain (else its tenant id), which tells "
        "apart two channels with the same team and channel names in different organizations"
    )
    name: str = Field(description="`team name/channel name`, as the CLI's --channel takes it")
