"""outbox.request_id: the inbound request that queued a row

The log lines of one inbound activity (or API request) and of the sends of the rows it queued
carry the same request id; the row keeps it from the enqueue to its last attempt.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("request_id")
