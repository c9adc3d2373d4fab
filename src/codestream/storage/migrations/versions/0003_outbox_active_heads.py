"""outbox: index only the rows still on their way, by conversation

Finding each conversation's first unsent row used to group every active row; with this partial
index it is one index seek per conversation (storage/outbox.py, SqlOutbox._heads). The index on
(status, next_attempt_at) served only that old query, and misled SQLite's planner away from the
new one: it goes (one index less to update per queued message, too).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('queued', 'sending', 'retrying')"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_conversation_id_id")
        batch_op.drop_index("ix_outbox_status_next_attempt_at")
        batch_op.create_index(
            "ix_outbox_active_conversation_id_id",
            ["conversation_id", "id"],
            unique=False,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_active_conversation_id_id")
        batch_op.create_index(
            "ix_outbox_conversation_id_id", ["conversation_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
