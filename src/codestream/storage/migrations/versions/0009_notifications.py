"""Personal notifications: settings, muted codemarks, pending events, messages sent

Events that concern a person (assigned, @mentioned, replied to) wait in `notifications_pending`
until their bundle is due; `notifications_sent` logs the messages of the last hour for the
per-person limit; `notification_settings` and `notification_mutes` hold what each person chose.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.String(24)


def _autoincrement_id() -> sa.Column[int]:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    return sa.Column("id", big, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "notification_settings",
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("assigned", sa.Boolean, nullable=False),
        sa.Column("mentioned", sa.Boolean, nullable=False),
        sa.Column("replies", sa.Boolean, nullable=False),
        sa.Column("replies_joined", sa.Boolean, nullable=False),
        sa.Column("muted_until", sa.BigInteger, nullable=True),
        sa.Column("unreachable_since", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("modified_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notification_mutes",
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("codemark_id", ID, primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notifications_pending",
        _autoincrement_id(),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("codemark_id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor_id", ID, nullable=False),
        sa.Column("post_id", ID, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("due_at", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_notifications_pending_user_id_due_at", "notifications_pending", ["user_id", "due_at"]
    )
    op.create_index("ix_notifications_pending_due_at", "notifications_pending", ["due_at"])
    op.create_table(
        "notifications_sent",
        _autoincrement_id(),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("sent_at", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_notifications_sent_user_id_sent_at", "notifications_sent", ["user_id", "sent_at"]
    )


def downgrade() -> None:
    op.drop_table("notifications_sent")
    op.drop_table("notifications_pending")
    op.drop_table("notification_mutes")
    op.drop_table("notification_settings")
