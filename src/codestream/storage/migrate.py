"""Apply Alembic migrations: on start, and by `codestream db upgrade`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from codestream.storage.engine import sync_connection

SCRIPT_LOCATION = "codestream.storage:migrations"


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


UPGRADE_LOCK = 0x0C5D_0002
"""PostgreSQL advisory lock held while upgrading: servers and workers starting together on
several hosts upgrade one after the other (the later ones find the schema at head)."""


def upgrade_database(url: str) -> str | None:
    """Bring the database to the newest schema; returns the revision it is at.

    Raises `DatabaseUnreachable` when it cannot connect."""
    config = _alembic_config()
    with sync_connection(url) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(UPGRADE_LOCK)))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return current_revision(url)


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None if it was never migrated.

    Raises `DatabaseUnreachable` when it cannot connect."""
    with sync_connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this version of the code knows."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()
