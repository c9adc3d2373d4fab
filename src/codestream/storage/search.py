"""Full-text search over codemarks: the engine-specific part.

Both engines index the table `codemark_search` (codemark id, team id, words; see tables.py),
which `storage/codemarks.py` keeps in step with every codemark it writes:

- SQLite: an FTS5 index with external content (`codemark_search_fts`, content the table's rows),
  kept by three triggers on the table (migration 0008), so an upsert of a row re-indexes it.
- PostgreSQL: a stored generated column `tsv` = `to_tsvector('simple', words)` with a GIN index.

A query's words match as prefixes, all of them (FTS5 `"w"*`, tsquery `w:*`); the words are runs
of letters and digits only (`domain/search.py`), so nothing in them is query syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa

from codestream.storage.tables import codemark_search

FTS_TABLE: Final = "codemark_search_fts"
"""SQLite's FTS5 index (and the prefix of its shadow tables)."""
TSV_COLUMN: Final = "tsv"
TSV_INDEX: Final = "ix_codemark_search_tsv"


def is_engine_object(name: str | None, kind: str) -> bool:
    """Whether a schema object is one of the engine-specific search structures that the
    portable table definitions leave out (for comparing them with a migrated database)."""
    if name is None:
        return False
    if kind == "table":
        return name.startswith(FTS_TABLE)
    return (kind, name) in (("column", TSV_COLUMN), ("index", TSV_INDEX))


def fts5_match(words: Sequence[str]) -> str:
    """An FTS5 MATCH expression: every word as a prefix."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery(words: Sequence[str]) -> str:
    """A PostgreSQL tsquery (for `to_tsquery('simple', ...)`): every word as a prefix."""
    return " & ".join(f"{word}:*" for word in words)


def matching(dialect: str, team_ids: Sequence[str], words: Sequence[str]) -> sa.Select[Any]:
    """The ids of the indexed codemarks of `team_ids` having every word, newest first."""
    table = codemark_search
    if dialect == "postgresql":
        query = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam("q", tsquery(words)))
        found = sa.literal_column(TSV_COLUMN).op("@@")(query)
        return (
            sa.select(table.c.codemark_id)
            .where(found, table.c.team_id.in_(team_ids))
            .order_by(table.c.codemark_id.desc())
        )
    # Newest first by the index's own order: a row's rowid is given when its codemark is first
    # indexed (at creation; an update keeps it), so FTS5 walks its matches from the newest and
    # stops at the page's end, where sorting by id would first read every match of a common word.
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    match = sa.literal_column(FTS_TABLE).op("MATCH")(sa.bindparam("q", fts5_match(words)))
    return (
        sa.select(table.c.codemark_id)
        .select_from(fts.join(table, sa.literal_column(f"{table.name}.rowid") == fts.c.rowid))
        .where(match, table.c.team_id.in_(team_ids))
        .order_by(fts.c.rowid.desc())
    )
