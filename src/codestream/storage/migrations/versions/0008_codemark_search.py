"""Codemark search: a row of words per live codemark and each engine's full-text index over it

The message extension's search (`composeExtension/query`) finds codemarks by title, text, file
path, repo and tag. Each live codemark gets a row in `codemark_search` with those as words
(`domain/search.py`), rewritten by the storage with each write of the codemark. SQLite indexes it
with FTS5 (external content, kept by triggers); PostgreSQL with a generated tsvector column and a
GIN index. Existing codemarks are indexed here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 21:45:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from codestream.domain.search import document

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE codemark_search_fts USING fts5(words, content='codemark_search', "
    "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER codemark_search_ai AFTER INSERT ON codemark_search BEGIN "
    "INSERT INTO codemark_search_fts(rowid, words) VALUES (new.rowid, new.words); END",
    "CREATE TRIGGER codemark_search_ad AFTER DELETE ON codemark_search BEGIN "
    "INSERT INTO codemark_search_fts(codemark_search_fts, rowid, words) "
    "VALUES ('delete', old.rowid, old.words); END",
    "CREATE TRIGGER codemark_search_au AFTER UPDATE ON codemark_search BEGIN "
    "INSERT INTO codemark_search_fts(codemark_search_fts, rowid, words) "
    "VALUES ('delete', old.rowid, old.words); "
    "INSERT INTO codemark_search_fts(rowid, words) VALUES (new.rowid, new.words); END",
)
POSTGRES_INDEX = (
    "ALTER TABLE codemark_search ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_codemark_search_tsv ON codemark_search USING gin (tsv)",
)


def upgrade() -> None:
    op.create_table(
        "codemark_search",
        sa.Column("codemark_id", sa.String(24), nullable=False),
        sa.Column("team_id", sa.String(24), nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["codemark_id"],
            ["codemarks.id"],
            name="fk_codemark_search_codemark_id_codemarks",
        ),
        sa.PrimaryKeyConstraint("codemark_id", name="pk_codemark_search"),
    )
    op.create_index(
        "ix_codemark_search_team_id_codemark_id", "codemark_search", ["team_id", "codemark_id"]
    )
    bind = op.get_bind()
    for statement in POSTGRES_INDEX if bind.dialect.name == "postgresql" else SQLITE_INDEX:
        op.execute(statement)
    _index_existing(bind)


def _index_existing(bind: sa.engine.Connection) -> None:
    """Index the codemarks stored before this revision (their words, as storage writes them)."""
    files: dict[str, list[str]] = defaultdict(list)
    repo_ids: dict[str, set[str]] = defaultdict(set)
    for row in bind.execute(sa.text("SELECT codemark_id, file, repo_id FROM markers")):
        files[row.codemark_id].append(row.file)
        if row.repo_id is not None:
            repo_ids[row.codemark_id].add(row.repo_id)
    tags: dict[str, list[str]] = defaultdict(list)
    for row in bind.execute(sa.text("SELECT codemark_id, tag FROM codemark_tags")):
        tags[row.codemark_id].append(row.tag)
    repo_names = {row.id: row.name for row in bind.execute(sa.text("SELECT id, name FROM repos"))}
    found = bind.execute(
        # Oldest first: on SQLite the rows' order is the search's newest-first order.
        sa.text(
            "SELECT id, team_id, title, text FROM codemarks WHERE deactivated = :no ORDER BY id"
        ),
        {"no": False},
    )
    rows = [
        {
            "codemark_id": row.id,
            "team_id": row.team_id,
            "words": document(
                row.title,
                row.text,
                tags[row.id],
                files[row.id],
                [repo_names[r] for r in sorted(repo_ids[row.id]) if r in repo_names],
            ),
        }
        for row in found
    ]
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO codemark_search (codemark_id, team_id, words) "
                "VALUES (:codemark_id, :team_id, :words)"
            ),
            rows,
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("codemark_search_ai", "codemark_search_ad", "codemark_search_au"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE codemark_search_fts")
    op.drop_index("ix_codemark_search_team_id_codemark_id", table_name="codemark_search")
    op.drop_table("codemark_search")
