"""outbox: index only shares' rows by share; find finished rows to prune

The bot's own messages (answers, welcomes, replies) are most of the outbox and have no share, so
`ix_outbox_share_id` now covers shares' rows only: inserting an answer no longer writes an index
entry for a NULL. `ix_outbox_prunable_modified_at` lists finished rows that are not shares' cards
by age, so the delivery worker deletes the old ones without scanning the table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SHARES = "share_id IS NOT NULL"
PRUNABLE = "share_id IS NULL AND status IN ('sent', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_share_id")
        batch_op.create_index(
            "ix_outbox_share_id",
            ["share_id"],
            unique=False,
            sqlite_where=sa.text(SHARES),
            postgresql_where=sa.text(SHARES),
        )
        batch_op.create_index(
            "ix_outbox_prunable_modified_at",
            ["modified_at"],
            unique=False,
            sqlite_where=sa.text(PRUNABLE),
            postgresql_where=sa.text(PRUNABLE),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_prunable_modified_at")
        batch_op.drop_index("ix_outbox_share_id")
        batch_op.create_index("ix_outbox_share_id", ["share_id"], unique=False)
