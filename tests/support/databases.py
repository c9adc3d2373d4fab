"""Test databases: a migrated SQLite template copied per test; a PostgreSQL schema per session.

The PostgreSQL backend runs only when CS_TEST_DATABASE_URL is set (CI sets it); otherwise its
tests skip with that reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg

from codestream.domain.outbox import DeliveryStatus
from codestream.storage.migrate import head_revision, upgrade_database
from codestream.storage.tables import metadata
from codestream.storage.uow import SqlUnitOfWorkFactory

PG_ENV = "CS_TEST_DATABASE_URL"
PG_SKIP_REASON = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"


async def undelivered(uows: SqlUnitOfWorkFactory) -> int:
    """How many outbox rows have not reached Teams yet: queued, retrying or being sent (a row
    leaves these only once the connector accepted it, or as failed)."""
    async with uows(read_only=True) as uow:
        depth = await uow.outbox.depth()
    waiting = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING, DeliveryStatus.SENDING)
    return sum(depth[status] for status in waiting)


def sqlite_template(directory: Path) -> Path:
    """A SQLite file migrated to head, to copy for each test."""
    path = directory / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    """A fresh migrated database for one test; returns its URL."""
    target = directory / "codestream.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


class PostgresSchema:
    """A schema of its own in the test database, migrated once, emptied before each test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.name = f"cs_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        separator = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{separator}options={quote(f'-csearch_path={self.name}')}"

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.base_url.replace("postgresql+psycopg://", "postgresql://"))

    def create(self) -> None:
        """Create and migrate the schema."""
        with self._connect() as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        upgrade_database(self.url)

    def truncate(self) -> None:
        """Empty every table of ours, and put the schema revision back at head.

        DELETE in reverse dependency order: on tables this small it takes ~10 ms, where
        TRUNCATE takes ~250 ms per test.
        """
        with self._connect() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(f'DELETE FROM "{self.name}"."{table.name}"')
            conn.execute(
                f'UPDATE "{self.name}".alembic_version SET version_num = %s', (head_revision(),)
            )

    def drop(self) -> None:
        """Remove the schema and everything in it."""
        with self._connect() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
