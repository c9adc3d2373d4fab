"""The SQLite database and the files SQLite keeps beside it are readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems start services with, which leaves new files world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _write_and_check(url: str, database: Path) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("BEGIN IMMEDIATE"))
            await connection.execute(sa.text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            await connection.execute(sa.text("INSERT INTO probe VALUES (1)"))
            await connection.execute(sa.text("COMMIT"))
            # While a connection is open, the WAL and shared-memory files exist.
            for suffix in ("", "-wal", "-shm"):
                companion = database.with_name(database.name + suffix)
                assert companion.exists(), suffix
                assert _mode(companion) == 0o600, f"{companion.name}: {oct(_mode(companion))}"
    finally:
        await engine.dispose()


async def test_a_new_database_and_its_wal_files_are_0600(tmp_path: Path) -> None:
    database = tmp_path / "data" / "codestream.db"
    url = f"sqlite:///{database}"
    upgrade_database(url)  # what `codestream serve` and `codestream worker` do on start
    assert _mode(database) == 0o600
    assert _mode(database.parent) == 0o700
    await _write_and_check(url, database)


async def test_an_existing_database_with_a_wider_mode_is_narrowed_on_start(
    tmp_path: Path,
) -> None:
    database = tmp_path / "codestream.db"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    for suffix in ("", "-wal", "-shm"):
        companion = database.with_name(database.name + suffix)
        companion.touch()
        companion.chmod(0o644)
    upgrade_database(url)
    assert _mode(database) == 0o600
    await _write_and_check(url, database)
