"""codemark_shares: a share holds its card's thread and outcome; every finished outbox row may go

A reply in Teams under a shared card names the card's thread; the share row now holds it
(`thread_id`, indexed) with the card's message id, instead of the lookup joining into the outbox.
The share also keeps how its card's outbox row finished (status, attempts, sent_at, last_error),
so its reported status survives the pruning of that row, and finished rows of shares are pruned
like any other. Shares already sent or failed are filled in from their newest outbox row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SHARES = "share_id IS NOT NULL"
OLD_PRUNABLE = "share_id IS NULL AND status IN ('sent', 'failed')"
PRUNABLE = "status IN ('sent', 'failed')"
THREAD_MARKER = ";messageid="


def upgrade() -> None:
    with op.batch_alter_table("codemark_shares") as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer, nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.BigInteger, nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(1000), nullable=True))
        batch_op.create_index("ix_codemark_shares_thread_id", ["thread_id"], unique=False)
    _backfill()
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_share_result_id")
        batch_op.drop_index("ix_outbox_prunable_modified_at")
        batch_op.create_index(
            "ix_outbox_prunable_modified_at",
            ["modified_at"],
            unique=False,
            sqlite_where=sa.text(PRUNABLE),
            postgresql_where=sa.text(PRUNABLE),
        )


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT share_id, status, attempts, sent_at, last_error, result_id FROM outbox "
            "WHERE id IN (SELECT max(id) FROM outbox WHERE share_id IS NOT NULL "
            "GROUP BY share_id) AND status IN ('sent', 'failed')"
        )
    ).all()
    update = sa.text(
        "UPDATE codemark_shares SET status = :status, attempts = :attempts, "
        "sent_at = :sent_at, last_error = :last_error, thread_id = :thread_id, "
        "message_id = COALESCE(message_id, :message_id) WHERE id = :share_id"
    )
    for share_id, status, attempts, sent_at, last_error, result_id in rows:
        sent = status == "sent" and bool(result_id)
        _, found, root = (result_id or "").partition(THREAD_MARKER)
        bind.execute(
            update,
            {
                "share_id": share_id,
                "status": status,
                "attempts": attempts,
                "sent_at": sent_at,
                "last_error": last_error,
                "thread_id": result_id if sent else None,
                "message_id": ((root if found else "") or result_id) if sent else None,
            },
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_prunable_modified_at")
        batch_op.create_index(
            "ix_outbox_prunable_modified_at",
            ["modified_at"],
            unique=False,
            sqlite_where=sa.text(OLD_PRUNABLE),
            postgresql_where=sa.text(OLD_PRUNABLE),
        )
        batch_op.create_index(
            "ix_outbox_share_result_id",
            ["result_id"],
            unique=False,
            sqlite_where=sa.text(SHARES),
            postgresql_where=sa.text(SHARES),
        )
    with op.batch_alter_table("codemark_shares") as batch_op:
        batch_op.drop_index("ix_codemark_shares_thread_id")
        for column in ("last_error", "sent_at", "attempts", "status", "thread_id"):
            batch_op.drop_column(column)
