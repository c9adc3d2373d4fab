"""Invoke answers kept in the database: a re-sent invoke gets the same answer on any server

Until now the answer to an invoke was remembered in the memory of the server that gave it, so a
re-send reaching another server (several `codestream serve` behind a load balancer) got an
empty 200 instead of the card. The answers table is written with the turn that answered.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_answers",
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("answered_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbound_answers")),
    )
    with op.batch_alter_table("inbound_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_answers_answered_at"), ["answered_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_answers_answered_at"))
    op.drop_table("inbound_answers")
