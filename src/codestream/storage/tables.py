"""Table definitions on one MetaData. Times are BIGINT milliseconds since the epoch."""

from __future__ import annotations

import sqlalchemy as sa

from codestream.domain.outbox import DeliveryStatus

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

ID = sa.String(24)

ACTIVE = (DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value, DeliveryStatus.RETRYING.value)
"""Statuses of outbox rows still on their way."""
OUTBOX_ACTIVE = f"status IN ({', '.join(repr(status) for status in ACTIVE)})"
"""The same as literal SQL: a query finds the partial index on these rows only when its
condition is written the same way (SQLite does not see through parameters)."""
OUTBOX_SHARES = "share_id IS NOT NULL"
"""The rows of shares' cards, which the thread lookup's partial index covers."""
FINISHED = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value)
"""Statuses of outbox rows whose delivery is over."""
OUTBOX_PRUNABLE = f"status IN ({', '.join(repr(status) for status in FINISHED)})"
"""Finished rows: nothing needs them once delivered (a share keeps its card's outcome and thread
on its own row), so they are deleted after a while."""


def _times() -> list[sa.Column[int]]:
    return [
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("modified_at", sa.BigInteger, nullable=False),
    ]


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("username", sa.String(40), nullable=False, unique=True),
    sa.Column("full_name", sa.String(200), nullable=False, default=""),
    sa.Column("password_hash", sa.String(255), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    sa.Column("last_used_at", sa.BigInteger, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("creator_id", ID, sa.ForeignKey("users.id"), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
)

team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True, index=True),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

repos = sa.Table(
    "repos",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("remotes", sa.JSON, nullable=False),
    sa.Column("normalized_url", sa.String(1000), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_repos_team_url", "team_id", "normalized_url"),
)

codemarks = sa.Table(
    "codemarks",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("creator_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("title", sa.String(500), nullable=False, default=""),
    sa.Column("text", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("num_replies", sa.Integer, nullable=False, default=0),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_codemarks_team_id_id", "team_id", "id"),
)

codemark_tags = sa.Table(
    "codemark_tags",
    metadata,
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), primary_key=True),
    sa.Column("tag", sa.String(50), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_codemark_tags_tag", "tag"),
)

codemark_assignees = sa.Table(
    "codemark_assignees",
    metadata,
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True, index=True),
    sa.Column("position", sa.Integer, nullable=False),
)

markers = sa.Table(
    "markers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("repo_id", ID, sa.ForeignKey("repos.id"), nullable=True, index=True),
    sa.Column("file", sa.String(1024), nullable=False),
    sa.Column("line_start", sa.Integer, nullable=False),
    sa.Column("line_end", sa.Integer, nullable=False),
    sa.Column("column_start", sa.Integer, nullable=True),
    sa.Column("column_end", sa.Integer, nullable=True),
    sa.Column("code", sa.Text, nullable=False, default=""),
    sa.Column("commit_sha", sa.String(64), nullable=True),
    sa.Column("branch", sa.String(255), nullable=True),
    sa.Column("remote_code_url", sa.String(2000), nullable=True),
    sa.Column("language", sa.String(40), nullable=True),
)

codemark_search = sa.Table(
    "codemark_search",
    metadata,
    # One row per live codemark: its words (domain/search.py), kept by storage/codemarks.py.
    # The engines' full-text indexes over `words` are not portable, so they are not described
    # here: see storage/search.py and migration 0008.
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), primary_key=True),
    sa.Column("team_id", ID, nullable=False),
    sa.Column("words", sa.Text, nullable=False),
    sa.Index("ix_codemark_search_team_id_codemark_id", "team_id", "codemark_id"),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), nullable=False),
    sa.Column("creator_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    *_times(),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_posts_codemark_id_id", "codemark_id", "id"),
)


# --- Microsoft Teams: where the bot is installed, who is linked, which channels are connected ---

TEAMS_ID = sa.String(255)
"""Teams ids: `19:…@thread.tacv2` teams and channels, `29:…` users, `a:…` personal chats."""

