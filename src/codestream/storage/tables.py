"""Table definitions on one MetaData. Times are BIGINT milliseconds since the epoch."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

ID = sa.String(24)


def _times() -> list[sa.Column[int]]:
    return [
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("modified_at", sa.BigInteger, nullable=False),
    ]


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("username", sa.String(40), nullable=False, unique=True),
    sa.Column("full_name", sa.String(200), nullable=False, default=""),
    sa.Column("password_hash", sa.String(255), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    sa.Column("last_used_at", sa.BigInteger, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("creator_id", ID, sa.ForeignKey("users.id"), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
)

team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True, index=True),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

repos = sa.Table(
    "repos",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("remotes", sa.JSON, nullable=False),
    sa.Column("normalized_url", sa.String(1000), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_repos_team_url", "team_id", "normalized_url"),
)

codemarks = sa.Table(
    "codemarks",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("creator_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("title", sa.String(500), nullable=False, default=""),
    sa.Column("text", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("num_replies", sa.Integer, nullable=False, default=0),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_codemarks_team_id_id", "team_id", "id"),
)

codemark_tags = sa.Table(
    "codemark_tags",
    metadata,
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), primary_key=True),
    sa.Column("tag", sa.String(50), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_codemark_tags_tag", "tag"),
)

codemark_assignees = sa.Table(
    "codemark_assignees",
    metadata,
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True, index=True),
    sa.Column("position", sa.Integer, nullable=False),
)

markers = sa.Table(
    "markers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("repo_id", ID, sa.ForeignKey("repos.id"), nullable=True, index=True),
    sa.Column("file", sa.String(1024), nullable=False),
    sa.Column("line_start", sa.Integer, nullable=False),
    sa.Column("line_end", sa.Integer, nullable=False),
    sa.Column("column_start", sa.Integer, nullable=True),
    sa.Column("column_end", sa.Integer, nullable=True),
    sa.Column("code", sa.Text, nullable=False, default=""),
    sa.Column("commit_sha", sa.String(64), nullable=True),
    sa.Column("branch", sa.String(255), nullable=True),
    sa.Column("remote_code_url", sa.String(2000), nullable=True),
    sa.Column("language", sa.String(40), nullable=True),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), nullable=False),
    sa.Column("creator_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_posts_codemark_id_id", "codemark_id", "id"),
)
