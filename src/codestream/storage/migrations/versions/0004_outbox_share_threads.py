"""outbox: find a shared card by the thread it started

A reply written in Teams under a shared codemark's card arrives with the thread's conversation id
(`<channel>;messageid=<root>`), which is the id the connector answered when the card was posted
(the outbox row's result_id). This partial index covers only the rows of shares, so the bot's own
replies (most of the outbox) cost nothing more to insert.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SHARES = "share_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_index(
            "ix_outbox_share_result_id",
            ["result_id"],
            unique=False,
            sqlite_where=sa.text(SHARES),
            postgresql_where=sa.text(SHARES),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_share_result_id")
