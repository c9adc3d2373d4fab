"""Migrations build exactly the schema the code expects, on both backends."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.storage.engine import create_sync_engine
from codestream.storage.migrate import current_revision, head_revision, upgrade_database
from codestream.storage.search import is_engine_object
from codestream.storage.tables import metadata
from support.databases import PG_ENV, PG_SKIP_REASON, PostgresSchema


def test_it_migrates_to_the_head_revision(database_url: str) -> None:
    assert upgrade_database(database_url) == head_revision()
    assert current_revision(database_url) == head_revision()


def test_it_matches_the_table_definitions_after_migrating(database_url: str) -> None:
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            # Each engine's full-text index is its own (storage/search.py): not in the metadata.
            opts = {
                "compare_type": True,
                "include_object": lambda _o, name, kind, _r, _c: not is_engine_object(name, kind),
            }
            context = MigrationContext.configure(connection, opts=opts)
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_it_runs_sqlite_in_wal_with_foreign_keys(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    upgrade_database(url)
    engine = create_sync_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


async def test_it_refuses_rows_that_point_nowhere(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        statement = sa.text(
            "INSERT INTO team_members (team_id, user_id, is_admin, created_at) "
            "VALUES ('nope', 'nobody', false, 0)"
        )
        try:
            await connection.execute(statement)
            await connection.commit()
        except sa.exc.IntegrityError:
            await connection.rollback()
        else:
            raise AssertionError("a membership of no team and no user was stored")


def test_servers_starting_together_on_postgresql_upgrade_one_after_the_other() -> None:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    fresh = PostgresSchema(base)
    with fresh._connect() as conn:
        conn.execute(f'CREATE SCHEMA "{fresh.name}"')
    try:
        with ThreadPoolExecutor(2) as pool:
            revisions = list(pool.map(upgrade_database, [fresh.url, fresh.url]))
        assert revisions == [head_revision(), head_revision()]
    finally:
        fresh.drop()
