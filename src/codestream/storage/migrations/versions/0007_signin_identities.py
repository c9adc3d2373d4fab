"""Sign-in names who is linked: the Teams user's email and organization on the grant and tenant

The sign-in page names the Teams account being linked (its email, from Teams' member lookup)
and its organization (the domain of the user's sign-in name), so a grant keeps both, with the
Teams display name. A tenant keeps the domain it was first linked under, so share targets can
tell two channels with the same names in different organizations apart.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GRANT_COLUMNS = ("teams_user_email", "teams_user_name", "tenant_domain")


def upgrade() -> None:
    with op.batch_alter_table("msteams_signin_grants") as batch_op:
        batch_op.add_column(sa.Column("teams_user_email", sa.String(320), nullable=True))
        batch_op.add_column(sa.Column("teams_user_name", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("tenant_domain", sa.String(255), nullable=True))
    with op.batch_alter_table("msteams_tenants") as batch_op:
        batch_op.add_column(sa.Column("domain", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("msteams_tenants") as batch_op:
        batch_op.drop_column("domain")
    with op.batch_alter_table("msteams_signin_grants") as batch_op:
        for column in reversed(GRANT_COLUMNS):
            batch_op.drop_column(column)
