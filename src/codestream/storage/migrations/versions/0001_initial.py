"""initial schema: users, tokens, teams, repos, codemarks, markers, posts

Revision ID: 0001
Revises:
Create Date: 2026-11-27 21:43:03.487511
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("deactivated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("deactivated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["users.id"], name=op.f("fk_teams_creator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "codemarks",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("creator_id", sa.String(length=24), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("num_replies", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("deactivated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["users.id"], name=op.f("fk_codemarks_creator_id_users")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_codemarks_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codemarks")),
    )
    with op.batch_alter_table("codemarks", schema=None) as batch_op:
        batch_op.create_index("ix_codemarks_team_id_id", ["team_id", "id"], unique=False)

    op.create_table(
        "repos",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("remotes", sa.JSON(), nullable=False),
        sa.Column("normalized_url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("deactivated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_repos_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repos")),
    )
    with op.batch_alter_table("repos", schema=None) as batch_op:
        batch_op.create_index("ix_repos_team_url", ["team_id", "normalized_url"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "codemark_assignees",
        sa.Column("codemark_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codemark_id"],
            ["codemarks.id"],
            name=op.f("fk_codemark_assignees_codemark_id_codemarks"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_codemark_assignees_user_id_users")
        ),
        sa.PrimaryKeyConstraint("codemark_id", "user_id", name=op.f("pk_codemark_assignees")),
    )
    with op.batch_alter_table("codemark_assignees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_codemark_assignees_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "codemark_tags",
        sa.Column("codemark_id", sa.String(length=24), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codemark_id"], ["codemarks.id"], name=op.f("fk_codemark_tags_codemark_id_codemarks")
        ),
        sa.PrimaryKeyConstraint("codemark_id", "tag", name=op.f("pk_codemark_tags")),
    )
    with op.batch_alter_table("codemark_tags", schema=None) as batch_op:
        batch_op.create_index("ix_codemark_tags_tag", ["tag"], unique=False)

    op.create_table(
        "markers",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("codemark_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.String(length=24), nullable=True),
        sa.Column("file", sa.String(length=1024), nullable=False),
        sa.Column("line_start", sa.Integer(), nullable=False),
        sa.Column("line_end", sa.Integer(), nullable=False),
        sa.Column("column_start", sa.Integer(), nullable=True),
        sa.Column("column_end", sa.Integer(), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("commit_sha", sa.String(length=64), nullable=True),
        sa.Column("branch", sa.String(length=255), nullable=True),
        sa.Column("remote_code_url", sa.String(length=2000), nullable=True),
        sa.Column("language", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["codemark_id"], ["codemarks.id"], name=op.f("fk_markers_codemark_id_codemarks")
        ),
        sa.ForeignKeyConstraint(["repo_id"], ["repos.id"], name=op.f("fk_markers_repo_id_repos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_markers")),
    )
    with op.batch_alter_table("markers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_markers_codemark_id"), ["codemark_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_markers_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "posts",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("codemark_id", sa.String(length=24), nullable=False),
        sa.Column("creator_id", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("deactivated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codemark_id"], ["codemarks.id"], name=op.f("fk_posts_codemark_id_codemarks")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["users.id"], name=op.f("fk_posts_creator_id_users")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_posts_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_codemark_id_id", ["codemark_id", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_codemark_id_id")

    op.drop_table("posts")
    with op.batch_alter_table("markers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_markers_repo_id"))
        batch_op.drop_index(batch_op.f("ix_markers_codemark_id"))

    op.drop_table("markers")
    with op.batch_alter_table("codemark_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_codemark_tags_tag")

    op.drop_table("codemark_tags")
    with op.batch_alter_table("codemark_assignees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codemark_assignees_user_id"))

    op.drop_table("codemark_assignees")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_user_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("repos", schema=None) as batch_op:
        batch_op.drop_index("ix_repos_team_url")

    op.drop_table("repos")
    with op.batch_alter_table("codemarks", schema=None) as batch_op:
        batch_op.drop_index("ix_codemarks_team_id_id")

    op.drop_table("codemarks")
    op.drop_table("teams")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_user_id"))

    op.drop_table("access_tokens")
    op.drop_table("users")