msteams_tenants = sa.Table(
    "msteams_tenants",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("service_url", sa.String(2048), nullable=False),
    sa.Column("domain", sa.String(255), nullable=True),
    *_times(),
)
"""`domain`: the organization's label, from the sign-in name of the user who first linked it."""

msteams_tenant_links = sa.Table(
    "msteams_tenant_links",
    metadata,
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("msteams_tenants.id"), primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), primary_key=True, index=True),
    sa.Column("linked_by", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

msteams_teams = sa.Table(
    "msteams_teams",
    metadata,
    sa.Column("id", TEAMS_ID, primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False, default=""),
    sa.Column("aad_group_id", sa.String(64), nullable=True),
    sa.Column("service_url", sa.String(2048), nullable=False),
    sa.Column("bot_installed", sa.Boolean, nullable=False, default=True),
    *_times(),
)

msteams_channels = sa.Table(
    "msteams_channels",
    metadata,
    sa.Column("id", TEAMS_ID, primary_key=True),
    sa.Column("team_id", TEAMS_ID, sa.ForeignKey("msteams_teams.id"), nullable=False, index=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    *_times(),
)

msteams_channel_connections = sa.Table(
    "msteams_channel_connections",
    metadata,
    sa.Column("channel_id", TEAMS_ID, sa.ForeignKey("msteams_channels.id"), primary_key=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), primary_key=True, index=True),
    sa.Column("connected_by", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("disconnected_at", sa.BigInteger, nullable=True),
)

msteams_personal_chats = sa.Table(
    "msteams_personal_chats",
    metadata,
    sa.Column("id", TEAMS_ID, primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("teams_user_id", TEAMS_ID, nullable=False),
    sa.Column("aad_object_id", sa.String(64), nullable=True),
    sa.Column("user_name", sa.String(255), nullable=False, default=""),
    sa.Column("service_url", sa.String(2048), nullable=False),
    sa.Column("bot_installed", sa.Boolean, nullable=False, default=True),
    *_times(),
    sa.Index("ix_msteams_personal_chats_tenant_user", "tenant_id", "teams_user_id"),
)

msteams_user_links = sa.Table(
    "msteams_user_links",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("teams_user_id", TEAMS_ID, primary_key=True),
    sa.Column("aad_object_id", sa.String(64), nullable=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

msteams_signin_grants = sa.Table(
    "msteams_signin_grants",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("teams_user_id", TEAMS_ID, nullable=False),
    sa.Column("conversation_id", TEAMS_ID, nullable=False),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("team_ids", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("used_at", sa.BigInteger, nullable=True),
    sa.Column("teams_user_email", sa.String(320), nullable=True),
    sa.Column("teams_user_name", sa.String(255), nullable=True),
    sa.Column("tenant_domain", sa.String(255), nullable=True),
)
"""Sign-in state nonces (single use) and the one-time codes shown for the paste-a-code path."""

inbound_activities = sa.Table(
    "inbound_activities",
    metadata,
    sa.Column("key", sa.String(600), primary_key=True),
    sa.Column("received_at", sa.BigInteger, nullable=False, index=True),
)
"""Activity ids already handled, so a re-sent activity is handled once, across processes."""

inbound_answers = sa.Table(
    "inbound_answers",
    metadata,
    sa.Column("key", sa.String(600), primary_key=True),
    sa.Column("answer", sa.JSON, nullable=False),
    sa.Column("answered_at", sa.BigInteger, nullable=False, index=True),
)
"""The answers given to invokes (their status and body), by activity key: a re-sent invoke gets
the same answer whichever server it reaches. Kept for a short while only (pruning.py)."""


# --- Delivery: the durable outbox, shares, and the send log that paces us to Teams' limits ---

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("service_url", sa.String(2048), nullable=False),
    sa.Column("conversation_id", TEAMS_ID, nullable=False),
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
    sa.Column("deadline_at", sa.BigInteger, nullable=False),
    sa.Column("last_error", sa.String(1000), nullable=True),
    sa.Column("claimed_by", sa.String(100), nullable=True),
    sa.Column("claimed_until", sa.BigInteger, nullable=True),
    sa.Column("result_id", TEAMS_ID, nullable=True),
    sa.Column("share_id", ID, nullable=True),
    *_times(),
    sa.Column("sent_at", sa.BigInteger, nullable=True),
    sa.Column("request_id", sa.String(32), nullable=True),
    sa.Index(
        "ix_outbox_active_conversation_id_id",
        "conversation_id",
        "id",
        sqlite_where=sa.text(OUTBOX_ACTIVE),
        postgresql_where=sa.text(OUTBOX_ACTIVE),
    ),
    # Only shares' rows have a share_id: the bot's answers (most rows) skip both indexes.
    sa.Index(
        "ix_outbox_share_id",
        "share_id",
        sqlite_where=sa.text(OUTBOX_SHARES),
        postgresql_where=sa.text(OUTBOX_SHARES),
    ),
    # The oldest finished rows that may go (the worker's prune), without reading the others.
    sa.Index(
        "ix_outbox_prunable_modified_at",
        "modified_at",
        sqlite_where=sa.text(OUTBOX_PRUNABLE),
        postgresql_where=sa.text(OUTBOX_PRUNABLE),
    ),
)

codemark_shares = sa.Table(
    "codemark_shares",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("codemark_id", ID, sa.ForeignKey("codemarks.id"), nullable=False, index=True),
    sa.Column("team_id", ID, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("provider", sa.String(16), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("msteams_team_id", TEAMS_ID, nullable=False),
    sa.Column("team_name", sa.String(255), nullable=False),
    sa.Column("channel_id", TEAMS_ID, nullable=False),
    sa.Column("channel_name", sa.String(255), nullable=False),
    sa.Column("message_id", TEAMS_ID, nullable=True),
    sa.Column("url", sa.String(2048), nullable=True),
    sa.Column("created_by", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # A reply in Teams names its thread; this finds the share whose card started it.
    sa.Column("thread_id", TEAMS_ID, nullable=True, index=True),
    # How the card's outbox row finished (sent or failed), kept for when that row is pruned.
    sa.Column("status", sa.String(16), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=True),
    sa.Column("sent_at", sa.BigInteger, nullable=True),
    sa.Column("last_error", sa.String(1000), nullable=True),
)

delivery_sends = sa.Table(
    "delivery_sends",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("pace_key", sa.String(300), nullable=False),
    sa.Column("sent_at", sa.BigInteger, nullable=False),
    sa.Index("ix_delivery_sends_pace_key_sent_at", "pace_key", "sent_at"),
)
"""One row per connector call, by conversation and by tenant: the sliding windows of the limits."""

notification_settings = sa.Table(
    "notification_settings",
    metadata,
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("assigned", sa.Boolean, nullable=False),
    sa.Column("mentioned", sa.Boolean, nullable=False),
    sa.Column("replies", sa.Boolean, nullable=False),
    sa.Column("replies_joined", sa.Boolean, nullable=False),
    sa.Column("muted_until", sa.BigInteger, nullable=True),
    sa.Column("unreachable_since", sa.BigInteger, nullable=True),
    *_times(),
)
"""A person's notification switches, mute and reachability (no row: the defaults)."""

notification_mutes = sa.Table(
    "notification_mutes",
    metadata,
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("codemark_id", ID, primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)
"""Codemarks a person muted ("Mute this codemark")."""

notifications_pending = sa.Table(
    "notifications_pending",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("user_id", ID, nullable=False),
    sa.Column("codemark_id", ID, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("actor_id", ID, nullable=False),
    sa.Column("post_id", ID, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("due_at", sa.BigInteger, nullable=False),
    sa.Index("ix_notifications_pending_user_id_due_at", "user_id", "due_at"),
    sa.Index("ix_notifications_pending_due_at", "due_at"),
)
"""Events waiting to be bundled into one person's next message."""

notifications_sent = sa.Table(
    "notifications_sent",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("user_id", ID, nullable=False),
    sa.Column("sent_at", sa.BigInteger, nullable=False),
    sa.Index("ix_notifications_sent_user_id_sent_at", "user_id", "sent_at"),
)
"""When a message went to a person: the hourly limit's window (pruned after an hour)."""
