"""teams state, outbox, shares, send log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:17:08.147041
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "delivery_sends",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("pace_key", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_sends")),
    )
    with op.batch_alter_table("delivery_sends", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delivery_sends_pace_key_sent_at", ["pace_key", "sent_at"], unique=False
        )

    op.create_table(
        "inbound_activities",
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbound_activities")),
    )
    with op.batch_alter_table("inbound_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_activities_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "msteams_personal_chats",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("teams_user_id", sa.String(length=255), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("user_name", sa.String(length=255), nullable=False),
        sa.Column("service_url", sa.String(length=2048), nullable=False),
        sa.Column("bot_installed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msteams_personal_chats")),
    )
    with op.batch_alter_table("msteams_personal_chats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_msteams_personal_chats_tenant_user", ["tenant_id", "teams_user_id"], unique=False
        )

    op.create_table(
        "msteams_teams",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("aad_group_id", sa.String(length=64), nullable=True),
        sa.Column("service_url", sa.String(length=2048), nullable=False),
        sa.Column("bot_installed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msteams_teams")),
    )
    with op.batch_alter_table("msteams_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_msteams_teams_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "msteams_tenants",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_url", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msteams_tenants")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("service_url", sa.String(length=2048), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("deadline_at", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.BigInteger(), nullable=True),
        sa.Column("result_id", sa.String(length=255), nullable=True),
        sa.Column("share_id", sa.String(length=24), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_conversation_id_id", ["conversation_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_share_id"), ["share_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "msteams_channels",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("team_id", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["msteams_teams.id"],
            name=op.f("fk_msteams_channels_team_id_msteams_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msteams_channels")),
    )
    with op.batch_alter_table("msteams_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_msteams_channels_team_id"), ["team_id"], unique=False)

    op.create_table(
        "msteams_signin_grants",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("teams_user_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=True),
        sa.Column("team_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_msteams_signin_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msteams_signin_grants")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_msteams_signin_grants_code_hash")),
    )
    op.create_table(
        "msteams_user_links",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("teams_user_id", sa.String(length=255), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_msteams_user_links_user_id_users")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "teams_user_id", name=op.f("pk_msteams_user_links")),
    )
    with op.batch_alter_table("msteams_user_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_msteams_user_links_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "msteams_channel_connections",
        sa.Column("channel_id", sa.String(length=255), nullable=False),
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("connected_by", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("disconnected_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["msteams_channels.id"],
            name=op.f("fk_msteams_channel_connections_channel_id_msteams_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["connected_by"],
            ["users.id"],
            name=op.f("fk_msteams_channel_connections_connected_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_msteams_channel_connections_team_id_teams")
        ),
        sa.PrimaryKeyConstraint(
            "channel_id", "team_id", name=op.f("pk_msteams_channel_connections")
        ),
    )
    with op.batch_alter_table("msteams_channel_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_msteams_channel_connections_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "msteams_tenant_links",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("linked_by", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["linked_by"], ["users.id"], name=op.f("fk_msteams_tenant_links_linked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_msteams_tenant_links_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["msteams_tenants.id"],
            name=op.f("fk_msteams_tenant_links_tenant_id_msteams_tenants"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "team_id", name=op.f("pk_msteams_tenant_links")),
    )
    with op.batch_alter_table("msteams_tenant_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_msteams_tenant_links_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "codemark_shares",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("codemark_id", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("msteams_team_id", sa.String(length=255), nullable=False),
        sa.Column("team_name", sa.String(length=255), nullable=False),
        sa.Column("channel_id", sa.String(length=255), nullable=False),
        sa.Column("channel_name", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("created_by", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codemark_id"], ["codemarks.id"], name=op.f("fk_codemark_shares_codemark_id_codemarks")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_codemark_shares_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_codemark_shares_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codemark_shares")),
    )
    with op.batch_alter_table("codemark_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_codemark_shares_codemark_id"), ["codemark_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("codemark_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codemark_shares_codemark_id"))

    op.drop_table("codemark_shares")
    with op.batch_alter_table("msteams_tenant_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msteams_tenant_links_team_id"))

    op.drop_table("msteams_tenant_links")
    with op.batch_alter_table("msteams_channel_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msteams_channel_connections_team_id"))

    op.drop_table("msteams_channel_connections")
    with op.batch_alter_table("msteams_user_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msteams_user_links_user_id"))

    op.drop_table("msteams_user_links")
    op.drop_table("msteams_signin_grants")
    with op.batch_alter_table("msteams_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msteams_channels_team_id"))

    op.drop_table("msteams_channels")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_outbox_share_id"))
        batch_op.drop_index("ix_outbox_conversation_id_id")

    op.drop_table("outbox")
    op.drop_table("msteams_tenants")
    with op.batch_alter_table("msteams_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_msteams_teams_tenant_id"))

    op.drop_table("msteams_teams")
    with op.batch_alter_table("msteams_personal_chats", schema=None) as batch_op:
        batch_op.drop_index("ix_msteams_personal_chats_tenant_user")

    op.drop_table("msteams_personal_chats")
    with op.batch_alter_table("inbound_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_activities_received_at"))

    op.drop_table("inbound_activities")
    with op.batch_alter_table("delivery_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_sends_pace_key_sent_at")

    op.drop_table("delivery_sends")
